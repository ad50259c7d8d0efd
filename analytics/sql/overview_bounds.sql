-- Events per source with their first and last day in the reporting zone; only
-- the given users' events when the list is not empty (a per-user view).
SELECT source, count() AS events, toDate(min(ts), {tz:String}) AS first_day, toDate(max(ts), {tz:String}) AS last_day
FROM telemetry
WHERE empty({users:Array(String)}) OR user IN {users:Array(String)}
GROUP BY source
ORDER BY source
