-- Human prompts (not meta lines, not a subagent's task prompt, not tool
-- results); "[Request interrupted by user...]" lines become interrupt decisions.
INSERT INTO ingest_events (ts, source, event, session_id, prompt_id, event_id, project, cwd, git_branch,
    cc_version, is_sidechain, agent_id, decision, decision_source, text, attrs, version)
WITH
    if(content_type = 'String', content,
       arrayStringConcat(arrayMap(b -> JSONExtractString(b, 'text'),
           arrayFilter(b -> JSONExtractString(b, 'type') = 'text', JSONExtractArrayRaw(content))), '\n')) AS txt,
    startsWith(txt, '[Request interrupted by user') AS interrupted
SELECT
    ts, 'jsonl', if(interrupted, 'tool_decision', 'user_prompt'), session_id, uuid,
    concat(if(interrupted, 'interrupt:', 'prompt:'), uuid),
    cwd, cwd, git_branch, cc_version, is_sidechain, agent_id,
    if(interrupted, 'interrupt', ''), if(interrupted, 'user_interrupt', ''),
    substring(txt, 1, 100000),
    map('prompt_length', toString(lengthUTF8(txt))),
    1
FROM ingest_parsed
WHERE reason = '' AND type = 'user' AND NOT is_meta AND NOT is_sidechain AND uuid != '' AND txt != ''
  AND (content_type = 'String'
       OR NOT arrayExists(b -> JSONExtractString(b, 'type') = 'tool_result', JSONExtractArrayRaw(content)))
