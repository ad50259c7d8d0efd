-- Token and cost totals of api_request events per report key (ccusage-style reports): the day,
-- ISO week (its Monday) or month of the reporting time zone, the model, the project, the repository or
-- the session.
-- {by} is a bound value chosen from an allow-list in costs.py, never an identifier.
SELECT
    multiIf(
        {by:String} = 'day', formatDateTime(toDate(ts, {tz:String}), '%Y-%m-%d'),
        {by:String} = 'week', formatDateTime(toMonday(ts, {tz:String}), '%Y-%m-%d'),
        {by:String} = 'month', formatDateTime(toStartOfMonth(ts, {tz:String}), '%Y-%m'),
        {by:String} = 'model', model,
        {by:String} = 'project', project,
        {by:String} = 'repository', repository,
        {by:String} = 'session', session_id,
        '') AS key,
    sum(input_tokens) AS sum_input,
    sum(output_tokens) AS sum_output,
    sum(cache_read_tokens) AS sum_cache_read,
    sum(cache_write_5m_tokens) AS sum_cache_write_5m,
    sum(cache_write_1h_tokens) AS sum_cache_write_1h,
    sum(input_tokens + output_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens) AS sum_total,
    sumIf(cost_usd, cost_usd IS NOT NULL) AS sum_cost,
    count() AS n_requests,
    countIf(cost_usd IS NULL) AS n_unpriced
FROM telemetry
WHERE event = 'api_request' AND __FILTERS__
GROUP BY key
ORDER BY key
