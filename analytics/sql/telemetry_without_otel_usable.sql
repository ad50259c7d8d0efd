-- Whether queries may read `telemetry_without_otel` for `telemetry`: the store
-- holds no OpenTelemetry event (the view of record's OpenTelemetry branch is
-- empty and matches nothing) and has the view (a store last written by an
-- older version, opened read-only, may not).
SELECT (SELECT count() FROM (SELECT 1 FROM otel_logs WHERE ServiceName = 'claude-code' LIMIT 1)) = 0
       AND (SELECT count() FROM system.tables
            WHERE database = currentDatabase() AND name = 'telemetry_without_otel') = 1
