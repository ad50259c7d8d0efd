-- Latency of API requests with a duration by hour of day (0-23) in the
-- reporting time zone.
SELECT
    toHour(ts, {tz:String}) AS hour,
    count() AS n,
    quantileExact(0.5)(duration_ms) AS p50_ms,
    quantileExact(0.95)(duration_ms) AS p95_ms,
    countIf(duration_ms > {threshold_ms:Float64}) AS n_above
FROM telemetry
WHERE event = 'api_request' AND duration_ms IS NOT NULL AND __FILTERS__
GROUP BY hour
ORDER BY hour
