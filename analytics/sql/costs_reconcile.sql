-- The same API requests seen by both sources: JSONL transcripts (cost computed
-- from the price book) and OpenTelemetry (cost reported by Claude Code),
-- matched on request_id. One row per request_id present in either source;
-- `jsonl_rows` / `otel_rows` are 0 on the side where it is missing. Reads
-- source_events, which keeps both rows of a matched request (telemetry counts
-- it once).
WITH
j AS (
    SELECT request_id, any(model) AS m, count() AS jsonl_rows, sum(cost_usd) AS jsonl_cost,
           sum(input_tokens) AS j_input, sum(output_tokens) AS j_output, sum(cache_read_tokens) AS j_cache_read,
           sum(cache_write_5m_tokens + cache_write_1h_tokens) AS j_cache_write
    FROM source_events
    WHERE event = 'api_request' AND source = 'jsonl' AND request_id != '' AND __FILTERS__
    GROUP BY request_id
),
o AS (
    SELECT request_id, any(model) AS m, count() AS otel_rows, sum(cost_usd) AS otel_cost,
           sum(input_tokens) AS o_input, sum(output_tokens) AS o_output, sum(cache_read_tokens) AS o_cache_read,
           sum(cache_write_5m_tokens + cache_write_1h_tokens) AS o_cache_write
    FROM source_events
    WHERE event = 'api_request' AND source = 'otel' AND request_id != '' AND __FILTERS__
    GROUP BY request_id
)
SELECT
    if(j.request_id != '', j.request_id, o.request_id) AS request_id,
    if(j.m != '', j.m, o.m) AS model,
    j.jsonl_rows AS jsonl_rows,
    o.otel_rows AS otel_rows,
    j.jsonl_cost AS computed_cost,
    o.otel_cost AS reported_cost,
    j.j_input AS jsonl_input_tokens, o.o_input AS otel_input_tokens,
    j.j_output AS jsonl_output_tokens, o.o_output AS otel_output_tokens,
    j.j_cache_read AS jsonl_cache_read_tokens, o.o_cache_read AS otel_cache_read_tokens,
    j.j_cache_write AS jsonl_cache_write_tokens, o.o_cache_write AS otel_cache_write_tokens
FROM j
FULL OUTER JOIN o ON j.request_id = o.request_id
ORDER BY request_id
