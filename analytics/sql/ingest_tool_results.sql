-- tool_result blocks of user lines: tool name and input from the matching
-- tool_use (this run or an earlier one), success from is_error, duration from
-- the two timestamps. User rejections also become tool_decision events.
INSERT INTO ingest_events (ts, source, event, session_id, event_id, project, cwd, git_branch, cc_version,
    is_sidechain, agent_id, tool, tool_use_id, success, duration_ms, decision, decision_source, error_type,
    error_text, text, version)
WITH res AS (
    SELECT
        ts, session_id, cwd, git_branch, cc_version, is_sidechain, agent_id,
        tr.tool_use_id AS tuid,
        tr.is_error AS is_err,
        tr.body AS body,
        is_err AND match(body, '^(Error: )?The user doesn.t want to (proceed with this tool use|take this action)') AS rejected
    FROM ingest_parsed
    ARRAY JOIN tool_results AS tr
    WHERE reason = '' AND tr.tool_use_id != ''
),
uses AS (
    SELECT tool_use_id, argMax(tuple(ts, tool, input_summary), ts) AS u
    FROM tool_uses
    WHERE tool_use_id IN (SELECT tuid FROM res)
    GROUP BY tool_use_id
)
SELECT
    res.ts, 'jsonl', kind, session_id, concat(if(kind = 'tool_result', 'tool:', 'decision:'), tuid),
    cwd, cwd, git_branch, cc_version, is_sidechain, agent_id,
    if(uses.tool_use_id = '', 'unknown', uses.u.2),
    tuid,
    toUInt8(NOT is_err),
    if(uses.tool_use_id = '', NULL, greatest(0, dateDiff('millisecond', uses.u.1, res.ts))),
    if(kind = 'tool_decision', 'reject', ''),
    if(kind = 'tool_decision', 'user_reject', ''),
    if(is_err, if(rejected, 'user_rejected', 'tool_error'), ''),
    if(is_err, body, ''),
    uses.u.3,
    1
FROM res
LEFT JOIN uses ON uses.tool_use_id = res.tuid
ARRAY JOIN if(rejected, ['tool_result', 'tool_decision'], ['tool_result']) AS kind
