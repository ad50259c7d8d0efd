-- One row per session: span, active time, requests, cost, tokens, tool calls,
-- errors, models and who / where. Active time is the sum of the gaps between
-- consecutive events that are at most `idle_ms` long. cost_usd sums priced
-- requests and is NULL when none is priced. primary_model is the model with
-- the most requests (ties: first by name): sumMap keeps one counter per model
-- instead of every request's model name, which is what bounds this query's
-- memory on big stores. With a model filter, sessions without a request of
-- those models are left out.
WITH
    arraySort(groupArray(toUnixTimestamp64Milli(ts))) AS stamps,
    sumMapIf(([toString(model)], [toUInt64(1)]), event = 'api_request' AND model != '') AS model_requests
SELECT
    session_id,
    min(ts) AS start,
    max(ts) AS end,
    dateDiff('millisecond', min(ts), max(ts)) / 1000 AS duration_s,
    arraySum(arrayFilter(g -> g <= {idle_ms:UInt64}, arrayDifference(stamps))) / 1000 AS active_s,
    count() AS events,
    countIf(event = 'user_prompt') AS prompts,
    countIf(event = 'api_request') AS requests,
    sumIf(cost_usd, event = 'api_request') AS cost_usd,
    countIf(event = 'api_request' AND t.cost_usd IS NULL) AS unpriced_requests,
    sumIf(input_tokens, event = 'api_request') AS input_tokens,
    sumIf(output_tokens, event = 'api_request') AS output_tokens,
    sumIf(cache_read_tokens, event = 'api_request') AS cache_read_tokens,
    sumIf(cache_write_5m_tokens + cache_write_1h_tokens, event = 'api_request') AS cache_write_tokens,
    sumIf(t.input_tokens + t.output_tokens + t.cache_read_tokens + t.cache_write_5m_tokens + t.cache_write_1h_tokens,
          event = 'api_request') AS total_tokens,
    countIf(event = 'tool_result') AS tool_calls,
    countIf(event = 'tool_result' AND success = 0) AS tool_errors,
    countIf(event = 'api_error') AS api_errors,
    model_requests.1 AS models,
    if(empty(models), '', models[indexOf(model_requests.2, arrayMax(model_requests.2))]) AS primary_model,
    argMinIf(project, ts, project != '') AS project,
    argMaxIf(toString(cc_version), ts, cc_version != '') AS cc_version,
    argMin(user, ts) AS user,
    toHour(min(ts), {tz:String}) AS start_hour,
    toString(toDate(min(ts), {tz:String})) AS start_day
FROM (SELECT * FROM telemetry WHERE session_id != '' AND __FILTERS__) AS t
GROUP BY session_id
HAVING empty({models:Array(String)}) OR countIf(event = 'api_request') > 0
ORDER BY start, session_id
