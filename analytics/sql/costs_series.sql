-- Cost, tokens and requests of api_request events per hour or per day of the
-- reporting time zone. `bucket` is the bucket start as Unix seconds (the
-- instant of the local hour or local midnight). Unpriced requests are counted,
-- never added as $0.
SELECT
    toUnixTimestamp(if({freq:String} = 'hour', toStartOfHour(ts, {tz:String}), toStartOfDay(ts, {tz:String}))) AS bucket,
    count() AS requests,
    countIf(t.cost_usd IS NULL) AS unpriced_requests,
    ifNull(sum(t.cost_usd), 0) AS cost_usd,
    sum(t.input_tokens) AS input_tokens,
    sum(t.output_tokens) AS output_tokens,
    sum(t.cache_read_tokens) AS cache_read_tokens,
    sum(t.cache_write_5m_tokens + t.cache_write_1h_tokens) AS cache_write_tokens,
    sum(t.input_tokens + t.output_tokens + t.cache_read_tokens + t.cache_write_5m_tokens + t.cache_write_1h_tokens) AS tokens
FROM telemetry AS t
WHERE event = 'api_request' AND __FILTERS__
GROUP BY bucket
ORDER BY bucket
