-- The project and repository paths of each file of one ingest run (by the
-- file_id of its staged lines), decided by the ingest from project_dirs.
CREATE TABLE IF NOT EXISTS ingest_chunks
(
    file_id UInt32,
    project String,
    repository String
)
ENGINE = Memory
