-- Embedded engine: read every staged transcript (symlink or tail copy named <file_id>.jsonl).
INSERT INTO ingest_stage (file_id, line_no, line)
SELECT toUInt32(splitByChar('.', _file)[1]), _row_number, line
FROM file({pattern:String}, 'LineAsString')
