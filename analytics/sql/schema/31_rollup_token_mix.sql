-- The token mix of API requests per UTC hour `ts` and filter columns, kept at
-- ingest beside rollup_hourly (analytics/rollups.py), so re-pricing and the
-- model-efficiency widget read a few rows per hour instead of every request
-- through the telemetry view. Grouped as models_token_mix.sql groups: `bucket`
-- counts the entries of `bounds` a request's total input reaches, `small`
-- marks fewer than `small_output_limit` output tokens. `bounds` are the tier
-- starts the row was built with (the price book's and the default re-pricing
-- targets', sorted): a reader asking for other bounds reads the events, and a
-- refresh that finds rows built with bounds other than today's rebuilds every hour.
-- Refreshed with the other rollups: appended hidden under a generation, shown
-- by one lightweight UPDATE, then the hidden rows deleted.
CREATE TABLE IF NOT EXISTS rollup_token_mix
(
    ts DateTime('UTC'),
    source LowCardinality(String),
    project String,
    repository String,
    model LowCardinality(String),
    user String,
    bounds Array(UInt64),
    bucket UInt64,
    small UInt8,
    small_output_limit UInt64,
    requests UInt64,
    input_tokens UInt64,
    output_tokens UInt64,
    cache_read_tokens UInt64,
    cache_write_5m_tokens UInt64,
    cache_write_1h_tokens UInt64,
    min_total_input UInt64,
    max_total_input UInt64,
    cost_usd Nullable(Float64),
    priced_requests UInt64,
    gen DateTime64(3, 'UTC'),
    hidden UInt8 DEFAULT 0
)
ENGINE = MergeTree
ORDER BY ts
SETTINGS enable_block_number_column = 1, enable_block_offset_column = 1
