-- tools_usage.sql from the hourly tool totals (analytics/rollups.py): the same sums, the distinct
-- sessions of the groups' session sets, the exact order statistics over the same durations.
SELECT
    toString(tool) AS tool,
    sum(calls) AS calls,
    sum(succeeded) AS succeeded,
    sum(failed) AS failed,
    sum(rejected) AS rejected,
    uniqExactArray(sessions) AS sessions,
    sum(length(durations)) AS timed_calls,
    quantileExactArray(0.5)(durations) AS p50_ms,
    quantileExactArray(0.95)(durations) AS p95_ms,
    avgArray(durations) AS mean_ms
FROM rollup_tools
WHERE hidden = 0 AND __FILTERS__
GROUP BY tool
ORDER BY calls DESC, tool
