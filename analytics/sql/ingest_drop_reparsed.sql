-- Forget the verdicts of the lines staged again (flattened) before parsing them again.
ALTER TABLE ingest_parsed DELETE WHERE (file_id, line_no) IN (SELECT file_id, line_no FROM ingest_stage)
