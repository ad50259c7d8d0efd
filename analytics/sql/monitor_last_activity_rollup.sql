-- monitor_last_activity.sql with the whole UTC hours before {split:DateTime('UTC')} read from the
-- hourly rollup (its exact last event and count per group) and only the rest from the events.
SELECT toUnixTimestamp64Milli(max(last)) AS last_ms, sum(n) AS events
FROM
(
    SELECT max(last_ts) AS last, sum(n) AS n
    FROM rollup_hourly
    WHERE hidden = 0 AND ts < {split:DateTime('UTC')} AND __FILTERS__
    UNION ALL
    SELECT max(ts), count()
    FROM telemetry
    WHERE ts >= {split:DateTime('UTC')} AND __FILTERS__
)
