-- Rows of otel_metrics_sum (before and after an import: the difference is what it added).
SELECT count() FROM otel_metrics_sum
