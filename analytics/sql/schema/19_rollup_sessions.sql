-- Per-session hourly rows of the `telemetry` view, kept at ingest beside
-- rollup_hourly (analytics/rollups.py): what tool-sequence mining and
-- recovery after API errors read instead of sorting millions of events.
-- One row per UTC hour `ts`, session and filter columns (a row's events share
-- them, so a filter keeps or drops whole rows exactly as it would the events):
-- - `tools` / `failed`: the hour's tool calls in (ts, seq, event_id) order, and
--   whether each failed; `call_keys` holds that order key, read only when a
--   session has two rows with calls in one hour (they must be merged by it);
-- - `requests` / `priced` / `cost_usd`: api_requests, those priced, their cost;
-- - `error_ts`: the api_errors; `request_ts`: the only api_requests recovery can
--   need, the row's first and, for every error of the session in that hour
--   (any row), the row's first request at or after it.
-- Refreshed with rollup_hourly: appended hidden under a generation, shown by one
-- lightweight UPDATE, then the hidden rows deleted.
CREATE TABLE IF NOT EXISTS rollup_sessions
(
    ts DateTime('UTC'),
    session_id String,
    source LowCardinality(String),
    project String,
    repository String,
    model LowCardinality(String),
    user String,
    tools Array(LowCardinality(String)),
    failed Array(UInt8),
    call_keys Array(Tuple(DateTime64(3, 'UTC'), UInt64, String)),
    requests UInt64,
    priced UInt64,
    cost_usd Float64,
    request_ts Array(DateTime64(3, 'UTC')),
    error_ts Array(DateTime64(3, 'UTC')),
    gen DateTime64(3, 'UTC'),
    hidden UInt8 DEFAULT 0
)
ENGINE = MergeTree
ORDER BY (ts, session_id)
SETTINGS enable_block_number_column = 1, enable_block_offset_column = 1
