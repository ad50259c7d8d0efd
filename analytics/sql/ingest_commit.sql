INSERT INTO events SELECT * FROM ingest_events
