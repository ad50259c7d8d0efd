-- Per-token rates by model and long-context tier, built from genai-prices.
-- A tier applies to a whole request when its total input exceeds tier_start.
CREATE TABLE IF NOT EXISTS prices
(
    model String,
    tier_start UInt64,
    input Float64,
    output Float64,
    cache_read Float64,
    cache_write_5m Float64,
    cache_write_1h Float64
)
ENGINE = ReplacingMergeTree
ORDER BY (model, tier_start)
