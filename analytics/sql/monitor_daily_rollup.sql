-- monitor_daily.sql with its counts and sums from the hourly rollup
-- (analytics/rollups.py) and the exact 95th percentile of durations from the
-- hourly latency rollup, which keeps every duration.
SELECT r.bucket AS bucket, requests, errors, unpriced_requests, cost_usd, timed_requests,
       if(p.day = 0, NULL, p.p95_ms) AS p95_ms, tool_calls, tool_failed
FROM
(
    SELECT
        toUnixTimestamp(toStartOfDay(ts, {tz:String})) AS bucket,
        sumIf(n, event = 'api_request') AS requests,
        sumIf(n, event = 'api_error') AS errors,
        sumIf(n - priced, event = 'api_request') AS unpriced_requests,
        sumIf(t.cost_usd, event = 'api_request') AS cost_usd,
        sumIf(timed, event = 'api_request') AS timed_requests,
        sumIf(n, event = 'tool_result') AS tool_calls,
        sumIf(n, kind = 'tool_failed') AS tool_failed
    FROM rollup_hourly AS t
    WHERE hidden = 0 AND event IN ('api_request', 'api_error', 'tool_result') AND __FILTERS__
    GROUP BY bucket
) AS r
LEFT JOIN
(
    SELECT toUnixTimestamp(toStartOfDay(ts, {tz:String})) AS day, quantileExactArray(0.95)(durations) AS p95_ms
    FROM rollup_latency
    WHERE hidden = 0 AND __FILTERS__
    GROUP BY day
    HAVING sum(length(durations)) > 0
) AS p ON p.day = r.bucket
ORDER BY bucket
