-- costs_series.sql from the hourly rollup (analytics/rollups.py): the same
-- columns and the same answer, for windows of whole hours in whole-hour zones.
SELECT
    toUnixTimestamp(if({freq:String} = 'hour', toStartOfHour(ts, {tz:String}), toStartOfDay(ts, {tz:String}))) AS bucket,
    sum(n) AS requests,
    sum(n - priced) AS unpriced_requests,
    sum(t.cost_usd) AS cost_usd,
    sum(t.input_tokens) AS input_tokens,
    sum(t.output_tokens) AS output_tokens,
    sum(t.cache_read_tokens) AS cache_read_tokens,
    sum(t.cache_write_5m_tokens + t.cache_write_1h_tokens) AS cache_write_tokens,
    sum(t.input_tokens + t.output_tokens + t.cache_read_tokens + t.cache_write_5m_tokens + t.cache_write_1h_tokens) AS tokens
FROM rollup_hourly AS t
WHERE hidden = 0 AND event = 'api_request' AND __FILTERS__
GROUP BY bucket
ORDER BY bucket
