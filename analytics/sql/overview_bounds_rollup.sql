-- overview_bounds.sql from the hourly rollup (analytics/rollups.py): exact first and last events.
SELECT source, sum(n) AS events, toDate(min(first_ts), {tz:String}) AS first_day, toDate(max(last_ts), {tz:String}) AS last_day
FROM rollup_hourly
WHERE hidden = 0 AND (empty({users:Array(String)}) OR user IN {users:Array(String)})
GROUP BY source
ORDER BY source
