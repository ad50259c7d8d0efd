-- Classify and parse staged lines. Lines that cannot be used get a reason and
-- are counted in the ingest report; the rest carry the fields events need.
INSERT INTO ingest_parsed
WITH
    if(length(line) > {max_line:UInt64}, '', line) AS l,
    JSONExtract(l, 'Tuple(type String, uuid String, timestamp String, sessionId String, cwd String, gitBranch String, version String, isSidechain Bool, agentId String, isMeta Bool, isApiErrorMessage Bool, apiErrorStatus String, requestId String, message Tuple(id String, model String, usage Tuple(input_tokens UInt64, output_tokens UInt64, cache_read_input_tokens UInt64, cache_creation_input_tokens UInt64, cache_creation Tuple(ephemeral_5m_input_tokens UInt64, ephemeral_1h_input_tokens UInt64)), content String))') AS j,
    j.type AS t,
    parseDateTime64BestEffortOrNull(j.timestamp, 3, 'UTC') AS parsed_ts,
    j.message.usage AS u,
    JSONHas(l, 'message', 'usage', 'cache_creation') AS split,
    j.isApiErrorMessage OR (j.message.model = '<synthetic>' AND position(j.message.content, 'API Error') > 0) AS api_err
SELECT
    file_id,
    line_no,
    t,
    multiIf(
        trimBoth(line) = '', 'blank',
        length(line) > {max_line:UInt64}, 'too_large',
        NOT isValidJSON(l), 'malformed_json',
        JSONType(l) != 'Object', 'not_an_object',
        t IN ('summary', 'system', 'file-history-snapshot', 'queue-operation', 'progress', 'custom-title', 'tag', 'agent-name'), 'metadata',
        t NOT IN ('user', 'assistant'), 'unknown_type',
        JSONType(l, 'message') != 'Object' OR JSONType(l, 'timestamp') != 'String' OR isNull(parsed_ts)
            OR JSONType(l, 'sessionId') != 'String'
            OR JSONType(l, 'message', 'content') NOT IN ('String', 'Array'), 'wrong_type',
        t = 'assistant' AND (JSONType(l, 'message', 'usage') NOT IN ('Object', 'Null')
            OR JSONType(l, 'message', 'usage', 'input_tokens') NOT IN ('Int64', 'UInt64', 'Null')
            OR JSONType(l, 'message', 'usage', 'output_tokens') NOT IN ('Int64', 'UInt64', 'Null')), 'wrong_type',
        t = 'assistant' AND j.message.model = '<synthetic>' AND NOT api_err, 'synthetic_message',
        ''
    ) AS reason,
    j.uuid,
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
    j.message.model,
    u.input_tokens,
    u.output_tokens,
    u.cache_read_input_tokens,
    u.cache_creation_input_tokens,
    if(split AND u.cache_creation.ephemeral_5m_input_tokens + u.cache_creation.ephemeral_1h_input_tokens > 0,
       u.cache_creation.ephemeral_5m_input_tokens, u.cache_creation_input_tokens),
    if(split AND u.cache_creation.ephemeral_5m_input_tokens + u.cache_creation.ephemeral_1h_input_tokens > 0,
       u.cache_creation.ephemeral_1h_input_tokens, 0),
    split,
    JSONType(l, 'message', 'content'),
    j.message.content
FROM ingest_stage
