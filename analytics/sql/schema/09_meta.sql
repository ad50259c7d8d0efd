CREATE TABLE IF NOT EXISTS meta
(
    key String,
    value String,
    updated DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated)
ORDER BY key
