-- Fragment, not a query: one row per matching event, inserted where the
-- search queries write __MATCHES__. Fields: prompt (user_prompt.text),
-- tool_input (tool_result.text), error (error_text of any event); an event
-- whose text and error text both match is one row, under its text field.
-- A field matches when it has every prefilter token as a whole token (the
-- text indexes idx_text / idx_error on lower(...) skip granules; each branch
-- is a plain conjunction so its index applies), passes the LIKE prefilter,
-- contains every term case-insensitively and matches every term pattern.
-- Every value is a bound parameter built from the user's query.
SELECT
    event_id, session_id, ts, seq, event, tool, model, project,
    if(event = 'user_prompt', 'prompt', 'tool_input') AS field,
    text AS content,
    arrayMap(t -> countSubstringsCaseInsensitiveUTF8(text, t), {terms:Array(String)}) AS counts
FROM telemetry
WHERE __FILTERS__
    AND (({f_prompt:Bool} AND event = 'user_prompt') OR ({f_tool:Bool} AND event = 'tool_result'))
    AND (empty({tokens:Array(String)}) OR hasAllTokens(lower(text), {tokens:Array(String)}))
    AND lower(text) LIKE {like:String}
    AND arrayAll(t -> positionCaseInsensitiveUTF8(text, t) > 0, {terms:Array(String)})
    AND arrayAll(p -> match(text, p), {patterns:Array(String)})
UNION ALL
SELECT
    event_id, session_id, ts, seq, event, tool, model, project,
    'error' AS field,
    error_text AS content,
    arrayMap(t -> countSubstringsCaseInsensitiveUTF8(error_text, t), {terms:Array(String)}) AS counts
FROM telemetry
WHERE __FILTERS__
    AND {f_error:Bool}
    AND error_text != ''
    AND (empty({tokens:Array(String)}) OR hasAllTokens(lower(error_text), {tokens:Array(String)}))
    AND lower(error_text) LIKE {like:String}
    AND arrayAll(t -> positionCaseInsensitiveUTF8(error_text, t) > 0, {terms:Array(String)})
    AND arrayAll(p -> match(error_text, p), {patterns:Array(String)})
    AND NOT (
        (({f_prompt:Bool} AND event = 'user_prompt') OR ({f_tool:Bool} AND event = 'tool_result'))
        AND (empty({tokens:Array(String)}) OR hasAllTokens(lower(text), {tokens:Array(String)}))
        AND lower(text) LIKE {like:String}
        AND arrayAll(t -> positionCaseInsensitiveUTF8(text, t) > 0, {terms:Array(String)})
        AND arrayAll(p -> match(text, p), {patterns:Array(String)}))
