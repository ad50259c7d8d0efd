-- The outcomes of one session, newest first (what it produced, each
-- traceable: the tool call and the file, hash or URL). Active time is not a
-- thing produced: it is in the session's row of outcomes_by.sql, not here.
SELECT ts, source, outcome_source, kind, model, tool, tool_use_id, language, decision, value,
       lines_added, lines_removed, seconds, ref
FROM outcome_events
WHERE session_id = {session_id:String} AND kind NOT IN ('session', 'active_time')
ORDER BY ts DESC, kind
LIMIT 500
