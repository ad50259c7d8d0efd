-- Hours an OpenTelemetry import changes: those of the staged records, widened
-- by 6 seconds each way (a request matches its transcript twin within 5).
INSERT INTO rollup_touched
SELECT DISTINCT arrayJoin([toStartOfHour(t - INTERVAL 6 SECOND), toStartOfHour(t), toStartOfHour(t + INTERVAL 6 SECOND)])
FROM (SELECT toDateTime(Timestamp, 'UTC') AS t FROM otel_import_stage)
