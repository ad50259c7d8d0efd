-- Events in the store by source and type, as each source recorded them
-- (a request both sources hold is counted under each).
SELECT source, event, count() AS events, min(ts) AS first, max(ts) AS last
FROM source_events
GROUP BY source, event
ORDER BY source, event
