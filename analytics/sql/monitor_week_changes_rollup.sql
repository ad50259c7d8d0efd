-- monitor_week_changes.sql from the hourly rollup (analytics/rollups.py); {split} is a local midnight.
SELECT
    if(ts >= {split:DateTime64(3, 'UTC')}, 'this', 'last') AS week,
    toString(model) AS model,
    sumIf(n, event = 'api_request') AS requests,
    sumIf(n, event = 'api_error') AS errors,
    if(sumIf(priced, event = 'api_request') = 0, NULL, sumIf(t.cost_usd, event = 'api_request')) AS cost_usd
FROM rollup_hourly AS t
WHERE hidden = 0 AND event IN ('api_request', 'api_error') AND __FILTERS__
GROUP BY week, model
ORDER BY week, model
