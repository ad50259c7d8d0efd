-- Append this run's events: one row per event_id (the highest version), and
-- none for an id the store still holds with a higher version.
INSERT INTO events
SELECT * FROM ingest_events
WHERE event_id NOT IN (SELECT event_id FROM events WHERE event_id IN (SELECT event_id FROM ingest_events))
ORDER BY version DESC
LIMIT 1 BY event_id
