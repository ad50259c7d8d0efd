-- Every hour with data, and every hour the rollups still hold (data deleted since).
INSERT INTO rollup_touched
SELECT DISTINCT toStartOfHour(ts) FROM telemetry
UNION DISTINCT
SELECT DISTINCT ts FROM rollup_hourly
UNION DISTINCT
SELECT DISTINCT ts FROM rollup_sessions
UNION DISTINCT
SELECT DISTINCT ts FROM rollup_session_metrics
UNION DISTINCT
SELECT DISTINCT ts FROM rollup_errors
