-- Keep what a later run needs to finish a response of this run (see
-- schema/14_transcript_lines.sql): prompting user lines and response lines.
INSERT INTO transcript_lines (uuid, ts, parent_uuid, request_key, is_sidechain, prompting, text)
SELECT uuid, ts, parent_uuid, request_key, is_sidechain, type = 'user', if(type = 'assistant', substringUTF8(text, 1, 4000), '')
FROM ingest_parsed
WHERE reason = '' AND uuid != ''
  AND ((type = 'user' AND NOT is_meta) OR (type = 'assistant' AND NOT is_api_error))
