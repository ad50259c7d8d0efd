-- Events by source and type with their first and last instant, as the
-- telemetry view counts them (a request both sources recorded counts once, as
-- otel): what /api/health reports. `status` shows each source's own rows
-- (status_events.sql).
SELECT source, event, count() AS events, min(ts) AS first, max(ts) AS last
FROM telemetry
GROUP BY source, event
ORDER BY source, event
