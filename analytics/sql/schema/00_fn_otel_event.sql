-- The event type of a Claude Code log record in otel_logs: the Body
-- ("claude_code.api_request"), else the `event.name` attribute, without the
-- "claude_code." prefix.
CREATE OR REPLACE FUNCTION cc_otel_event AS (body, event_name) ->
    replaceRegexpOne(if(body LIKE 'claude_code.%', body, event_name), '^claude_code\\.', '')
