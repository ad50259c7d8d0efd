-- The transcript lines a later ingest run may need to finish an API request
-- (DESIGN.md rule 13): every usable user line (`prompting` unless it is a meta
-- line), by uuid, and every line of a response, by its request key (message
-- id, else request id, else uuid), with its parent and its text blocks (first
-- 4,000 characters). A response whose lines, or whose prompting line, came in
-- an earlier run gets its duration and text from here.
CREATE TABLE IF NOT EXISTS transcript_lines
(
    uuid String,
    ts DateTime64(3, 'UTC'),
    parent_uuid String,
    request_key String,
    is_sidechain UInt8,
    prompting UInt8,
    text String,
    INDEX idx_uuid uuid TYPE bloom_filter(0.001) GRANULARITY 1
)
ENGINE = ReplacingMergeTree
ORDER BY (request_key, uuid)
