-- models_usage.sql from the rollups (analytics/rollups.py): the same columns and
-- the same answer. Counts, tokens and cost from rollup_hourly; the exact
-- percentiles of the durations and the median time to first token from every
-- value of rollup_latency; the distinct sessions with a request of the model
-- from rollup_sessions (a row's requests all have its model).
SELECT
    h.model AS model,
    h.requests AS requests,
    h.errors AS errors,
    h.input_tokens AS input_tokens,
    h.output_tokens AS output_tokens,
    h.cache_read_tokens AS cache_read_tokens,
    h.cache_write_5m_tokens AS cache_write_5m_tokens,
    h.cache_write_1h_tokens AS cache_write_1h_tokens,
    h.cost_usd AS cost_usd,
    h.priced_requests AS priced_requests,
    l.timed_requests AS timed_requests,
    l.p50_ms AS p50_ms,
    l.p95_ms AS p95_ms,
    l.p99_ms AS p99_ms,
    l.ttft_p50_ms AS ttft_p50_ms,
    s.sessions AS sessions
FROM
(
    SELECT
        toString(model) AS model,
        sumIf(n, event = 'api_request') AS requests,
        sumIf(n, event = 'api_error') AS errors,
        sumIf(t.input_tokens, event = 'api_request') AS input_tokens,
        sumIf(t.output_tokens, event = 'api_request') AS output_tokens,
        sumIf(t.cache_read_tokens, event = 'api_request') AS cache_read_tokens,
        sumIf(t.cache_write_5m_tokens, event = 'api_request') AS cache_write_5m_tokens,
        sumIf(t.cache_write_1h_tokens, event = 'api_request') AS cache_write_1h_tokens,
        sumIf(priced, event = 'api_request') AS priced_requests,
        if(priced_requests > 0, sumIf(t.cost_usd, event = 'api_request'), NULL) AS cost_usd
    FROM rollup_hourly AS t
    WHERE hidden = 0 AND event IN ('api_request', 'api_error') AND __FILTERS__
    GROUP BY model
) AS h
LEFT JOIN
(
    SELECT
        toString(model) AS model,
        sum(length(durations)) AS timed_requests,
        quantilesExactArray(0.5, 0.95, 0.99)(durations) AS q,
        if(timed_requests > 0, q[1], NULL) AS p50_ms,
        if(timed_requests > 0, q[2], NULL) AS p95_ms,
        if(timed_requests > 0, q[3], NULL) AS p99_ms,
        if(sum(length(ttfts)) > 0, quantileExactArray(0.5)(ttfts), NULL) AS ttft_p50_ms
    FROM rollup_latency
    WHERE hidden = 0 AND __FILTERS__
    GROUP BY model
) AS l ON l.model = h.model
LEFT JOIN
(
    SELECT toString(model) AS model, uniqExactIf(session_id, requests > 0) AS sessions
    FROM rollup_sessions
    WHERE hidden = 0 AND __FILTERS__
    GROUP BY model
) AS s ON s.model = h.model
ORDER BY requests DESC, model
