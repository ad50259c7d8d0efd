-- Canonical events written by the JSONL ingest and the demo generator.
-- One visible row per event_id: an ingest replaces a stored row only with a
-- version at least as high (for api_request: parent rows over sidechain
-- replays, then the largest token total) and never shows a second row for an
-- id, so reads need no FINAL and the sort key can serve time windows.
-- `hidden` rows are invisible to readers (the telemetry view): a replacement
-- is appended hidden, then one lightweight UPDATE (a single patch part, so
-- atomic for readers) hides the old row and shows the new one; the block
-- number columns make that UPDATE possible.
-- `project` and `repository` are labels (cc_home_label): the project directory
-- Claude Code stored the session under, and the repository its git worktree
-- belongs to (the project itself when it is not a worktree). `duration_source`
-- says where `duration_ms` comes from: 'reported' (OpenTelemetry, the demo),
-- 'derived' (transcript timestamps) or '' (no duration).
CREATE TABLE IF NOT EXISTS events
(
    ts DateTime64(3, 'UTC'),
    source LowCardinality(String),
    event LowCardinality(String),
    session_id String,
    prompt_id String,
    request_id String,
    message_id String,
    event_id String,
    seq UInt64,
    project String,
    repository String,
    cwd String,
    git_branch String,
    user_id String,
    user_email String,
    org_id String,
    terminal LowCardinality(String),
    cc_version LowCardinality(String),
    model LowCardinality(String),
    is_sidechain UInt8,
    agent_id String,
    query_source LowCardinality(String),
    input_tokens UInt64,
    output_tokens UInt64,
    cache_read_tokens UInt64,
    cache_write_5m_tokens UInt64,
    cache_write_1h_tokens UInt64,
    cost_usd Nullable(Float64),
    cost_source LowCardinality(String),
    duration_ms Nullable(Float64),
    duration_source LowCardinality(String),
    ttft_ms Nullable(Float64),
    status_code UInt16,
    attempt UInt16,
    success Nullable(UInt8),
    tool LowCardinality(String),
    tool_use_id String,
    decision LowCardinality(String),
    decision_source LowCardinality(String),
    error_type LowCardinality(String),
    error_text String,
    text String,
    output_text String,
    attrs Map(String, String),
    version UInt64,
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3),
    hidden UInt8 DEFAULT 0,
    INDEX idx_text lower(text) TYPE text(tokenizer = splitByNonAlpha) GRANULARITY 1,
    INDEX idx_error lower(error_text) TYPE text(tokenizer = splitByNonAlpha) GRANULARITY 1,
    INDEX idx_output lower(output_text) TYPE text(tokenizer = splitByNonAlpha) GRANULARITY 1,
    INDEX idx_event_id event_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_session session_id TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = MergeTree
ORDER BY (event, ts)
SETTINGS enable_block_number_column = 1, enable_block_offset_column = 1
