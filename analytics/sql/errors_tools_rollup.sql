-- errors_tools.sql from the hourly error detail (analytics/rollups.py). A
-- result is left out when one of its reject / interrupt decisions (`rejects`:
-- hour, source, project, repository, model, user) passes the filters, as the
-- raw query's decision subquery does; for a window of whole hours a decision
-- is inside it exactly when its hour is.
SELECT
    tool,
    sum(n) AS results,
    sumIf(n, failed = 1) AS errors,
    errors / results AS error_rate,
    argMaxIf(example, (last_ts, example), failed = 1) AS example
FROM rollup_errors
WHERE hidden = 0 AND event = 'tool_result'
    AND NOT arrayExists(r -> r.1 >= {start:DateTime64(3, 'UTC')} AND r.1 < {end:DateTime64(3, 'UTC')}
                             AND (empty({sources:Array(String)}) OR has({sources:Array(String)}, r.2))
                             AND (empty({projects:Array(String)}) OR has({projects:Array(String)}, r.3))
                             AND (empty({repositories:Array(String)}) OR has({repositories:Array(String)}, r.4))
                             AND (empty({models:Array(String)}) OR has({models:Array(String)}, r.5) OR r.5 = '')
                             AND (empty({users:Array(String)}) OR has({users:Array(String)}, r.6)),
                        rejects)
    AND __FILTERS__
GROUP BY tool
ORDER BY errors DESC, results DESC, tool
