-- Tool calls and failed calls per (session, tool); with `only`, of `sessions` alone.
SELECT
    session_id,
    toString(tool) AS tool,
    count() AS calls,
    countIf(success = 0) AS errors
FROM telemetry
WHERE event = 'tool_result' AND session_id != '' AND __FILTERS__
    AND (NOT {only:Bool} OR session_id IN {sessions:Array(String)})
GROUP BY session_id, tool
ORDER BY session_id, calls DESC, tool
