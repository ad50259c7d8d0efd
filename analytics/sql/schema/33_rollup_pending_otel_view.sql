-- Notes the hours every insert into otel_logs touches (rollup_pending): one note per hour for
-- each block of the insert (a large insert is several blocks; a refresh reads the hours DISTINCT).
CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_pending_otel TO rollup_pending (hour DateTime('UTC'), noted DateTime64(3, 'UTC')) AS
SELECT DISTINCT arrayJoin([toStartOfHour(t - INTERVAL 6 SECOND), toStartOfHour(t + INTERVAL 6 SECOND)]) AS hour,
       now64(3, 'UTC') AS noted
FROM (SELECT toDateTime(Timestamp, 'UTC') AS t FROM otel_logs WHERE ServiceName = 'claude-code')
