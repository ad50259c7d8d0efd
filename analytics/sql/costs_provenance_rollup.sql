-- costs_provenance.sql from the hourly rollup (analytics/rollups.py), whose
-- groups keep each request's cost source: the same rows.
SELECT
    toString(t.cost_source) AS cost_source,
    toString(t.model) AS model,
    sum(t.n) AS requests,
    sum(t.n - t.priced) AS unpriced_requests,
    sum(t.cost_usd) AS cost_usd,
    sum(t.input_tokens + t.output_tokens + t.cache_read_tokens + t.cache_write_5m_tokens + t.cache_write_1h_tokens) AS tokens
FROM rollup_hourly AS t
WHERE hidden = 0 AND event = 'api_request' AND __FILTERS__
GROUP BY cost_source, model
ORDER BY cost_source, requests DESC, model
