-- tool_use blocks: what a later tool_result refers to (maybe in a later run).
INSERT INTO tool_uses (tool_use_id, ts, tool, input_summary, session_id, message_id)
SELECT tu.id, ts, tu.name, tu.input, session_id, msg_id
FROM ingest_parsed
ARRAY JOIN tool_uses AS tu
WHERE reason = '' AND tu.id != ''
