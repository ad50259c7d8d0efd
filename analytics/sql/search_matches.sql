-- Fragment, not a query: one row per matching event, inserted where the
-- search queries write __MATCHES__. Fields: prompt (user_prompt.text),
-- tool_input (tool_result.text), assistant (api_request.text: the response's
-- text blocks), tool_output (tool_result.output_text: the first 4,000
-- characters of the output), error (error_text of any event). An event that
-- matches in several fields is one row, under the first of its text field,
-- its error and its tool output.
-- A field matches when it has every prefilter token as a whole token (the
-- text indexes idx_text / idx_error / idx_output on lower(...) skip granules;
-- each branch is a plain conjunction so its index applies), passes the LIKE prefilter, contains
-- every term case-insensitively and matches every term pattern. When the tokens
-- alone decide (`exact`: every term is one whole ASCII word), the other checks
-- are skipped, so the indexes answer the match without the text being read.
-- Every value is a bound parameter built from the user's query.
SELECT
    event_id, session_id, ts, seq, event, tool, model, project,
    multiIf(event = 'user_prompt', 'prompt', event = 'api_request', 'assistant', 'tool_input') AS field,
    text AS content,
    arrayMap(t -> countSubstringsCaseInsensitiveUTF8(text, t), {terms:Array(String)}) AS counts
FROM telemetry
WHERE __FILTERS__
    AND (({f_prompt:Bool} AND event = 'user_prompt') OR ({f_tool:Bool} AND event = 'tool_result')
         OR ({f_assistant:Bool} AND event = 'api_request'))
    AND (empty({tokens:Array(String)}) OR hasAllTokens(lower(text), {tokens:Array(String)}))
    AND ({exact:Bool} OR (lower(text) LIKE {like:String}
         AND arrayAll(t -> positionCaseInsensitiveUTF8(text, t) > 0, {terms:Array(String)})
         AND arrayAll(p -> match(text, p), {patterns:Array(String)})))
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
    AND ({exact:Bool} OR (lower(error_text) LIKE {like:String}
         AND arrayAll(t -> positionCaseInsensitiveUTF8(error_text, t) > 0, {terms:Array(String)})
         AND arrayAll(p -> match(error_text, p), {patterns:Array(String)})))
    AND NOT (
        (({f_prompt:Bool} AND event = 'user_prompt') OR ({f_tool:Bool} AND event = 'tool_result')
         OR ({f_assistant:Bool} AND event = 'api_request'))
        AND (empty({tokens:Array(String)}) OR hasAllTokens(lower(text), {tokens:Array(String)}))
        AND ({exact:Bool} OR (lower(text) LIKE {like:String}
             AND arrayAll(t -> positionCaseInsensitiveUTF8(text, t) > 0, {terms:Array(String)})
             AND arrayAll(p -> match(text, p), {patterns:Array(String)}))))
UNION ALL
SELECT
    event_id, session_id, ts, seq, event, tool, model, project,
    'tool_output' AS field,
    output_text AS content,
    arrayMap(t -> countSubstringsCaseInsensitiveUTF8(output_text, t), {terms:Array(String)}) AS counts
FROM telemetry
WHERE __FILTERS__
    AND {f_output:Bool}
    AND event = 'tool_result'
    AND output_text != ''
    AND (empty({tokens:Array(String)}) OR hasAllTokens(lower(output_text), {tokens:Array(String)}))
    AND ({exact:Bool} OR (lower(output_text) LIKE {like:String}
         AND arrayAll(t -> positionCaseInsensitiveUTF8(output_text, t) > 0, {terms:Array(String)})
         AND arrayAll(p -> match(output_text, p), {patterns:Array(String)})))
    AND NOT (
        {f_tool:Bool}
        AND (empty({tokens:Array(String)}) OR hasAllTokens(lower(text), {tokens:Array(String)}))
        AND ({exact:Bool} OR (lower(text) LIKE {like:String}
             AND arrayAll(t -> positionCaseInsensitiveUTF8(text, t) > 0, {terms:Array(String)})
             AND arrayAll(p -> match(text, p), {patterns:Array(String)}))))
    AND NOT (
        {f_error:Bool}
        AND error_text != ''
        AND (empty({tokens:Array(String)}) OR hasAllTokens(lower(error_text), {tokens:Array(String)}))
        AND ({exact:Bool} OR (lower(error_text) LIKE {like:String}
             AND arrayAll(t -> positionCaseInsensitiveUTF8(error_text, t) > 0, {terms:Array(String)})
             AND arrayAll(p -> match(error_text, p), {patterns:Array(String)}))))
