-- Latency of API requests per model. Only rows with a duration count (JSONL
-- requests have none): n = rows with duration_ms, missing = rows without.
-- Percentiles are exact order statistics (quantileExact: the element at
-- position floor(level * n) of the sorted values, no interpolation).
SELECT
    model,
    count(duration_ms) AS n,
    countIf(duration_ms IS NULL) AS missing,
    quantileExact(0.5)(duration_ms) AS p50_ms,
    quantileExact(0.95)(duration_ms) AS p95_ms,
    quantileExact(0.99)(duration_ms) AS p99_ms,
    max(duration_ms) AS max_ms,
    countIf(duration_ms > {threshold_ms:Float64}) AS n_above
FROM telemetry
WHERE event = 'api_request' AND __FILTERS__
GROUP BY model
ORDER BY n DESC, model
