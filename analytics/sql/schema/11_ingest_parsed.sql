-- One row per staged line: its verdict (`reason`, '' when usable) and the
-- fields every event needs, parsed once. Content blocks are reduced to what
-- the events use (tool_use id/name/input summary, tool_result id/error/the
-- first 4,000 characters of its output, text), so big tool outputs are never
-- copied. `request_key` is the response an assistant line belongs to (its
-- message id, else its request id, else its uuid: DESIGN.md rule 1).
CREATE TABLE IF NOT EXISTS ingest_parsed
(
    file_id UInt32,
    line_no UInt64,
    type String,
    reason LowCardinality(String),
    uuid String,
    parent_uuid String,
    ts DateTime64(3, 'UTC'),
    session_id String,
    cwd String,
    git_branch String,
    cc_version String,
    is_sidechain UInt8,
    agent_id String,
    is_meta UInt8,
    is_api_error UInt8,
    api_error_status String,
    msg_id String,
    request_id String,
    request_key String,
    model String,
    input_tokens UInt64,
    output_tokens UInt64,
    cache_read_tokens UInt64,
    cache_write_tokens UInt64,
    cache_write_5m_tokens UInt64,
    cache_write_1h_tokens UInt64,
    content_type String,
    text String,
    tool_uses Array(Tuple(id String, name String, input String)),
    tool_results Array(Tuple(tool_use_id String, is_error UInt8, body String))
)
ENGINE = Memory
