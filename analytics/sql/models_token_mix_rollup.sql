-- models_token_mix.sql from rollup_token_mix (analytics/rollups.py), for the
-- bounds and small-output limit the rollup was built with (models.load_token_mix
-- checks them first): the same groups summed over hours and filter columns.
SELECT
    toString(model) AS model,
    bucket,
    small,
    any(small_output_limit) AS small_output_limit,
    sum(requests) AS requests,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens,
    sum(cache_read_tokens) AS cache_read_tokens,
    sum(cache_write_5m_tokens) AS cache_write_5m_tokens,
    sum(cache_write_1h_tokens) AS cache_write_1h_tokens,
    min(min_total_input) AS min_total_input,
    max(max_total_input) AS max_total_input,
    sum(cost_usd) AS cost_usd,
    sum(priced_requests) AS priced_requests
FROM rollup_token_mix
WHERE hidden = 0 AND __FILTERS__
GROUP BY model, bucket, small
ORDER BY model, bucket, small
