-- Tool calls per UTC hour, filter columns and tool, kept at ingest beside
-- rollup_hourly (analytics/rollups.py), so the Tools page's per-tool counts,
-- distinct sessions and exact duration percentiles read one row per group
-- instead of every tool_result through the telemetry view: `calls`,
-- `succeeded` (success = 1), `failed` (success = 0), `rejected` (failed because
-- the user declined), `sessions` the group's distinct session ids, `durations`
-- every known duration (each once, unordered).
-- Refreshed with the other rollups: appended hidden under a generation, shown
-- by one lightweight UPDATE, then the hidden rows deleted.
CREATE TABLE IF NOT EXISTS rollup_tools
(
    ts DateTime('UTC'),
    source LowCardinality(String),
    project String,
    repository String,
    model LowCardinality(String),
    user String,
    tool LowCardinality(String),
    calls UInt64,
    succeeded UInt64,
    failed UInt64,
    rejected UInt64,
    sessions Array(String),
    durations Array(Float64),
    gen DateTime64(3, 'UTC'),
    hidden UInt8 DEFAULT 0
)
ENGINE = MergeTree
ORDER BY ts
SETTINGS enable_block_number_column = 1, enable_block_offset_column = 1
