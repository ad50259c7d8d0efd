-- costs_report.sql from the hourly rollup (analytics/rollups.py), for every key
-- but the session (the rollup has none): an hour lies in one day, week and
-- month of any zone whose offset is whole hours.
SELECT
    multiIf(
        {by:String} = 'day', formatDateTime(toDate(ts, {tz:String}), '%Y-%m-%d'),
        {by:String} = 'week', formatDateTime(toMonday(ts, {tz:String}), '%Y-%m-%d'),
        {by:String} = 'month', formatDateTime(toStartOfMonth(ts, {tz:String}), '%Y-%m'),
        {by:String} = 'model', model,
        {by:String} = 'project', project,
        {by:String} = 'repository', repository,
        '') AS key,
    sum(input_tokens) AS sum_input,
    sum(output_tokens) AS sum_output,
    sum(cache_read_tokens) AS sum_cache_read,
    sum(cache_write_5m_tokens) AS sum_cache_write_5m,
    sum(cache_write_1h_tokens) AS sum_cache_write_1h,
    sum(input_tokens + output_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens) AS sum_total,
    if(sum(priced) = 0, NULL, sum(cost_usd)) AS sum_cost,
    sum(n) AS n_requests,
    sum(n - priced) AS n_unpriced
FROM rollup_hourly
WHERE hidden = 0 AND event = 'api_request' AND __FILTERS__
GROUP BY key
ORDER BY key
