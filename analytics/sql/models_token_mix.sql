-- Token mix per (model, price-tier bucket, small-output flag) of api_request
-- events, for re-pricing under other models. A request's total input is
-- input + cache reads + cache writes; `bucket` counts the tier starts it
-- reaches among the `bounds` parameter and every tier start in the price book, so all
-- requests of one bucket fall in the same tier of every model whose tier
-- starts are among them. min_total_input / max_total_input let the caller
-- check that. `small` marks requests with fewer than `small_output` output
-- tokens (the candidates of a move to a cheaper model).
WITH t.input_tokens + t.cache_read_tokens + t.cache_write_5m_tokens + t.cache_write_1h_tokens AS total_input
SELECT
    toString(model) AS model,
    arrayCount(b -> total_input >= b,
               arrayDistinct(arrayConcat({bounds:Array(UInt64)}, (SELECT groupArray(tier_start) FROM prices)))) AS bucket,
    toUInt8(t.output_tokens < {small_output:UInt64}) AS small,
    {small_output:UInt64} AS small_output_limit,
    count() AS requests,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens,
    sum(cache_read_tokens) AS cache_read_tokens,
    sum(cache_write_5m_tokens) AS cache_write_5m_tokens,
    sum(cache_write_1h_tokens) AS cache_write_1h_tokens,
    min(total_input) AS min_total_input,
    max(total_input) AS max_total_input,
    sum(cost_usd) AS cost_usd,
    countIf(t.cost_usd IS NOT NULL) AS priced_requests
FROM (SELECT * FROM telemetry WHERE event = 'api_request' AND __FILTERS__) AS t
GROUP BY model, bucket, small
ORDER BY model, bucket, small
