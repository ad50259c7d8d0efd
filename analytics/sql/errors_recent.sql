-- The latest API errors and failed tool calls, newest first. Tool results the
-- user rejected are not errors and are left out, as in errors_tools.sql. Texts
-- are cut to 500 characters.
SELECT
    toUnixTimestamp64Milli(t.ts) AS ts_ms,
    toString(t.event) AS event,
    t.session_id AS session_id,
    toString(t.model) AS model,
    toString(t.tool) AS tool,
    t.status_code AS status_code,
    toString(t.error_type) AS error_type,
    substring(t.error_text, 1, 500) AS error_text
FROM telemetry AS t
WHERE (t.event = 'api_error'
       OR (t.event = 'tool_result' AND t.success = 0 AND t.error_type != 'user_rejected'
           AND (t.tool_use_id = '' OR t.tool_use_id NOT IN (
               SELECT tool_use_id FROM telemetry
               WHERE event = 'tool_decision' AND decision IN ('reject', 'interrupt') AND tool_use_id != ''
                   AND __FILTERS__))))
    AND __FILTERS__
ORDER BY t.ts DESC, t.event_id
LIMIT {limit:UInt32}
