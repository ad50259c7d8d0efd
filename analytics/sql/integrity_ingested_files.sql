-- The transcript files earlier runs read, for a rebuild that re-reads them all.
SELECT DISTINCT path FROM ingest_files FINAL WHERE kind = 'jsonl' ORDER BY path
