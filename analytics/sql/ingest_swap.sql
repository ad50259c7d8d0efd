-- One statement, so a reader sees either the old rows or their replacements,
-- never neither and never both: hide every row of a replaced id except the one
-- this run appended.
UPDATE events
SET hidden = toUInt8(ingested_at != {run:DateTime64(3, 'UTC')})
WHERE event_id IN (SELECT event_id FROM ingest_replaced)
