-- The OpenTelemetry log records as the collector's exporter wrote them, for export.
SELECT * FROM otel_logs ORDER BY Timestamp
