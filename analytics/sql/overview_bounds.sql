-- Events per source with their first and last day in the reporting zone.
SELECT source, count() AS events, toDate(min(ts), {tz:String}) AS first_day, toDate(max(ts), {tz:String}) AS last_day
FROM telemetry
GROUP BY source
ORDER BY source
