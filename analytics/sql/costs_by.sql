-- Cost totals per day, ISO week (Monday) or month of the reporting time zone,
-- optionally split by model, project, repository, user or session. {period} and {by} are
-- bound values chosen from allow-lists in costs.py, never identifiers.
SELECT
    toUnixTimestamp(multiIf(
        {period:String} = 'day', toStartOfDay(ts, {tz:String}),
        {period:String} = 'week', toDateTime(toStartOfWeek(ts, 1, {tz:String}), {tz:String}),
        toDateTime(toStartOfMonth(ts, {tz:String}), {tz:String}))) AS bucket,
    multiIf({by:String} = 'model', t.model, {by:String} = 'project', project, {by:String} = 'repository', repository,
            {by:String} = 'user', user, {by:String} = 'session', session_id, '') AS key,
    count() AS requests,
    countIf(t.cost_usd IS NULL) AS unpriced_requests,
    ifNull(sum(t.cost_usd), 0) AS cost_usd,
    sum(t.input_tokens + t.output_tokens + t.cache_read_tokens + t.cache_write_5m_tokens + t.cache_write_1h_tokens) AS tokens
FROM telemetry AS t
WHERE event = 'api_request' AND __FILTERS__
GROUP BY bucket, key
ORDER BY bucket, cost_usd DESC, key
