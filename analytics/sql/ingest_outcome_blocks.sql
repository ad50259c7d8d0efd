-- The tool_result blocks of this run whose tool_use may produce an outcome
-- (outcome_tool_uses, this run or an earlier one), read from the raw user
-- lines the parse found usable: success, a user rejection, the lines added and
-- removed by the line's `toolUseResult.structuredPatch` ('+' and '-' lines of
-- each hunk; a Write that created a file: its content's lines), and what the
-- output names: commit hashes (a line `[<branch> <hash>] <subject>`, as `git
-- commit` prints it) and pull request URLs (`.../pull/<n>`). A line holding
-- several tool results carries no patch (it could not say whose it is).
INSERT INTO ingest_outcome_blocks (file_id, ts, session_id, cc_version, tool_use_id, file_path,
    is_error, rejected, has_patch, lines_added, lines_removed, refs)
WITH
    JSONExtractArrayRaw(s.l, 'message', 'content') AS blocks,
    arrayFilter(x -> JSONExtractString(x, 'type') = 'tool_result', blocks) AS results,
    if(length(results) = 1 AND JSONType(s.l, 'toolUseResult') = 'Object', JSONExtractRaw(s.l, 'toolUseResult'), '') AS tur,
    JSONType(tur, 'structuredPatch') = 'Array' AS patched,
    arrayFlatten(arrayMap(h -> JSONExtract(h, 'lines', 'Array(String)'), JSONExtractArrayRaw(tur, 'structuredPatch'))) AS patch,
    JSONExtractString(tur, 'type') = 'create' AND empty(patch) AS created,
    JSONExtractString(b, 'tool_use_id') AS tuid,
    JSONExtractBool(b, 'is_error') AS is_err,
    if(JSONType(b, 'content') = 'String', JSONExtractString(b, 'content'),
       arrayStringConcat(arrayMap(x -> JSONExtractString(x, 'text'), JSONExtractArrayRaw(b, 'content')), '\n')) AS body
SELECT
    s.file_id, p.ts, p.session_id, p.cc_version, tuid, JSONExtractString(tur, 'filePath'),
    is_err,
    is_err AND match(body, '^(Error: )?The user doesn.t want to (proceed with this tool use|take this action)'),
    patched,
    if(created, length(cc_lines(JSONExtractString(tur, 'content'))), arrayCount(x -> startsWith(x, '+'), patch)),
    if(created, 0, arrayCount(x -> startsWith(x, '-'), patch)),
    if(position(body, '] ') > 0 OR position(body, '/pull/') > 0,
       arrayConcat(arrayMap(m -> m[1], extractAllGroupsVertical(body, '(?m)^\\[[^\\]\\n]*?\\b([0-9a-f]{7,40})\\]')),
                   extractAll(body, 'https?://[^\\s/]+/[^\\s/]+/[^\\s/]+/pull/[0-9]+')),
       [])
FROM
(
    SELECT file_id, line_no, if(isValidUTF8(line), line, toValidUTF8(line)) AS l
    FROM ingest_stage
    WHERE position(line, 'tool_result') > 0
) AS s
INNER JOIN
(
    SELECT file_id, line_no, ts, session_id, cc_version, tool_results
    FROM ingest_parsed
    WHERE reason = '' AND type = 'user' AND notEmpty(tool_results)
) AS p ON s.file_id = p.file_id AND s.line_no = p.line_no
ARRAY JOIN results AS b
WHERE tuid IN (SELECT tool_use_id FROM outcome_tool_uses)
