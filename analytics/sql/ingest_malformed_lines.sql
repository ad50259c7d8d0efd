-- The staged lines the parse found malformed that may only be nested too deep
-- for it (more opening brackets than `depth`), invalid UTF-8 already replaced:
-- the ingest flattens them and parses them again.
SELECT s.file_id, s.line_no, if(isValidUTF8(s.line), s.line, toValidUTF8(s.line))
FROM ingest_stage AS s
WHERE (s.file_id, s.line_no) IN (SELECT file_id, line_no FROM ingest_parsed WHERE reason = 'malformed_json')
  AND countSubstrings(s.line, '[') + countSubstrings(s.line, '{') > {depth:UInt64}
