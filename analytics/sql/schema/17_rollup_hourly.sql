-- Hourly totals of the `telemetry` view (one count per request), kept at
-- ingest so the overview, the error monitor and the daily series read
-- thousands of rows instead of millions (analytics/rollups.py). `ts` is the
-- UTC hour; the other keys are the filters' columns plus `kind`, the failure
-- class of errors_failures.sql. `cost_usd` sums priced requests (`priced`
-- counts them, so "none priced" stays NULL for readers); `first_ts` /
-- `last_ts` are the exact first and last event of the group; `cost_source`
-- (an api_request's: reported, computed or unpriced) splits the groups too, so
-- the Costs page's provenance reads it. A store made before it gets it from
-- 35_rollup_hourly_cost_source.sql.
-- A refresh of some hours appends their new rows hidden, marked with its
-- generation, then one lightweight UPDATE shows them and hides the old ones
-- (atomic for readers, as for events), then the hidden rows are deleted.
CREATE TABLE IF NOT EXISTS rollup_hourly
(
    ts DateTime('UTC'),
    event LowCardinality(String),
    kind LowCardinality(String),
    source LowCardinality(String),
    project String,
    repository String,
    model LowCardinality(String),
    user String,
    cost_source LowCardinality(String),
    n UInt64,
    priced UInt64,
    cost_usd Float64,
    input_tokens UInt64,
    output_tokens UInt64,
    cache_read_tokens UInt64,
    cache_write_5m_tokens UInt64,
    cache_write_1h_tokens UInt64,
    timed UInt64,
    first_ts DateTime64(3, 'UTC'),
    last_ts DateTime64(3, 'UTC'),
    gen DateTime64(3, 'UTC'),
    hidden UInt8 DEFAULT 0
)
ENGINE = MergeTree
ORDER BY (event, ts)
SETTINGS enable_block_number_column = 1, enable_block_offset_column = 1
