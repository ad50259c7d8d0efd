-- health_events.sql from the hourly rollup (analytics/rollups.py).
SELECT source, event, sum(n) AS events, min(first_ts) AS first, max(last_ts) AS last
FROM rollup_hourly
WHERE hidden = 0
GROUP BY source, event
ORDER BY source, event
