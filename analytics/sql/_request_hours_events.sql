-- The api_requests per UTC hour from the events (costs_request_hours.sql), unordered: a part of
-- that query and of costs_request_hours_split.sql, which write its name in capitals between double
-- underscores.
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
