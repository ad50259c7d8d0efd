-- errors_recovery.sql from rollup_sessions (analytics/rollups.py). Per session,
-- errors (0) and the requests kept for them (1) in time order, errors first at
-- a tie (the raw query's `event ASC`); arrayReverseFill gives each error the
-- next request after it (`nxt`), the same `next_ok` as the raw window.
WITH
per_session AS (
    SELECT
        session_id,
        arrayFlatten(groupArray(error_ts)) AS errs,
        length(errs) AS n_errors,
        sum(requests) AS n_requests,
        if(n_errors = 0, [],
           arraySort(arrayConcat(arrayMap(t -> (t, 1), arrayFlatten(groupArray(request_ts))), arrayMap(t -> (t, 0), errs)))) AS m,
        arrayReverseFill(x -> x.2 = 1, m) AS nxt,
        arrayFilter(w -> w >= 0, arrayMap((x, y) -> if(x.2 = 0 AND y.2 = 1, dateDiff('millisecond', x.1, y.1), -1), m, nxt)) AS waits,
        n_errors > 0 AND arrayLastIndex(x -> x.2 = 0, m) < arrayLastIndex(x -> x.2 = 1, m) AS recovered
    FROM rollup_sessions
    WHERE hidden = 0 AND __FILTERS__
    GROUP BY session_id
    HAVING n_requests + n_errors > 0
)
SELECT
    count() AS sessions,
    countIf(n_errors > 0) AS sessions_with_error,
    countIf(n_errors > 0 AND recovered) AS sessions_recovered,
    sum(n_errors) AS errors,
    sum(length(waits)) AS errors_followed_by_success,
    quantileExactArray(0.5)(waits) AS median_wait_ms,
    quantileExactArray(0.9)(waits) AS p90_wait_ms
FROM per_session
