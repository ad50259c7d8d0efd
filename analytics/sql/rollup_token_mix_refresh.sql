-- Recompute the touched hours of rollup_token_mix from the telemetry view,
-- appended hidden under generation {gen} (rollup_swap shows them); buckets and
-- the small flag as models_token_mix.sql makes them for {small_output} and the
-- sorted tier starts {mix_bounds} (already the union with the price book's:
-- rollups.mix_bounds), which every row keeps.
INSERT INTO rollup_token_mix
    (ts, source, project, repository, model, user, bounds, bucket, small, small_output_limit, requests,
     input_tokens, output_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens,
     min_total_input, max_total_input, cost_usd, priced_requests, gen, hidden)
WITH
    {mix_bounds:Array(UInt64)} AS all_bounds,
    t.input_tokens + t.cache_read_tokens + t.cache_write_5m_tokens + t.cache_write_1h_tokens AS total_input
SELECT
    toStartOfHour(ts) AS hour,
    source, project, repository, model, user,
    all_bounds,
    arrayCount(b -> total_input >= b, all_bounds) AS bucket,
    toUInt8(t.output_tokens < {small_output:UInt64}) AS small,
    {small_output:UInt64},
    count(),
    sum(input_tokens),
    sum(output_tokens),
    sum(cache_read_tokens),
    sum(cache_write_5m_tokens),
    sum(cache_write_1h_tokens),
    min(total_input),
    max(total_input),
    sum(cost_usd),
    countIf(t.cost_usd IS NOT NULL),
    {gen:DateTime64(3, 'UTC')},
    1
FROM telemetry AS t
WHERE event = 'api_request'
  AND ts >= (SELECT min(hour) FROM rollup_touched)
  AND ts < (SELECT max(hour) FROM rollup_touched) + INTERVAL 1 HOUR
  AND toStartOfHour(ts) IN (SELECT hour FROM rollup_touched)
GROUP BY hour, source, project, repository, model, user, bucket, small
