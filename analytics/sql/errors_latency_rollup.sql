-- errors_latency.sql from the hourly latency rollup (analytics/rollups.py): the same
-- exact order statistics over the same durations, read as one array per group.
SELECT
    model,
    toNullable(toHour(ts, {tz:String})) AS hour,
    isNotNull(hour) AS by_hour,
    sum(length(durations)) AS n,
    sum(missing) AS missing,
    quantilesExactArray(0.5, 0.95, 0.99)(durations) AS q,
    q[1] AS p50_ms,
    q[2] AS p95_ms,
    q[3] AS p99_ms,
    if(n > 0, maxArray(durations), NULL) AS max_ms,
    sum(arrayCount(d -> d > {threshold_ms:Float64}, durations)) AS n_above
FROM rollup_latency
WHERE hidden = 0 AND __FILTERS__
GROUP BY GROUPING SETS ((model), (hour))
HAVING by_hour = 0 OR n > 0
ORDER BY by_hour, hour, n DESC, model
