-- errors_duration_histogram.sql from rollup_latency (analytics/rollups.py): every known duration of
-- each hour's requests per group, binned the same way.
SELECT
    toString(model) AS model,
    toInt32(floor(log10(greatest(duration_ms, 1)) * {per_decade:UInt8})) AS bin,
    count() AS n
FROM rollup_latency
ARRAY JOIN durations AS duration_ms
WHERE hidden = 0 AND __FILTERS__
GROUP BY model, bin
ORDER BY model, bin
