-- The api_requests per UTC hour: the first and last one (Unix milliseconds),
-- how many, how many unpriced, their priced cost and their tokens. A 5-hour
-- usage block starts on a whole UTC hour, so these rows place every request in
-- its block exactly as the requests themselves would
-- (analytics.costs.usage_blocks), without a row per request.
SELECT
    toUnixTimestamp(toStartOfHour(t.ts)) AS hour,
    toUnixTimestamp64Milli(min(t.ts)) AS first_ms,
    toUnixTimestamp64Milli(max(t.ts)) AS last_ms,
    count() AS requests,
    countIf(t.cost_usd IS NULL) AS unpriced_requests,
    sum(ifNull(t.cost_usd, 0)) AS cost_usd,
    sum(input_tokens + output_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens) AS tokens
FROM telemetry AS t
WHERE event = 'api_request' AND __FILTERS__
GROUP BY hour
ORDER BY hour
