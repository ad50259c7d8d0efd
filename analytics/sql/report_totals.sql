-- Token and cost totals of api_request events per report key (ccusage-style
-- reports). __KEY__ is one expression from the CLI's allow-list.
SELECT
    __KEY__ AS key,
    sum(input_tokens) AS sum_input,
    sum(output_tokens) AS sum_output,
    sum(cache_read_tokens) AS sum_cache_read,
    sum(cache_write_5m_tokens) AS sum_cache_write_5m,
    sum(cache_write_1h_tokens) AS sum_cache_write_1h,
    sum(input_tokens + output_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens) AS sum_total,
    sumIf(cost_usd, cost_usd IS NOT NULL) AS sum_cost,
    count() AS n_requests,
    countIf(cost_usd IS NULL) AS n_unpriced
FROM telemetry
WHERE event = 'api_request' AND __FILTERS__
GROUP BY key
ORDER BY key
