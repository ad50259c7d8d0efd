-- tool_use blocks of assistant messages: the name and input a later
-- tool_result line refers to by tool_use_id (possibly in a later ingest run).
CREATE TABLE IF NOT EXISTS tool_uses
(
    tool_use_id String,
    ts DateTime64(3, 'UTC'),
    tool LowCardinality(String),
    input_summary String,
    session_id String,
    message_id String
)
ENGINE = ReplacingMergeTree
ORDER BY tool_use_id
