-- Hours an OpenTelemetry import changes: those of the staged records, widened
-- by 6 seconds each way (a request matches its transcript twin within 5), and
-- those of the stored tool results a staged record names (a reject or
-- interrupt decision among them changes its result's row in rollup_errors).
INSERT INTO rollup_touched
SELECT DISTINCT arrayJoin([toStartOfHour(t - INTERVAL 6 SECOND), toStartOfHour(t), toStartOfHour(t + INTERVAL 6 SECOND)])
FROM (SELECT toDateTime(Timestamp, 'UTC') AS t FROM otel_import_stage)
UNION DISTINCT
SELECT toStartOfHour(ts) FROM telemetry
WHERE event = 'tool_result' AND tool_use_id IN (
    SELECT LogAttributes['tool_use_id'] FROM otel_import_stage WHERE LogAttributes['tool_use_id'] != '')
