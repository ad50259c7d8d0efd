-- Claude Code events in otel_logs, mapped to the canonical columns. Reads only
-- Timestamp (TimestampTime is gone in exporter v0.151+). Every attribute is a
-- string; numbers are parsed with *OrNull / *OrZero so one bad value never
-- fails a query. `project` is the resource attribute `project` (set with
-- OTEL_RESOURCE_ATTRIBUTES) shown as a label, its repository by the worktree
-- layout rule; a request the transcripts also hold gets both from its
-- transcript row in the telemetry view.
CREATE OR REPLACE VIEW otel_events AS
SELECT
    toDateTime64(Timestamp, 3, 'UTC') AS ts,
    'otel' AS source,
    cc_otel_event(Body, LogAttributes['event.name']) AS event,
    LogAttributes['session.id'] AS session_id,
    LogAttributes['prompt.id'] AS prompt_id,
    LogAttributes['request_id'] AS request_id,
    '' AS message_id,
    concat('otel:', toString(cityHash64(Timestamp, LogAttributes['session.id'], LogAttributes['event.sequence'], Body, LogAttributes['request_id'], LogAttributes['tool_use_id']))) AS event_id,
    toUInt64OrZero(LogAttributes['event.sequence']) AS seq,
    cc_home_label(ResourceAttributes['project']) AS project,
    cc_repository_label(ResourceAttributes['project'], '') AS repository,
    '' AS cwd,
    '' AS git_branch,
    LogAttributes['user.account_uuid'] AS user_id,
    LogAttributes['user.email'] AS user_email,
    LogAttributes['organization.id'] AS org_id,
    LogAttributes['terminal.type'] AS terminal,
    if(LogAttributes['app.version'] != '', LogAttributes['app.version'], ResourceAttributes['service.version']) AS cc_version,
    LogAttributes['model'] AS model,
    toUInt8(0) AS is_sidechain,
    '' AS agent_id,
    LogAttributes['query_source'] AS query_source,
    toUInt64OrZero(LogAttributes['input_tokens']) AS input_tokens,
    toUInt64OrZero(LogAttributes['output_tokens']) AS output_tokens,
    toUInt64OrZero(LogAttributes['cache_read_tokens']) AS cache_read_tokens,
    toUInt64OrZero(LogAttributes['cache_creation_tokens']) AS cache_write_5m_tokens,
    toUInt64(0) AS cache_write_1h_tokens,
    toFloat64OrNull(LogAttributes['cost_usd']) AS cost_usd,
    if(event = 'api_request', if(isNull(toFloat64OrNull(LogAttributes['cost_usd'])), 'unpriced', 'reported'), '') AS cost_source,
    toFloat64OrNull(LogAttributes['duration_ms']) AS duration_ms,
    if(isNull(toFloat64OrNull(LogAttributes['duration_ms'])), '', 'reported') AS duration_source,
    toFloat64OrNull(LogAttributes['ttft_ms']) AS ttft_ms,
    toUInt16OrZero(LogAttributes['status_code']) AS status_code,
    toUInt16OrZero(LogAttributes['attempt']) AS attempt,
    multiIf(LogAttributes['success'] = 'true', toNullable(toUInt8(1)), LogAttributes['success'] = 'false', toNullable(toUInt8(0)), NULL) AS success,
    if(LogAttributes['tool_name'] != '', LogAttributes['tool_name'], LogAttributes['name']) AS tool,
    LogAttributes['tool_use_id'] AS tool_use_id,
    if(LogAttributes['decision'] != '', LogAttributes['decision'], LogAttributes['decision_type']) AS decision,
    if(LogAttributes['source'] != '', LogAttributes['source'], LogAttributes['decision_source']) AS decision_source,
    if(event = 'api_error', cc_error_type(toUInt16OrZero(LogAttributes['status_code']), LogAttributes['error']), '') AS error_type,
    LogAttributes['error'] AS error_text,
    LogAttributes['prompt'] AS text,
    '' AS output_text,
    CAST(LogAttributes, 'Map(String, String)') AS attrs
FROM otel_logs
WHERE ServiceName = 'claude-code'
