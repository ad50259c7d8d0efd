-- One row per api_request: time (Unix milliseconds), who and what, cost and
-- tokens. Input of burn rates, usage blocks and the efficiency score.
SELECT
    toUnixTimestamp64Milli(ts) AS ts_ms,
    session_id,
    model,
    cost_usd,
    cost_source,
    input_tokens,
    output_tokens,
    cache_read_tokens,
    cache_write_5m_tokens,
    cache_write_1h_tokens,
    input_tokens + output_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens AS tokens
FROM telemetry
WHERE event = 'api_request' AND __FILTERS__
ORDER BY ts
