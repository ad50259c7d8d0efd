-- Empty the metrics import's scratch table (before and after each import).
TRUNCATE TABLE otel_metrics_import_stage
