-- One row per session with tool calls: its tool_result events in order
-- (ts, seq, event_id), whether each failed (success = 0; an unknown outcome
-- is not a failure), and the session's api_request cost for attribution.
WITH arraySort(groupArrayIf((ts, seq, event_id, toString(tool), toUInt8(coalesce(success, 1) = 0)),
                            event = 'tool_result')) AS calls
SELECT
    session_id,
    arrayMap(c -> c.4, calls) AS tools,
    arrayMap(c -> c.5, calls) AS failed,
    countIf(event = 'api_request') AS requests,
    countIf(event = 'api_request' AND t.cost_usd IS NULL) AS unpriced_requests,
    sumIf(cost_usd, event = 'api_request') AS cost_usd
FROM (SELECT * FROM telemetry WHERE event IN ('tool_result', 'api_request') AND session_id != '' AND __FILTERS__) AS t
GROUP BY session_id
HAVING countIf(event = 'tool_result') > 0
ORDER BY session_id
