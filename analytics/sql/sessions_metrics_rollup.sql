-- sessions_metrics.sql from rollup_session_metrics (analytics/rollups.py), for
-- a window where each session has at most one row per hour under the filters
-- (sessions_split_hours.sql is 0) and no model filter: a session's rows are
-- summed, and its active time adds, to each row's own, the gaps of at most
-- {idle_ms} between one row's last event and the next row's first. The rows
-- have no model (a model filter reads the raw events): `model` is '' here.
WITH
    arraySort(groupArray((r_first, r_last))) AS spans,
    sumMap(r_models) AS model_requests
SELECT
    session_id,
    min(r_first) AS start,
    max(r_last) AS end,
    dateDiff('millisecond', min(r_first), max(r_last)) / 1000 AS duration_s,
    (sum(r_active) + arraySum(arrayFilter(g -> g <= {idle_ms:UInt64},
        arrayMap((a, b) -> toUnixTimestamp64Milli(b.1) - toUnixTimestamp64Milli(a.2),
                 arrayPopBack(spans), arrayPopFront(spans))))) / 1000 AS active_s,
    sum(r_events) AS events,
    sum(r_prompts) AS prompts,
    sum(r_requests) AS requests,
    if(sum(r_priced) > 0, sum(r_cost), NULL) AS cost_usd,
    toUInt64(sum(r_requests) - sum(r_priced)) AS unpriced_requests,
    sum(r_input) AS input_tokens,
    sum(r_output) AS output_tokens,
    sum(r_cache_read) AS cache_read_tokens,
    sum(r_cache_write) AS cache_write_tokens,
    sum(r_input + r_output + r_cache_read + r_cache_write) AS total_tokens,
    sum(r_tool_calls) AS tool_calls,
    sum(r_tool_errors) AS tool_errors,
    sum(r_api_errors) AS api_errors,
    model_requests.1 AS models,
    if(empty(models), '', models[indexOf(model_requests.2, arrayMax(model_requests.2))]) AS primary_model,
    argMinIf(r_project, r_first, r_project != '') AS project,
    argMaxIf(r_version, r_version_ts, r_version != '') AS cc_version,
    argMin(r_user, r_first) AS user,
    toHour(min(r_first), {tz:String}) AS start_hour,
    toString(toDate(min(r_first), {tz:String})) AS start_day
FROM
(
    SELECT session_id, project AS r_project, user AS r_user,
           first_ts AS r_first, last_ts AS r_last, active_ms AS r_active, events AS r_events, prompts AS r_prompts,
           requests AS r_requests, priced AS r_priced, cost_usd AS r_cost, input_tokens AS r_input,
           output_tokens AS r_output, cache_read_tokens AS r_cache_read, cache_write_tokens AS r_cache_write,
           tool_calls AS r_tool_calls, tool_errors AS r_tool_errors, api_errors AS r_api_errors,
           model_requests AS r_models, version AS r_version, version_ts AS r_version_ts
    FROM (SELECT *, '' AS model FROM rollup_session_metrics WHERE hidden = 0)
    WHERE __FILTERS__
)
GROUP BY session_id
ORDER BY start, session_id
