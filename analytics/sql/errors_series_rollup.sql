-- errors_series.sql from the hourly rollup (analytics/rollups.py).
SELECT
    toUnixTimestamp(if({freq:String} = 'hour', toStartOfHour(ts, {tz:String}), toStartOfDay(ts, {tz:String}))) AS bucket,
    sumIf(n, event = 'api_request') AS requests,
    sumIf(n, event = 'api_error') AS errors
FROM rollup_hourly
WHERE hidden = 0 AND event IN ('api_request', 'api_error') AND __FILTERS__
GROUP BY bucket
ORDER BY bucket
