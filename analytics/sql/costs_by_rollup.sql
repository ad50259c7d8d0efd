-- costs_by.sql from the hourly rollup (analytics/rollups.py), for every split but the session (the
-- rollup has none): an hour lies in one day, week and month of any zone whose offset is whole hours.
SELECT
    toUnixTimestamp(multiIf(
        {period:String} = 'day', toStartOfDay(ts, {tz:String}),
        {period:String} = 'week', toDateTime(toStartOfWeek(ts, 1, {tz:String}), {tz:String}),
        toDateTime(toStartOfMonth(ts, {tz:String}), {tz:String}))) AS bucket,
    multiIf({by:String} = 'model', model, {by:String} = 'project', project, {by:String} = 'repository', repository,
            {by:String} = 'user', user, '') AS key,
    sum(n) AS requests,
    sum(n - priced) AS unpriced_requests,
    sum(cost_usd) AS cost_usd,
    sum(input_tokens + output_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens) AS tokens
FROM rollup_hourly
WHERE hidden = 0 AND event = 'api_request' AND __FILTERS__
GROUP BY bucket, key
ORDER BY bucket, cost_usd DESC, key
