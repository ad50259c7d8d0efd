-- Whether the store holds any Claude Code OpenTelemetry event (1) or none (0).
SELECT count() FROM (SELECT 1 FROM otel_logs WHERE ServiceName = 'claude-code' LIMIT 1)
