-- Anything a user put into the store: an ingest or import run, a transcript
-- file read, a non-demo event, an OpenTelemetry row. Zero only for a store
-- that is empty or holds nothing but demo data.
SELECT
    (SELECT count() FROM ingest_runs WHERE kind != 'demo')
  + (SELECT count() FROM ingest_files)
  + (SELECT count() FROM events WHERE source != 'demo')
  + (SELECT count() FROM otel_logs) AS used
