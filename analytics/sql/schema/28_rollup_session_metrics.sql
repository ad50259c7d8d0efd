-- Per-session hourly aggregates of every event of the `telemetry` view, kept
-- at ingest beside rollup_hourly (analytics/rollups.py) for the session table
-- (sessions_metrics.sql). One row per UTC hour `ts`, session and the filter
-- columns but the model (whose filter keeps a session's other events too): a
-- session whose every hour is one row reads its metrics from here, summing the
-- rows and, for active time, adding the gaps between consecutive rows.
-- `active_ms`: the sum of the gaps between the row's consecutive events that
-- are at most `idle_ms` long (the bound the rows were built with, in meta);
-- `model_requests`: api_requests per model; `version` / `version_ts`: the
-- row's latest non-empty Claude Code version and when it was seen.
CREATE TABLE IF NOT EXISTS rollup_session_metrics
(
    ts DateTime('UTC'),
    session_id String,
    source LowCardinality(String),
    project String,
    repository String,
    user String,
    first_ts DateTime64(3, 'UTC'),
    last_ts DateTime64(3, 'UTC'),
    active_ms UInt64,
    events UInt64,
    prompts UInt64,
    requests UInt64,
    priced UInt64,
    cost_usd Float64,
    input_tokens UInt64,
    output_tokens UInt64,
    cache_read_tokens UInt64,
    cache_write_tokens UInt64,
    tool_calls UInt64,
    tool_errors UInt64,
    api_errors UInt64,
    model_requests Tuple(Array(String), Array(UInt64)),
    version String,
    version_ts DateTime64(3, 'UTC'),
    gen DateTime64(3, 'UTC'),
    hidden UInt8 DEFAULT 0
)
ENGINE = MergeTree
ORDER BY (ts, session_id)
SETTINGS enable_block_number_column = 1, enable_block_offset_column = 1
