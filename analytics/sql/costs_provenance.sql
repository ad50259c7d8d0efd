-- Where each request's cost comes from, per model: 'reported' (OTel cost_usd),
-- 'computed' (tokens x price book) or 'unpriced' (no price: cost is NULL and
-- never added as $0).
SELECT
    toString(t.cost_source) AS cost_source,
    toString(t.model) AS model,
    count() AS requests,
    countIf(t.cost_usd IS NULL) AS unpriced_requests,
    ifNull(sum(t.cost_usd), 0) AS cost_usd,
    sum(t.input_tokens + t.output_tokens + t.cache_read_tokens + t.cache_write_5m_tokens + t.cache_write_1h_tokens) AS tokens
FROM telemetry AS t
WHERE event = 'api_request' AND __FILTERS__
GROUP BY cost_source, model
ORDER BY cost_source, requests DESC, model
