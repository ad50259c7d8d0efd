-- The UTC hours one rollup refresh recomputes (a scratch table of analytics/rollups.py).
CREATE TABLE IF NOT EXISTS rollup_touched
(
    hour DateTime('UTC')
)
ENGINE = Memory
