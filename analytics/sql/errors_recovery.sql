-- Recovery after API errors, per session, with a window over each session's
-- calls in time order: for every api_error the first api_request at or after
-- it (`next_ok`). A session recovered when its last error has one.
-- wait_ms: milliseconds from each error to its next success (recovered errors only).
WITH
calls AS (
    SELECT
        session_id,
        event,
        ts,
        min(if(event = 'api_request', ts, NULL)) OVER (
            PARTITION BY session_id ORDER BY ts ASC, event ASC
            ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS next_ok
    FROM telemetry
    WHERE event IN ('api_request', 'api_error') AND session_id != '' AND __FILTERS__
),
per_session AS (
    SELECT
        session_id,
        countIf(event = 'api_error') AS n_errors,
        countIf(event = 'api_error' AND next_ok IS NOT NULL) AS n_recovered,
        argMaxIf(next_ok IS NOT NULL, ts, event = 'api_error') AS recovered,
        groupArrayIf(dateDiff('millisecond', ts, assumeNotNull(next_ok)), event = 'api_error' AND next_ok IS NOT NULL) AS waits
    FROM calls
    GROUP BY session_id
)
SELECT
    count() AS sessions,
    countIf(n_errors > 0) AS sessions_with_error,
    countIf(n_errors > 0 AND recovered) AS sessions_recovered,
    sum(n_errors) AS errors,
    sum(n_recovered) AS errors_followed_by_success,
    quantileExactArray(0.5)(waits) AS median_wait_ms,
    quantileExactArray(0.9)(waits) AS p90_wait_ms
FROM per_session
