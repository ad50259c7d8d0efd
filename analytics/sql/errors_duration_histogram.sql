-- Distribution of api_request durations per model on a log scale: bin k holds
-- durations in [10^(k/{per_decade}), 10^((k+1)/{per_decade})) milliseconds
-- (durations below 1 ms fall in bin 0). Rows without a duration are left out.
SELECT
    toString(model) AS model,
    toInt32(floor(log10(greatest(duration_ms, 1)) * {per_decade:UInt8})) AS bin,
    count() AS n
FROM telemetry
WHERE event = 'api_request' AND duration_ms IS NOT NULL AND __FILTERS__
GROUP BY model, bin
ORDER BY model, bin
