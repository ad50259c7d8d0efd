-- What every analytics query reads: one row per event, whatever the source.
--
-- One request, one count (DESIGN.md rule 10): an API request both the
-- transcripts and OpenTelemetry recorded is one row, the OpenTelemetry one
-- (source 'otel'), which carries the reported cost, duration, time to first
-- token, attempt and user identity. What only the transcript knows comes from
-- the transcript's row: message id, project, repository, cwd, branch, subagent,
-- the response's text, the 5-minute / 1-hour split of cache writes (when the
-- totals agree), and its price and derived duration when OpenTelemetry has none.
-- They match on the request id; an OpenTelemetry request without one matches a
-- transcript request of the same session and model within 5 seconds (whole
-- seconds; otel_request_keys). The match is made here, at read time, so it
-- holds whichever source arrives first; a store without OpenTelemetry events
-- or without transcript requests skips it.
-- `source_events` keeps both rows of a pair, for comparing the sources.
CREATE OR REPLACE VIEW telemetry AS
SELECT ts, source, event, session_id, prompt_id, request_id, message_id, event_id, seq, project, repository,
       cwd, git_branch, user_id, user_email, org_id, terminal, cc_version, model, is_sidechain, agent_id,
       query_source, input_tokens, output_tokens, cache_read_tokens, cache_write_5m_tokens,
       cache_write_1h_tokens, cost_usd, cost_source, duration_ms, duration_source, ttft_ms, status_code, attempt,
       success, tool, tool_use_id, decision, decision_source, error_type, error_text, text, output_text, attrs,
       if(user_email != '', user_email, if(user_id != '', user_id, 'local')) AS user
FROM events
WHERE hidden = 0
  AND ((SELECT count() FROM (SELECT 1 FROM otel_logs WHERE ServiceName = 'claude-code' LIMIT 1)) = 0
       OR (SELECT count() FROM (SELECT 1 FROM events WHERE event = 'api_request' AND source = 'jsonl' LIMIT 1)) = 0
       OR NOT (source = 'jsonl' AND event = 'api_request'
               AND (request_id IN (SELECT match_key FROM otel_request_keys)
                    OR cc_request_time_key(session_id, model, toInt64(toUnixTimestamp(ts)))
                       IN (SELECT match_key FROM otel_request_keys))))
UNION ALL
SELECT o.ts, o.source, o.event, o.session_id, o.prompt_id, o.request_id,
       if(j.event_id != '', j.message_id, o.message_id),
       o.event_id, o.seq,
       if(j.event_id != '' AND j.project != '', j.project, o.project),
       if(j.event_id != '' AND j.project != '', j.repository, o.repository),
       if(j.event_id != '', j.cwd, o.cwd),
       if(j.event_id != '', j.git_branch, o.git_branch),
       o.user_id, o.user_email, o.org_id, o.terminal, o.cc_version, o.model,
       if(j.event_id != '', j.is_sidechain, o.is_sidechain),
       if(j.event_id != '', j.agent_id, o.agent_id),
       o.query_source, o.input_tokens, o.output_tokens, o.cache_read_tokens,
       if(j.event_id != '' AND j.cache_write_5m_tokens + j.cache_write_1h_tokens = o.cache_write_5m_tokens,
          j.cache_write_5m_tokens, o.cache_write_5m_tokens),
       if(j.event_id != '' AND j.cache_write_5m_tokens + j.cache_write_1h_tokens = o.cache_write_5m_tokens,
          j.cache_write_1h_tokens, o.cache_write_1h_tokens),
       if(j.event_id != '' AND o.cost_usd IS NULL, j.cost_usd, o.cost_usd),
       if(j.event_id != '' AND o.cost_usd IS NULL, j.cost_source, o.cost_source),
       if(j.event_id != '' AND o.duration_ms IS NULL, j.duration_ms, o.duration_ms),
       if(j.event_id != '' AND o.duration_ms IS NULL, j.duration_source, o.duration_source),
       o.ttft_ms, o.status_code, o.attempt, o.success, o.tool, o.tool_use_id, o.decision, o.decision_source,
       o.error_type, o.error_text,
       if(j.event_id != '' AND o.text = '', j.text, o.text),
       o.output_text, o.attrs,
       if(o.user_email != '', o.user_email, if(o.user_id != '', o.user_id, 'local'))
FROM otel_events AS o
LEFT ANY JOIN
(
    -- the transcript requests OpenTelemetry also recorded, under the key their OpenTelemetry row has
    SELECT arrayJoin(if(request_id IN (SELECT match_key FROM otel_request_keys), [request_id],
                        arrayMap(d -> cc_request_time_key(session_id, model, toInt64(toUnixTimestamp(ts)) + d),
                                 range(-5, 6)))) AS match_key,
           event_id, message_id, project, repository, cwd, git_branch, is_sidechain, agent_id,
           cache_write_5m_tokens, cache_write_1h_tokens, cost_usd, cost_source, duration_ms, duration_source, text
    FROM events
    WHERE (SELECT count() FROM (SELECT 1 FROM otel_logs WHERE ServiceName = 'claude-code' LIMIT 1)) > 0
      AND (SELECT count() FROM (SELECT 1 FROM events WHERE event = 'api_request' AND source = 'jsonl' LIMIT 1)) > 0
      AND hidden = 0 AND source = 'jsonl' AND event = 'api_request'
      AND (request_id IN (SELECT match_key FROM otel_request_keys)
           OR cc_request_time_key(session_id, model, toInt64(toUnixTimestamp(ts))) IN (SELECT match_key FROM otel_request_keys))
) AS j
ON j.match_key = if(o.event != 'api_request', '',
                    if(o.request_id != '', o.request_id,
                       cc_request_time_key(o.session_id, o.model, toInt64(toUnixTimestamp(o.ts)))))
