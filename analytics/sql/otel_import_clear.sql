-- Empty the OTLP import stage (before and after a run).
TRUNCATE TABLE otel_import_stage
