-- Empty the outcome scratch table of the JSONL ingest (before and after each run).
TRUNCATE TABLE ingest_outcome_blocks
