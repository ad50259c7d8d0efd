-- The api_requests per UTC hour from the hourly rollup (costs_request_hours_rollup.sql), unordered:
-- a part of that query and of costs_request_hours_split.sql.
SELECT
    toUnixTimestamp(t.ts) AS hour,
    toUnixTimestamp64Milli(min(t.first_ts)) AS first_ms,
    toUnixTimestamp64Milli(max(t.last_ts)) AS last_ms,
    sum(t.n) AS requests,
    sum(t.n - t.priced) AS unpriced_requests,
    sum(t.cost_usd) AS cost_usd,
    sum(t.input_tokens + t.output_tokens + t.cache_read_tokens + t.cache_write_5m_tokens + t.cache_write_1h_tokens) AS tokens
FROM rollup_hourly AS t
WHERE hidden = 0 AND event = 'api_request' AND __FILTERS__
GROUP BY hour
