-- Per model: requests, errors, tokens by type, cost and latency.
-- cost_usd sums priced requests only and is NULL when none is priced;
-- latency percentiles are NULL when no request has a duration (JSONL rows).
-- api_error rows without a model (JSONL) form the row with model = ''.
SELECT
    toString(model) AS model,
    countIf(event = 'api_request') AS requests,
    countIf(event = 'api_error') AS errors,
    sumIf(input_tokens, event = 'api_request') AS input_tokens,
    sumIf(output_tokens, event = 'api_request') AS output_tokens,
    sumIf(cache_read_tokens, event = 'api_request') AS cache_read_tokens,
    sumIf(cache_write_5m_tokens, event = 'api_request') AS cache_write_5m_tokens,
    sumIf(cache_write_1h_tokens, event = 'api_request') AS cache_write_1h_tokens,
    sumIf(cost_usd, event = 'api_request') AS cost_usd,
    countIf(event = 'api_request' AND t.cost_usd IS NOT NULL) AS priced_requests,
    countIf(event = 'api_request' AND duration_ms IS NOT NULL) AS timed_requests,
    quantileExactIf(0.5)(duration_ms, event = 'api_request') AS p50_ms,
    quantileExactIf(0.95)(duration_ms, event = 'api_request') AS p95_ms,
    quantileExactIf(0.99)(duration_ms, event = 'api_request') AS p99_ms,
    quantileExactIf(0.5)(ttft_ms, event = 'api_request') AS ttft_p50_ms,
    uniqExactIf(session_id, event = 'api_request') AS sessions
FROM (SELECT * FROM telemetry WHERE event IN ('api_request', 'api_error') AND __FILTERS__) AS t
GROUP BY model
ORDER BY requests DESC, model
