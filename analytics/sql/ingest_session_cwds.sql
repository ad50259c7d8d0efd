-- The first cwd (and its time) of each session in each staged file: what the
-- ingest decodes project directories from (analytics/ingest/projects.py).
SELECT file_id, session_id, min(ts) AS first_ts, argMin(cwd, (ts, line_no)) AS first_cwd
FROM ingest_parsed
WHERE reason = '' AND cwd != ''
GROUP BY file_id, session_id
