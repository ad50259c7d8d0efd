-- Append this run's events: one row per event_id (the highest version), none
-- for an id the store shows with a higher version. A replacement goes in
-- hidden, marked with this run's time, until ingest_swap shows it.
INSERT INTO events
SELECT * REPLACE (
    toUInt8(event_id IN (SELECT event_id FROM ingest_replaced)) AS hidden,
    {run:DateTime64(3, 'UTC')} AS ingested_at
)
FROM ingest_events
WHERE event_id IN (SELECT event_id FROM ingest_replaced)
   OR event_id NOT IN (
        SELECT event_id FROM events WHERE hidden = 0 AND event_id IN (SELECT event_id FROM ingest_events)
   )
ORDER BY version DESC
LIMIT 1 BY event_id
