-- Events of this run by type: all, those already in the store (replaced, not
-- added), and unpriced requests.
SELECT
    event,
    count() AS events,
    countIf(event_id IN (
        SELECT event_id FROM events WHERE hidden = 0 AND event_id IN (SELECT event_id FROM ingest_events)
    )) AS already_stored,
    countIf(cost_source = 'unpriced') AS unpriced
FROM ingest_events
GROUP BY event
