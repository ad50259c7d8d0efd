-- Recompute the touched hours of rollup_tools from the telemetry view,
-- appended hidden under generation {gen} (rollup_swap shows them).
INSERT INTO rollup_tools (ts, source, project, repository, model, user, tool, calls, succeeded, failed, rejected,
    sessions, durations, gen, hidden)
SELECT
    toStartOfHour(ts) AS hour,
    source, project, repository, model, user, tool,
    count(),
    countIf(success = 1),
    countIf(success = 0),
    countIf(success = 0 AND error_type = 'user_rejected'),
    groupUniqArray(session_id),
    groupArrayIf(assumeNotNull(duration_ms), isNotNull(duration_ms)),
    {gen:DateTime64(3, 'UTC')},
    1
FROM telemetry
WHERE event = 'tool_result'
  AND ts >= (SELECT min(hour) FROM rollup_touched)
  AND ts < (SELECT max(hour) FROM rollup_touched) + INTERVAL 1 HOUR
  AND toStartOfHour(ts) IN (SELECT hour FROM rollup_touched)
GROUP BY hour, source, project, repository, model, user, tool
