-- Raw lines of one ingest run; parsed by SQL, then truncated.
CREATE TABLE IF NOT EXISTS ingest_stage
(
    file_id UInt32,
    line_no UInt64,
    line String
)
ENGINE = Memory
