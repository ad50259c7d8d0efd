-- models_totals.sql from the hourly rollup (analytics/rollups.py): the same sums.
SELECT
    sumIf(n, event = 'api_request') AS requests,
    sumIf(n, event = 'api_error') AS errors,
    if(sumIf(priced, event = 'api_request') > 0, sumIf(cost_usd, event = 'api_request'), nan) AS cost_usd
FROM rollup_hourly
WHERE hidden = 0 AND event IN ('api_request', 'api_error') AND __FILTERS__
