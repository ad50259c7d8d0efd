-- monitor_last_activity.sql from the hourly rollup alone, for a store that holds nothing at or
-- after {split:DateTime('UTC')} (rollup_rows_since.sql): its exact last event and count per group.
SELECT toUnixTimestamp64Milli(max(last_ts)) AS last_ms, sum(n) AS events
FROM rollup_hourly
WHERE hidden = 0 AND ts < {split:DateTime('UTC')} AND __FILTERS__
