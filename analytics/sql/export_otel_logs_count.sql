-- Rows of export_otel_logs.sql.
SELECT count() FROM otel_logs
