-- One row per ingest / import / demo run, for `status` and the app.
CREATE TABLE IF NOT EXISTS ingest_runs
(
    started DateTime64(3, 'UTC'),
    finished DateTime64(3, 'UTC'),
    kind LowCardinality(String),
    report String
)
ENGINE = MergeTree
ORDER BY started
