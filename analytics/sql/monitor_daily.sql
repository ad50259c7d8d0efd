-- Per day of the reporting time zone: API calls, spend, tool calls and
-- latency, the inputs of the overview's trend arrows. `bucket` is local
-- midnight as Unix seconds. cost_usd sums priced requests (unpriced ones are
-- counted, never added as $0). p95_ms is the exact 95th percentile
-- (quantileExact) of api_request durations, NULL on days without one (JSONL
-- requests carry none). tool_failed counts failed tool results except those a
-- transcript marks as user rejections. Days without such events are absent.
SELECT
    toUnixTimestamp(toStartOfDay(ts, {tz:String})) AS bucket,
    countIf(event = 'api_request') AS requests,
    countIf(event = 'api_error') AS errors,
    countIf(event = 'api_request' AND t.cost_usd IS NULL) AS unpriced_requests,
    ifNull(sumIf(t.cost_usd, event = 'api_request'), 0) AS cost_usd,
    countIf(event = 'api_request' AND duration_ms IS NOT NULL) AS timed_requests,
    quantileExactIf(0.95)(duration_ms, event = 'api_request' AND duration_ms IS NOT NULL) AS p95_ms,
    countIf(event = 'tool_result') AS tool_calls,
    countIf(event = 'tool_result' AND success = 0 AND error_type != 'user_rejected') AS tool_failed
FROM telemetry AS t
WHERE event IN ('api_request', 'api_error', 'tool_result') AND __FILTERS__
GROUP BY bucket
ORDER BY bucket
