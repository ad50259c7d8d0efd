-- Per tool: calls, outcomes and duration percentiles of tool_result events.
-- success is NULL when the source did not report an outcome; such calls count
-- in `calls` but in neither `succeeded` nor `failed`.
SELECT
    toString(tool) AS tool,
    count() AS calls,
    countIf(success = 1) AS succeeded,
    countIf(success = 0) AS failed,
    countIf(success = 0 AND error_type = 'user_rejected') AS rejected,
    uniqExact(session_id) AS sessions,
    countIf(duration_ms IS NOT NULL) AS timed_calls,
    quantileExact(0.5)(duration_ms) AS p50_ms,
    quantileExact(0.95)(duration_ms) AS p95_ms,
    avg(duration_ms) AS mean_ms
FROM telemetry
WHERE event = 'tool_result' AND __FILTERS__
GROUP BY tool
ORDER BY calls DESC, tool
