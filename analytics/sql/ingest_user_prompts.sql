-- Human prompts (not meta lines, not a subagent's task prompt, not tool
-- results); "[Request interrupted by user...]" lines become interrupt decisions.
INSERT INTO ingest_events (ts, source, event, session_id, prompt_id, event_id, project, repository, cwd,
    git_branch, cc_version, is_sidechain, agent_id, decision, decision_source, text, attrs, version)
WITH startsWith(text, '[Request interrupted by user') AS interrupted
SELECT
    ts, 'jsonl', if(interrupted, 'tool_decision', 'user_prompt'), session_id, uuid,
    concat(if(interrupted, 'interrupt:', 'prompt:'), uuid),
    cc_home_label(c.project), cc_repository_label(c.project, c.repository),
    cwd, git_branch, cc_version, is_sidechain, agent_id,
    if(interrupted, 'interrupt', ''), if(interrupted, 'user_interrupt', ''),
    text,
    map('prompt_length', toString(lengthUTF8(text))),
    {format:UInt64} * 281474976710656 + 1
FROM ingest_parsed
LEFT JOIN ingest_chunks AS c ON c.file_id = ingest_parsed.file_id
WHERE reason = '' AND type = 'user' AND NOT is_meta AND NOT is_sidechain AND uuid != '' AND text != ''
  AND empty(tool_results)
