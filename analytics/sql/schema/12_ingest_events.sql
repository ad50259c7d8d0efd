-- Events produced by one ingest run before they are appended to `events`.
CREATE TABLE IF NOT EXISTS ingest_events AS events
ENGINE = Memory
