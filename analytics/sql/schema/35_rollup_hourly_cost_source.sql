-- The cost source of rollup_hourly (17_rollup_hourly.sql) for a table made
-- before it; a no-op on one that has it. The rollup version
-- (analytics/rollups.py) then rebuilds every hour, filling it.
ALTER TABLE rollup_hourly ADD COLUMN IF NOT EXISTS cost_source LowCardinality(String) AFTER user
