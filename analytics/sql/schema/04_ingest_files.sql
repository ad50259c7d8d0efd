-- Per-file ingest state: how far each transcript (or OTLP file) has been read.
CREATE TABLE IF NOT EXISTS ingest_files
(
    path String,
    kind LowCardinality(String),
    size UInt64,
    mtime Float64,
    inode UInt64,
    offset UInt64,
    updated DateTime64(6, 'UTC') DEFAULT now64(6)
)
ENGINE = ReplacingMergeTree(updated)
ORDER BY path
