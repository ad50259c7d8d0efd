-- Recompute the touched hours of rollup_session_metrics from the telemetry
-- view, appended hidden under generation {gen} (rollup_swap shows them).
-- Active time with gaps of at most {idle_ms} milliseconds.
INSERT INTO rollup_session_metrics (ts, session_id, source, project, repository, user, first_ts, last_ts,
    active_ms, events, prompts, requests, priced, cost_usd, input_tokens, output_tokens, cache_read_tokens,
    cache_write_tokens, tool_calls, tool_errors, api_errors, model_requests, version, version_ts, gen, hidden)
SELECT
    toStartOfHour(ts) AS hour,
    session_id, source, project, repository, user,
    min(ts),
    max(ts),
    arraySum(arrayFilter(g -> g <= {idle_ms:UInt64}, arrayDifference(arraySort(groupArray(toUnixTimestamp64Milli(ts)))))),
    count(),
    countIf(event = 'user_prompt'),
    countIf(event = 'api_request'),
    countIf(event = 'api_request' AND t.cost_usd IS NOT NULL),
    ifNull(sumIf(cost_usd, event = 'api_request'), 0),
    sumIf(input_tokens, event = 'api_request'),
    sumIf(output_tokens, event = 'api_request'),
    sumIf(cache_read_tokens, event = 'api_request'),
    sumIf(cache_write_5m_tokens + cache_write_1h_tokens, event = 'api_request'),
    countIf(event = 'tool_result'),
    countIf(event = 'tool_result' AND success = 0),
    countIf(event = 'api_error'),
    sumMapIf(([toString(model)], [toUInt64(1)]), event = 'api_request' AND model != ''),
    argMaxIf(toString(cc_version), ts, cc_version != ''),
    maxIf(ts, cc_version != ''),
    {gen:DateTime64(3, 'UTC')},
    1
FROM telemetry AS t
WHERE session_id != ''
  AND ts >= (SELECT min(hour) FROM rollup_touched)
  AND ts < (SELECT max(hour) FROM rollup_touched) + INTERVAL 1 HOUR
  AND toStartOfHour(ts) IN (SELECT hour FROM rollup_touched)
GROUP BY hour, session_id, source, project, repository, user
