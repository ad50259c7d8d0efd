-- The times to first token of rollup_latency (30_rollup_latency.sql) for a
-- table made before them; a no-op on one that has them. The rollup version
-- (analytics/rollups.py) then rebuilds every hour, filling them.
ALTER TABLE rollup_latency ADD COLUMN IF NOT EXISTS ttfts Array(Float64) AFTER durations
