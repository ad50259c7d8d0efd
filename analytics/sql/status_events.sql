SELECT source, event, count() AS events, min(ts) AS first, max(ts) AS last
FROM telemetry
GROUP BY source, event
ORDER BY source, event
