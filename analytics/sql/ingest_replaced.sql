-- Ids of this run that replace a visible stored row: the stored version is
-- not higher than the new one.
INSERT INTO ingest_replaced
SELECT n.event_id
FROM
(
    SELECT event_id, max(version) AS version
    FROM ingest_events
    GROUP BY event_id
) AS n
INNER JOIN
(
    SELECT event_id, max(version) AS v
    FROM events
    WHERE hidden = 0 AND event_id IN (SELECT event_id FROM ingest_events)
    GROUP BY event_id
) AS o ON o.event_id = n.event_id
WHERE o.v <= n.version
