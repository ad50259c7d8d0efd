-- errors_failures.sql with the whole UTC hours before {split:DateTime('UTC')} read from the
-- hourly rollup (analytics/rollups.py, where `kind` is kept) and only the rest from the events:
-- today's failures, whose window ends now, inside the current hour. The window's start must be
-- a whole UTC hour (a rollup row counts its hour whole).
SELECT kind, sum(n) AS n
FROM
(
    SELECT toString(kind) AS kind, sum(n) AS n
    FROM rollup_hourly
    WHERE hidden = 0 AND event IN ('api_request', 'api_error', 'tool_result', 'tool_decision')
      AND ts < {split:DateTime('UTC')} AND __FILTERS__
    GROUP BY kind
    UNION ALL
    SELECT cc_failure_kind(event, error_type, status_code, error_text, success, decision) AS kind, count() AS n
    FROM telemetry
    WHERE event IN ('api_request', 'api_error', 'tool_result', 'tool_decision')
      AND ts >= {split:DateTime('UTC')} AND __FILTERS__
    GROUP BY kind
)
GROUP BY kind
ORDER BY kind
