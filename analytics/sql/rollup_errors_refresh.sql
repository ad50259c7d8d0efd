-- Recompute the touched hours of rollup_errors from the telemetry view,
-- appended hidden under generation {gen} (rollup_swap shows them), one
-- branch per event so each groups by its own detail only. A tool result's
-- `rejects` come from every reject / interrupt decision of its tool_use_id,
-- whatever their hour (rollup_touch_* touch the result's hour when such a
-- decision is written later); only the touched results' decisions are
-- grouped, so a small ingest into a large store reads few of them.
INSERT INTO rollup_errors (ts, event, source, project, repository, model, user, attempt, error_class, status_code,
    session_id, tool, decision, decision_source, failed, rejects, n, first_ts, last_ts, example, gen, hidden)
WITH
    touched AS
    (
        SELECT ts, event, source, project, repository, model, user, session_id, attempt, status_code, error_type,
               error_text, tool, tool_use_id, decision, decision_source, success
        FROM telemetry
        WHERE event IN ('api_request', 'api_error', 'tool_decision', 'tool_result')
          AND ts >= (SELECT min(hour) FROM rollup_touched)
          AND ts < (SELECT max(hour) FROM rollup_touched) + INTERVAL 1 HOUR
          AND toStartOfHour(ts) IN (SELECT hour FROM rollup_touched)
    ),
    rejected AS
    (
        SELECT tool_use_id, arraySort(groupUniqArray((toStartOfHour(ts), source, project, repository, model, user))) AS rejects
        FROM telemetry
        WHERE event = 'tool_decision' AND decision IN ('reject', 'interrupt') AND tool_use_id != ''
          AND tool_use_id IN (SELECT tool_use_id FROM touched WHERE event = 'tool_result')
        GROUP BY tool_use_id
    )
SELECT toStartOfHour(ts) AS hour, 'api_request' AS k_event, source, project, repository, model, user, attempt AS k_attempt,
       '' AS k_class, toUInt16(0) AS k_status, '' AS k_session, '' AS k_tool, '' AS k_decision, '' AS k_decision_source,
       toUInt8(0) AS k_failed, [] AS k_rejects, count() AS n, min(ts) AS first, max(ts) AS last, '' AS example,
       {gen:DateTime64(3, 'UTC')} AS gen, toUInt8(1) AS hidden
FROM touched
WHERE event = 'api_request'
GROUP BY hour, source, project, repository, model, user, attempt
UNION ALL
SELECT hour, 'api_error', source, project, repository, model, user, attempt, k_class, status_code, session_id, '', '', '',
       toUInt8(0), [], count(), min(ts), max(ts), argMax(k_example, (ts, k_example)), {gen:DateTime64(3, 'UTC')}, toUInt8(1)
FROM
(
    SELECT toStartOfHour(ts) AS hour, ts, source, project, repository, model, user, attempt, status_code, session_id,
           if(error_type IN ('rate_limit', 'overloaded', 'auth', 'server', 'timeout', 'client', 'other'),
              toString(error_type), cc_error_type(status_code, error_text)) AS k_class,
           substring(error_text, 1, 300) AS k_example
    FROM touched
    WHERE event = 'api_error'
)
GROUP BY hour, source, project, repository, model, user, attempt, k_class, status_code, session_id
UNION ALL
SELECT toStartOfHour(ts) AS hour, 'tool_decision', source, project, repository, model, user, toUInt16(0), '', toUInt16(0), '',
       tool, decision, decision_source, toUInt8(0), [], count(), min(ts), max(ts), '', {gen:DateTime64(3, 'UTC')}, toUInt8(1)
FROM touched
WHERE event = 'tool_decision'
GROUP BY hour, source, project, repository, model, user, tool, decision, decision_source
UNION ALL
SELECT hour, 'tool_result', source, project, repository, model, user, toUInt16(0), '', toUInt16(0), '', tool, '', '',
       k_failed, k_rejects, count(), min(ts), max(ts), argMax(k_example, (ts, k_example)), {gen:DateTime64(3, 'UTC')},
       toUInt8(1)
FROM
(
    SELECT toStartOfHour(t.ts) AS hour, t.ts AS ts, t.source AS source, t.project AS project, t.repository AS repository,
           t.model AS model, t.user AS user, t.tool AS tool, toUInt8(ifNull(t.success = 0, 0)) AS k_failed,
           r.rejects AS k_rejects, if(k_failed = 1, substring(t.error_text, 1, 300), '') AS k_example
    FROM touched AS t
    LEFT JOIN rejected AS r ON r.tool_use_id = t.tool_use_id
    WHERE t.event = 'tool_result' AND t.error_type != 'user_rejected'
)
GROUP BY hour, source, project, repository, model, user, tool, k_failed, k_rejects
