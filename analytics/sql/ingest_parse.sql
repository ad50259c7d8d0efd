-- Classify and parse the staged lines. Lines that cannot be used get a reason
-- and are counted in the ingest report; the rest carry the fields events need.
--
-- Whitespace variants: CRLF line ends, tab / CR-only lines and a UTF-8 BOM
-- are whitespace (a blank line is 'blank', never 'malformed_json'). A line
-- with bytes that are not UTF-8 is read with each invalid sequence replaced
-- by U+FFFD (only such lines are rewritten). An invalid line holding a
-- surrogate escape (JSON.stringify writes a string cut inside a surrogate pair
-- as a lone "\ud83d") is read with each run of surrogate escapes replaced by
-- U+FFFD (escaped backslashes are first rewritten as the equivalent \u005c, so
-- every "\ud8.." left is a real escape); the functions only see those lines
-- (their argument is '' elsewhere): valid lines are untouched. (Lines nested
-- deeper than the parser allows are flattened and parsed again by the ingest:
-- analytics/ingest/jsonl.py.) The timestamp must be a JSON string and token
-- counts non-negative integers (or absent); anything else is 'wrong_type'. A
-- count above 10^9 (no single request comes near) is 'out_of_range': the line
-- is skipped, never summed. Dynamic fields keep strings as strings (no date
-- inference). An assistant line's text is its text blocks (thinking and tool
-- blocks left out); a user line's is the prompt (none when it holds tool results).
INSERT INTO ingest_parsed
WITH
    if(length(line) > {max_line:UInt64}, '', line) AS l,
    JSONExtract(l, 'Tuple(type String, uuid String, parentUuid String, timestamp Dynamic, sessionId String, cwd String, gitBranch String, version String, isSidechain Bool, agentId String, isMeta Bool, isApiErrorMessage Bool, apiErrorStatus String, requestId String, message Tuple(id String, model String, usage Tuple(input_tokens Dynamic, output_tokens Dynamic, cache_read_input_tokens Dynamic, cache_creation_input_tokens Dynamic, cache_creation Tuple(ephemeral_5m_input_tokens UInt64, ephemeral_1h_input_tokens UInt64)), content String))') AS j,
    j.type AS t,
    parseDateTime64BestEffortOrNull(j.timestamp.String, 3, 'UTC') AS parsed_ts,
    j.message.usage AS u,
    [u.input_tokens, u.output_tokens, u.cache_read_input_tokens, u.cache_creation_input_tokens] AS token_fields,
    arrayExists(x -> dynamicType(x) NOT IN ('Int64', 'UInt64', 'None') OR ifNull(x.Int64, 0) < 0, token_fields) AS bad_tokens,
    arrayExists(x -> ifNull(x.UInt64, 0) > 1000000000 OR ifNull(x.Int64, 0) > 1000000000
                     OR (match(ifNull(x.String, ''), '^[0-9]+$') AND toFloat64OrZero(x.String) > 1e9), token_fields)
        OR greatest(u.cache_creation.ephemeral_5m_input_tokens, u.cache_creation.ephemeral_1h_input_tokens) > 1000000000
        AS huge_tokens,
    coalesce(u.cache_read_input_tokens.Int64, u.cache_read_input_tokens.UInt64, 0) AS cache_read,
    coalesce(u.cache_creation_input_tokens.Int64, u.cache_creation_input_tokens.UInt64, 0) AS cache_write,
    JSONType(l, 'message', 'content') AS ctype,
    ctype = 'Array' AND t = 'user' AND position(j.message.content, 'tool_result') > 0 AS has_results,
    ctype = 'Array' AND t = 'assistant' AND position(j.message.content, 'tool_use') > 0 AS has_uses,
    if(has_results,
       arrayMap(b -> (JSONExtractString(b, 'tool_use_id'), JSONExtractBool(b, 'is_error'),
                      substringUTF8(if(JSONType(b, 'content') = 'String', JSONExtractString(b, 'content'),
                                   arrayStringConcat(arrayMap(x -> JSONExtractString(x, 'text'),
                                                              JSONExtractArrayRaw(b, 'content')), '\n')), 1, 4000)),
                arrayFilter(b -> position(b, 'tool_result') > 0 AND JSONExtractString(b, 'type') = 'tool_result',
                            JSONExtractArrayRaw(j.message.content))),
       []) AS results,
    multiIf(ctype = 'String', j.message.content,
            ctype = 'Array' AND empty(results),
            arrayStringConcat(arrayMap(b -> JSONExtractString(b, 'text'),
                arrayFilter(b -> JSONExtractString(b, 'type') = 'text', JSONExtractArrayRaw(j.message.content))), '\n'),
            '') AS txt,
    u.cache_creation.ephemeral_5m_input_tokens + u.cache_creation.ephemeral_1h_input_tokens > 0 AS split,
    j.isApiErrorMessage OR (j.message.model = '<synthetic>' AND position(txt, 'API Error') > 0) AS api_err
SELECT
    file_id,
    line_no,
    t,
    multiIf(
        trim(BOTH ' \t\r' FROM line) IN ('', '\xEF\xBB\xBF'), 'blank',
        length(line) > {max_line:UInt64}, 'too_large',
        JSONType(l) != 'Object', if(isValidJSON(l), 'not_an_object', 'malformed_json'),
        t IN ('summary', 'system', 'file-history-snapshot', 'queue-operation', 'progress', 'custom-title', 'tag', 'agent-name'), 'metadata',
        t NOT IN ('user', 'assistant'), 'unknown_type',
        ctype NOT IN ('String', 'Array') OR isNull(parsed_ts) OR JSONType(l, 'sessionId') != 'String', 'wrong_type',
        t = 'assistant' AND huge_tokens, 'out_of_range',
        t = 'assistant' AND bad_tokens, 'wrong_type',
        t = 'assistant' AND j.message.model = '<synthetic>' AND NOT api_err, 'synthetic_message',
        ''
    ) AS reason,
    j.uuid,
    j.parentUuid,
    ifNull(parsed_ts, toDateTime64(0, 3, 'UTC')),
    j.sessionId,
    j.cwd,
    j.gitBranch,
    j.version,
    j.isSidechain,
    j.agentId,
    j.isMeta,
    api_err,
    j.apiErrorStatus,
    j.message.id,
    j.requestId,
    if(t = 'assistant', if(j.message.id != '', j.message.id, if(j.requestId != '', j.requestId, j.uuid)), ''),
    j.message.model,
    coalesce(u.input_tokens.Int64, u.input_tokens.UInt64, 0),
    coalesce(u.output_tokens.Int64, u.output_tokens.UInt64, 0),
    cache_read,
    cache_write,
    if(split, u.cache_creation.ephemeral_5m_input_tokens, cache_write),
    if(split, u.cache_creation.ephemeral_1h_input_tokens, 0),
    ctype,
    substring(txt, 1, 100000),
    if(has_uses,
       arrayMap(b -> (JSONExtractString(b, 'id'), JSONExtractString(b, 'name'), cc_input_summary(JSONExtractRaw(b, 'input'))),
                arrayFilter(b -> position(b, 'tool_use') > 0 AND JSONExtractString(b, 'type') = 'tool_use',
                            JSONExtractArrayRaw(j.message.content))),
       []),
    results
FROM
(
    SELECT file_id, line_no, if(lone, replaceRegexpAll(replaceAll(if(lone, raw, ''), '\\\\', '\\u005c'),
                              '(?:\\\\u[dD][89a-fA-F][0-9a-fA-F]{2})+', '\\\\ufffd'), raw) AS line
    FROM
    (
        SELECT file_id, line_no, raw, positionCaseInsensitive(raw, '\\ud') > 0 AND NOT isValidJSON(raw) AS lone
        FROM
        (
            SELECT file_id, line_no, if(isValidUTF8(line), line, toValidUTF8(line)) AS raw
            FROM ingest_stage
        )
    )
)
SETTINGS input_format_try_infer_dates = 0, input_format_try_infer_datetimes = 0
