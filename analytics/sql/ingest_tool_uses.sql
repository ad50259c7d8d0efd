-- tool_use blocks: what a later tool_result refers to. The input summary keeps
-- the searchable parts (paths, commands, patterns, URLs, queries).
INSERT INTO tool_uses (tool_use_id, ts, tool, input_summary, session_id, message_id)
WITH
    JSONExtractRaw(b, 'input') AS inp,
    arrayFilter(x -> x != '', [JSONExtractString(inp, 'file_path'), JSONExtractString(inp, 'notebook_path'),
        JSONExtractString(inp, 'path'), JSONExtractString(inp, 'command'), JSONExtractString(inp, 'pattern'),
        JSONExtractString(inp, 'glob'), JSONExtractString(inp, 'url'), JSONExtractString(inp, 'query'),
        JSONExtractString(inp, 'description')]) AS parts
SELECT
    JSONExtractString(b, 'id'),
    ts,
    JSONExtractString(b, 'name'),
    substring(if(empty(parts), inp, arrayStringConcat(parts, ' ')), 1, 2000),
    session_id,
    msg_id
FROM ingest_parsed
ARRAY JOIN JSONExtractArrayRaw(content) AS b
WHERE reason = '' AND type = 'assistant' AND content_type = 'Array' AND JSONExtractString(b, 'type') = 'tool_use'
