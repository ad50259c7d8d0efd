-- Column names of otel_logs in the current database (its DDL depends on the exporter release).
SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'otel_logs'
