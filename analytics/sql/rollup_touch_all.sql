-- Every hour with data, and every hour the rollup still holds (data deleted since).
INSERT INTO rollup_touched
SELECT DISTINCT toStartOfHour(ts) FROM telemetry
UNION DISTINCT
SELECT DISTINCT ts FROM rollup_hourly
