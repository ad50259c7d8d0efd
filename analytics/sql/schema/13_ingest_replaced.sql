-- Event ids of one ingest run that replace a visible stored row.
CREATE TABLE IF NOT EXISTS ingest_replaced
(
    event_id String
)
ENGINE = Memory
