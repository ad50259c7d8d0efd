-- The durations of API requests per UTC hour `ts` and filter columns, kept at
-- ingest beside rollup_hourly (analytics/rollups.py), so timeout risk's exact
-- percentiles read one array per group instead of every request through the
-- telemetry view: `durations` holds every known duration of the group's
-- requests (each once, unordered), `missing` counts its requests without one;
-- `ttfts` the same for the time to first token (the Models page's median).
-- A store made before `ttfts` gets it from 34_rollup_latency_ttft.sql.
-- Refreshed with the other rollups: appended hidden under a generation, shown
-- by one lightweight UPDATE, then the hidden rows deleted.
CREATE TABLE IF NOT EXISTS rollup_latency
(
    ts DateTime('UTC'),
    source LowCardinality(String),
    project String,
    repository String,
    model LowCardinality(String),
    user String,
    missing UInt64,
    durations Array(Float64),
    ttfts Array(Float64),
    gen DateTime64(3, 'UTC'),
    hidden UInt8 DEFAULT 0
)
ENGINE = MergeTree
ORDER BY ts
SETTINGS enable_block_number_column = 1, enable_block_offset_column = 1
