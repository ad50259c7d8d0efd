-- Hours a JSONL ingest run changes: those of its events and of the stored rows
-- they replace, widened by 6 seconds each way because a transcript request
-- and its OpenTelemetry twin match within 5 seconds (the twin's row in the
-- telemetry view takes the transcript's project, so its hour changes too);
-- and the hours of the stored tool results a staged reject / interrupt decision
-- names (rollup_errors keeps a result's decisions with it).
INSERT INTO rollup_touched
SELECT DISTINCT arrayJoin([toStartOfHour(ts - INTERVAL 6 SECOND), toStartOfHour(ts), toStartOfHour(ts + INTERVAL 6 SECOND)])
FROM
(
    SELECT ts FROM ingest_events
    UNION ALL
    SELECT ts FROM events WHERE event_id IN (SELECT event_id FROM ingest_events)
)
UNION DISTINCT
SELECT toStartOfHour(ts) FROM telemetry
WHERE event = 'tool_result' AND tool_use_id IN (
    SELECT tool_use_id FROM ingest_events
    WHERE event = 'tool_decision' AND decision IN ('reject', 'interrupt') AND tool_use_id != '')
