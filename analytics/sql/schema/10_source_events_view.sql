-- Every event as each source recorded it: a request both sources hold is here
-- twice (once per source). For comparing the sources (the Costs page's
-- reconciliation, `status`); totals read `telemetry`, which counts it once.
-- Without transcript API requests no request is twice, and these are exactly
-- `telemetry`'s rows: the Store then reads this view for it (Store._planned).
CREATE OR REPLACE VIEW source_events AS
SELECT ts, source, event, session_id, prompt_id, request_id, message_id, event_id, seq, project, repository,
       cwd, git_branch, user_id, user_email, org_id, terminal, cc_version, model, is_sidechain, agent_id,
       query_source, input_tokens, output_tokens, cache_read_tokens, cache_write_5m_tokens,
       cache_write_1h_tokens, cost_usd, cost_source, duration_ms, duration_source, ttft_ms, status_code, attempt,
       success, tool, tool_use_id, decision, decision_source, error_type, error_text, text, output_text, attrs,
       if(user_email != '', user_email, if(user_id != '', user_id, 'local')) AS user
FROM events
WHERE hidden = 0
UNION ALL
SELECT ts, source, event, session_id, prompt_id, request_id, message_id, event_id, seq, project, repository,
       cwd, git_branch, user_id, user_email, org_id, terminal, cc_version, model, is_sidechain, agent_id,
       query_source, input_tokens, output_tokens, cache_read_tokens, cache_write_5m_tokens,
       cache_write_1h_tokens, cost_usd, cost_source, duration_ms, duration_source, ttft_ms, status_code, attempt,
       success, tool, tool_use_id, decision, decision_source, error_type, error_text, text, output_text, attrs,
       if(user_email != '', user_email, if(user_id != '', user_id, 'local')) AS user
FROM otel_events
