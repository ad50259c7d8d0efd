-- The outcomes of this run's tool results (docs/OUTCOMES.md), outcome_source
-- 'derived', attributed to the session, the project and repository of the
-- result's file, and the model whose response called the tool:
-- * edit tools: a successful result is one `lines` row (the structured patch's
--   counts, else the input's own diff; `ref` the file) and an `edit_decision`
--   'accept'; a user rejection an `edit_decision` 'reject';
-- * `git commit`: one `commit` row per hash its output prints (it printed one
--   only if the commit was made, even when a later command of the same call failed);
-- * `gh pr create`: a successful call's `pull_request` row per URL it printed.
-- An event id already stored is not added again.
INSERT INTO outcomes (ts, source, outcome_source, kind, session_id, project, repository, user, model, cc_version,
    tool, tool_use_id, language, decision, count, lines_added, lines_removed, seconds, ref, event_id, version)
WITH uses AS (
    SELECT tool_use_id, argMax(tuple(model, tool, action, file_path, lines_added, lines_removed), ts) AS u
    FROM outcome_tool_uses
    WHERE tool_use_id IN (SELECT tool_use_id FROM ingest_outcome_blocks)
    GROUP BY tool_use_id
),
rows AS (
    SELECT r.ts AS ts, r.session_id AS session_id, r.cc_version AS cc_version, r.file_id AS file_id,
           r.tool_use_id AS tool_use_id, uses.u.1 AS model, uses.u.2 AS tool, uses.u.3 AS action,
           if(r.file_path != '', r.file_path, uses.u.4) AS path,
           if(r.has_patch, r.lines_added, uses.u.5) AS added,
           if(r.has_patch, r.lines_removed, uses.u.6) AS removed,
           r.is_error AS is_error, r.rejected AS rejected, r.refs AS refs,
           arrayConcat(
               if(action = 'edit' AND NOT is_error, [('lines', path), ('edit_decision', 'accept')], []),
               if(action = 'edit' AND rejected, [('edit_decision', 'reject')], []),
               if(position(action, 'commit') > 0,
                  arrayMap(x -> ('commit', x), arrayDistinct(arrayFilter(x -> NOT startsWith(x, 'http'), refs))), []),
               if(position(action, 'pull_request') > 0 AND NOT is_error,
                  arrayMap(x -> ('pull_request', x), arrayDistinct(arrayFilter(x -> startsWith(x, 'http'), refs))), [])
           ) AS found
    FROM ingest_outcome_blocks AS r
    INNER JOIN uses ON uses.tool_use_id = r.tool_use_id
)
SELECT
    ts, 'jsonl', 'derived', o.1 AS kind, session_id,
    cc_home_label(c.project), cc_repository_label(c.project, c.repository), 'local', model, cc_version,
    tool, tool_use_id,
    if(action = 'edit', cc_language(path), ''),
    if(kind = 'edit_decision', o.2, ''),
    1,
    if(kind = 'lines', added, 0),
    if(kind = 'lines', removed, 0),
    0,
    multiIf(kind = 'edit_decision', path, o.2),
    multiIf(kind IN ('commit', 'pull_request'), concat(kind, ':', tool_use_id, ':', o.2), concat(kind, ':', tool_use_id)) AS event_id,
    {version:UInt64}
FROM rows
LEFT JOIN ingest_chunks AS c ON c.file_id = rows.file_id
ARRAY JOIN found AS o
WHERE event_id NOT IN (SELECT event_id FROM outcomes WHERE session_id IN (SELECT session_id FROM ingest_outcome_blocks))
