-- Before committing a run: delete stored rows that this run's events replace
-- (same event_id, version not higher than the new one).
DELETE FROM events WHERE event_id IN (
    SELECT n.event_id
    FROM ingest_events AS n
    INNER JOIN
    (
        SELECT event_id, max(version) AS v
        FROM events
        WHERE event_id IN (SELECT event_id FROM ingest_events)
        GROUP BY event_id
    ) AS o ON o.event_id = n.event_id
    WHERE o.v <= n.version
)
