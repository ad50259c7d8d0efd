-- Every outcome once, whichever source reported it (docs/OUTCOMES.md): the
-- transcripts' derived rows (outcomes, latest version of each) and
-- OpenTelemetry's reported ones (otel_outcomes). One outcome, one count: when
-- a session has OpenTelemetry metrics of a kind (lines, commit, pull_request,
-- edit_decision, active_time), its derived rows of that kind are left out, since
-- both describe the same work and the reported counts are Claude Code's own.
-- `value` is the count of the row (1 for a derived outcome, the increase of a
-- reported point); `lines_added`, `lines_removed` and `seconds` are the
-- amounts of lines and active time.
CREATE OR REPLACE VIEW outcome_events AS
SELECT ts, source, outcome_source, kind, session_id, project, repository, user, model, cc_version, tool,
       tool_use_id, language, decision, toFloat64(count) AS value, toFloat64(lines_added) AS lines_added,
       toFloat64(lines_removed) AS lines_removed, seconds, ref, event_id
FROM outcomes FINAL
WHERE (session_id, kind) NOT IN (
    SELECT DISTINCT session_id, kind FROM otel_outcomes
    WHERE kind IN ('lines', 'commit', 'pull_request', 'edit_decision', 'active_time')
)
UNION ALL
SELECT ts, source, outcome_source, kind, session_id, project, repository, user, model, cc_version, tool,
       tool_use_id, language, decision,
       if(kind = 'lines', 0, increase) AS value,
       if(kind = 'lines' AND type = 'added', increase, 0) AS lines_added,
       if(kind = 'lines' AND type = 'removed', increase, 0) AS lines_removed,
       if(kind = 'active_time', increase, 0) AS seconds,
       ref, event_id
FROM otel_outcomes
WHERE kind NOT IN ('cost', 'tokens')
