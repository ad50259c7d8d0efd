-- Scratch table of the JSONL ingest: the tool_result blocks of one run that
-- may carry an outcome, read from the raw lines right after the
-- parse (sql/ingest_outcome_blocks.sql), turned into outcomes at the end of
-- the run (sql/ingest_outcomes.sql) and emptied.
CREATE TABLE IF NOT EXISTS ingest_outcome_blocks
(
    file_id UInt32,
    ts DateTime64(3, 'UTC'),
    session_id String,
    cc_version String,
    tool_use_id String,
    file_path String,
    is_error UInt8,
    rejected UInt8,
    has_patch UInt8,
    lines_added UInt32,
    lines_removed UInt32,
    refs Array(String)
)
ENGINE = Memory
