-- The tool_use blocks of this run that may produce an outcome (docs/OUTCOMES.md),
-- read from the raw assistant lines the parse found usable: edit tools (Edit,
-- MultiEdit, Write, NotebookEdit) with their file and the input's own diff
-- (old/new strings of each edit, a Write's content as added lines, a
-- NotebookEdit insert's source), and Bash commands that run `git commit`
-- and/or `gh pr create` (`action` 'commit', 'pull_request' or both, joined by
-- '+'). A later result of this or another run refers to them by tool_use_id.
INSERT INTO outcome_tool_uses (tool_use_id, ts, session_id, model, tool, action, file_path, lines_added, lines_removed)
WITH
    JSONExtractRaw(b, 'input') AS inp,
    JSONExtractString(b, 'name') AS name,
    JSONExtractString(inp, 'command') AS cmd,
    match(cmd, '(^|[^A-Za-z0-9_./-])git\\s+(-[cC]\\s+\\S+\\s+)*commit(\\s|$)') AS commits,
    match(cmd, '(^|[^A-Za-z0-9_./-])gh\\s+pr\\s+create(\\s|$)') AS opens_pr,
    multiIf(name != 'Bash', 'edit',
            commits AND opens_pr, 'commit+pull_request', commits, 'commit', opens_pr, 'pull_request', '') AS act,
    multiIf(name = 'Edit', cc_lines_diff(JSONExtractString(inp, 'old_string'), JSONExtractString(inp, 'new_string')),
            name = 'MultiEdit', (
                arraySum(arrayMap(e -> cc_lines_diff(JSONExtractString(e, 'old_string'), JSONExtractString(e, 'new_string')).1,
                                  JSONExtractArrayRaw(inp, 'edits'))),
                arraySum(arrayMap(e -> cc_lines_diff(JSONExtractString(e, 'old_string'), JSONExtractString(e, 'new_string')).2,
                                  JSONExtractArrayRaw(inp, 'edits')))),
            name = 'Write', (toUInt64(length(cc_lines(JSONExtractString(inp, 'content')))), toUInt64(0)),
            name = 'NotebookEdit' AND JSONExtractString(inp, 'edit_mode') = 'insert',
                (toUInt64(length(cc_lines(JSONExtractString(inp, 'new_source')))), toUInt64(0)),
            (toUInt64(0), toUInt64(0))) AS diff
SELECT JSONExtractString(b, 'id'), p.ts, p.session_id, p.model, name, act,
       if(name = 'NotebookEdit', JSONExtractString(inp, 'notebook_path'), JSONExtractString(inp, 'file_path')),
       diff.1, diff.2
FROM
(
    SELECT file_id, line_no, if(isValidUTF8(line), line, toValidUTF8(line)) AS l
    FROM ingest_stage
    WHERE position(line, 'tool_use') > 0
) AS s
INNER JOIN
(
    SELECT file_id, line_no, ts, session_id, model
    FROM ingest_parsed
    WHERE reason = '' AND type = 'assistant'
      AND arrayExists(u -> u.name IN ('Edit', 'MultiEdit', 'Write', 'NotebookEdit', 'Bash'), tool_uses)
) AS p ON s.file_id = p.file_id AND s.line_no = p.line_no
ARRAY JOIN arrayFilter(x -> JSONExtractString(x, 'type') = 'tool_use'
                            AND JSONExtractString(x, 'name') IN ('Edit', 'MultiEdit', 'Write', 'NotebookEdit', 'Bash'),
                       JSONExtractArrayRaw(s.l, 'message', 'content')) AS b
WHERE act != '' AND JSONExtractString(b, 'id') != ''
