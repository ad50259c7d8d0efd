-- The searchable part of a tool_use input (raw JSON): its paths, command,
-- patterns, URL, query and description; the raw input when it has none.
CREATE OR REPLACE FUNCTION cc_input_summary AS (inp) -> substring(coalesce(nullIf(arrayStringConcat(arrayFilter(x -> x != '', [
    JSONExtractString(inp, 'file_path'), JSONExtractString(inp, 'notebook_path'), JSONExtractString(inp, 'path'),
    JSONExtractString(inp, 'command'), JSONExtractString(inp, 'pattern'), JSONExtractString(inp, 'glob'),
    JSONExtractString(inp, 'url'), JSONExtractString(inp, 'query'), JSONExtractString(inp, 'description')]), ' '), ''),
    inp), 1, 2000)
