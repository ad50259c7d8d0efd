-- Recompute the touched hours of rollup_errors from the telemetry view,
-- appended hidden under generation {gen} (rollup_errors_swap shows them).
-- A tool result's `rejects` come from every reject / interrupt decision of its
-- tool_use_id, whatever their hour (rollup_touch_* touch the result's hour
-- when such a decision is written later).
INSERT INTO rollup_errors (ts, event, source, project, repository, model, user, attempt, error_class, status_code,
    session_id, tool, decision, decision_source, failed, rejects, n, first_ts, last_ts, example, gen, hidden)
WITH rejected AS
(
    SELECT tool_use_id, arraySort(groupUniqArray((toStartOfHour(ts), source, project, repository, model, user))) AS rejects
    FROM telemetry
    WHERE event = 'tool_decision' AND decision IN ('reject', 'interrupt') AND tool_use_id != ''
    GROUP BY tool_use_id
)
SELECT
    hour, event, source, project, repository, model, user, k_attempt, k_class, k_status, k_session, k_tool,
    k_decision, k_decision_source, k_failed, k_rejects,
    count(), min(ts), max(ts), argMax(k_example, (ts, k_example)),
    {gen:DateTime64(3, 'UTC')},
    1
FROM
(
    SELECT
        t.ts AS ts,
        toStartOfHour(t.ts) AS hour,
        t.event AS event, t.source AS source, t.project AS project, t.repository AS repository, t.model AS model,
        t.user AS user,
        if(t.event IN ('api_request', 'api_error'), t.attempt, 0) AS k_attempt,
        if(t.event = 'api_error',
           if(t.error_type IN ('rate_limit', 'overloaded', 'auth', 'server', 'timeout', 'client', 'other'),
              toString(t.error_type), cc_error_type(t.status_code, t.error_text)), '') AS k_class,
        if(t.event = 'api_error', t.status_code, 0) AS k_status,
        if(t.event = 'api_error', t.session_id, '') AS k_session,
        if(t.event IN ('tool_decision', 'tool_result'), toString(t.tool), '') AS k_tool,
        if(t.event = 'tool_decision', toString(t.decision), '') AS k_decision,
        if(t.event = 'tool_decision', toString(t.decision_source), '') AS k_decision_source,
        toUInt8(t.event = 'tool_result' AND ifNull(t.success = 0, 0)) AS k_failed,
        r.rejects AS k_rejects,
        if(t.event = 'api_error' OR k_failed = 1, substring(t.error_text, 1, 300), '') AS k_example
    FROM telemetry AS t
    LEFT JOIN rejected AS r ON r.tool_use_id = if(t.event = 'tool_result', t.tool_use_id, '')
    WHERE t.event IN ('api_request', 'api_error', 'tool_decision', 'tool_result')
      AND NOT (t.event = 'tool_result' AND t.error_type = 'user_rejected')
      AND t.ts >= (SELECT min(hour) FROM rollup_touched)
      AND t.ts < (SELECT max(hour) FROM rollup_touched) + INTERVAL 1 HOUR
      AND toStartOfHour(t.ts) IN (SELECT hour FROM rollup_touched)
)
GROUP BY hour, event, source, project, repository, model, user, k_attempt, k_class, k_status, k_session, k_tool,
    k_decision, k_decision_source, k_failed, k_rejects
