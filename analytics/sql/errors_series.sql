-- API requests and errors per hour or day of the reporting time zone (the
-- rate is errors.error_rate of the two). `bucket` is the bucket start as Unix
-- seconds. Buckets without any API call are absent.
SELECT
    toUnixTimestamp(if({freq:String} = 'hour', toStartOfHour(ts, {tz:String}), toStartOfDay(ts, {tz:String}))) AS bucket,
    countIf(event = 'api_request') AS requests,
    countIf(event = 'api_error') AS errors
FROM telemetry
WHERE event IN ('api_request', 'api_error') AND __FILTERS__
GROUP BY bucket
ORDER BY bucket
