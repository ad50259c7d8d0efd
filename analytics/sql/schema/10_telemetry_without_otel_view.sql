-- What `telemetry` holds when the store has no OpenTelemetry event: every
-- visible row of `events`, with the same columns. The Store reads this view
-- instead of `telemetry` while no OpenTelemetry event is stored (most
-- embedded stores; Store._planned): the rows are the same, but
-- `telemetry`'s OpenTelemetry branch and its join cost 35-110 ms of planning in
-- every query that reads it, even when they find nothing. The same column
-- list is in `telemetry` and `source_events` rather than read through this
-- view: a view over a view costs 3-10 ms more planning in each query.
CREATE OR REPLACE VIEW telemetry_without_otel AS
SELECT ts, source, event, session_id, prompt_id, request_id, message_id, event_id, seq, project, repository,
       cwd, git_branch, user_id, user_email, org_id, terminal, cc_version, model, is_sidechain, agent_id,
       query_source, input_tokens, output_tokens, cache_read_tokens, cache_write_5m_tokens,
       cache_write_1h_tokens, cost_usd, cost_source, duration_ms, duration_source, ttft_ms, status_code, attempt,
       success, tool, tool_use_id, decision, decision_source, error_type, error_text, text, output_text, attrs,
       if(user_email != '', user_email, if(user_id != '', user_id, 'local')) AS user
FROM events
WHERE hidden = 0
