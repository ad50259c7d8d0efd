-- Embedded engine: read the staged transcripts (links to whole files, copies of
-- new tails, named <file_id>.jsonl). The insert squashes the many small files
-- into big blocks, which the JSON parsing needs to run at full speed.
INSERT INTO ingest_stage (file_id, line_no, line)
SELECT toUInt32(splitByChar('.', _file)[1]), _row_number, line
FROM file({pattern:String}, 'LineAsString')
