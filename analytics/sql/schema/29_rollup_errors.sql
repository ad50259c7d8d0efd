-- Hourly error detail of the `telemetry` view, kept at ingest beside
-- rollup_hourly (analytics/rollups.py): what the error monitor's attempts,
-- permission decisions, API error classes and tool errors read instead of
-- scanning millions of events. One row per UTC hour `ts`, filter columns,
-- `event` and the detail that event's query groups by (the rest left empty):
-- - api_request / api_error: `attempt`; api_error also its class and HTTP
--   status (errors_by_type.sql's) and `session_id`, so sessions count exactly;
-- - tool_decision: `tool`, `decision`, `decision_source`;
-- - tool_result (user rejections left out, as errors_tools.sql does): `tool`,
--   `failed` (success = 0) and `rejects`, the hour and filter columns of every
--   reject / interrupt decision recorded for its tool_use_id, so a reader drops
--   the result exactly when one of them passes its filters.
-- `n` counts the events, `first_ts` / `last_ts` are the first and last of
-- them, and `example` the first 300 characters of the latest error text (the
-- greater text at a tie), as the raw queries pick it.
-- Refreshed with rollup_hourly: appended hidden under a generation, shown by one
-- lightweight UPDATE, then the hidden rows deleted.
CREATE TABLE IF NOT EXISTS rollup_errors
(
    ts DateTime('UTC'),
    event LowCardinality(String),
    source LowCardinality(String),
    project String,
    repository String,
    model LowCardinality(String),
    user String,
    attempt UInt16,
    error_class LowCardinality(String),
    status_code UInt16,
    session_id String,
    tool LowCardinality(String),
    decision LowCardinality(String),
    decision_source LowCardinality(String),
    failed UInt8,
    rejects Array(Tuple(DateTime('UTC'), String, String, String, String, String)),
    n UInt64,
    first_ts DateTime64(3, 'UTC'),
    last_ts DateTime64(3, 'UTC'),
    example String,
    gen DateTime64(3, 'UTC'),
    hidden UInt8 DEFAULT 0
)
ENGINE = MergeTree
ORDER BY (event, ts)
SETTINGS enable_block_number_column = 1, enable_block_offset_column = 1
