-- What the transcripts say a session produced (outcome_source 'derived'),
-- one row per outcome (docs/OUTCOMES.md): `lines` (one edit's lines added and
-- removed, `ref` its file), `commit` (`ref` the hash), `pull_request` (`ref`
-- the URL) and `edit_decision` (accept / reject of an edit tool). `event_id`
-- is stable (kind and tool_use_id), so a line read twice adds nothing; readers
-- take the row of the highest version (FINAL). OpenTelemetry's metrics are not
-- copied here: the otel_outcomes view reads them from otel_metrics_sum.
CREATE TABLE IF NOT EXISTS outcomes
(
    ts DateTime64(3, 'UTC'),
    source LowCardinality(String),
    outcome_source LowCardinality(String),
    kind LowCardinality(String),
    session_id String,
    project String,
    repository String,
    user String,
    model LowCardinality(String),
    cc_version LowCardinality(String),
    tool LowCardinality(String),
    tool_use_id String,
    language LowCardinality(String),
    decision LowCardinality(String),
    count Int64,
    lines_added Int64,
    lines_removed Int64,
    seconds Float64,
    ref String,
    event_id String,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (kind, session_id, event_id)
