-- tool_result blocks of user lines: tool name and input from the matching
-- tool_use (this run or an earlier one), success from is_error, the first
-- 4,000 characters of the tool's output (error or not), and the duration
-- (DESIGN.md rule 13, 'derived') from the tool_use line to the tool_result
-- line; a missing tool_use, or a duration below 0 or above the bound (`max_ms`,
-- ms), gives NULL. User rejections also become tool_decision events.
INSERT INTO ingest_events (ts, source, event, session_id, event_id, project, repository, cwd, git_branch,
    cc_version, is_sidechain, agent_id, tool, tool_use_id, success, duration_ms, duration_source, decision,
    decision_source, error_type, error_text, text, output_text, version)
WITH res AS (
    SELECT
        ts, session_id, cwd, git_branch, cc_version, is_sidechain, agent_id, file_id,
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
    cc_home_label(c.project), cc_repository_label(c.project, c.repository),
    cwd, git_branch, cc_version, is_sidechain, agent_id,
    if(uses.tool_use_id = '', 'unknown', uses.u.2),
    tuid,
    toUInt8(NOT is_err),
    if((if(uses.tool_use_id = '', NULL, dateDiff('millisecond', uses.u.1, res.ts)) AS elapsed) BETWEEN 0 AND {max_ms:Int64},
       toFloat64(elapsed), NULL),
    if(elapsed BETWEEN 0 AND {max_ms:Int64}, 'derived', ''),
    if(kind = 'tool_decision', 'reject', ''),
    if(kind = 'tool_decision', 'user_reject', ''),
    if(is_err, if(rejected, 'user_rejected', 'tool_error'), ''),
    if(is_err, body, ''),
    uses.u.3,
    if(kind = 'tool_result', body, ''),
    {format:UInt64} * 281474976710656 + 1
FROM res
LEFT JOIN uses ON uses.tool_use_id = res.tuid
LEFT JOIN ingest_chunks AS c ON c.file_id = res.file_id
ARRAY JOIN if(rejected, ['tool_result', 'tool_decision'], ['tool_result']) AS kind
