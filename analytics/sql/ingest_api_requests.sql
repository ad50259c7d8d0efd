-- One api_request per API response (DESIGN.md section 4, rules 1-5): lines are
-- grouped by request_key (message.id, falling back to requestId, then the line
-- uuid); the kept line is the parent's over a sidechain replay, then the one
-- with the largest token total. Cost = tokens x the rates of the request's own
-- tier.
--
-- The response's lines on its kept side (parent or replay), from this run and
-- earlier ones (transcript_lines), give the rest: `ts` is its last line's time;
-- `text` its text blocks in order (first 4,000 characters); and its duration
-- (rule 13, 'derived') runs from the line that prompted it (the user prompt or
-- tool_result line its first line's parentUuid names) to its last line. The
-- first line is the earliest whose parent is not a line of the same response.
-- No prompting line (a missing parent, or one that is not a user line), or a
-- duration below 0 or above the bound (`max_ms`, ms) gives NULL, never a made-up value.
INSERT INTO ingest_events (ts, source, event, session_id, request_id, message_id, event_id, project, repository,
    cwd, git_branch, cc_version, model, is_sidechain, agent_id, input_tokens, output_tokens, cache_read_tokens,
    cache_write_5m_tokens, cache_write_1h_tokens, cost_usd, cost_source, duration_ms, duration_source, success, text,
    version)
WITH
lines AS (
    SELECT *
    FROM ingest_parsed
    WHERE reason = '' AND type = 'assistant' AND NOT is_api_error
),
req AS (
    SELECT
        request_key AS key,
        argMax(tuple(session_id, request_id, msg_id, cwd, git_branch, cc_version, model, is_sidechain, agent_id,
                     input_tokens, output_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens,
                     file_id), v) AS r,
        max(v) AS version
    FROM
    (
        SELECT *, toUInt64(NOT is_sidechain) * 1099511627776
                  + input_tokens + output_tokens + cache_read_tokens + cache_write_tokens AS v
        FROM lines
    )
    GROUP BY key
),
span AS (
    SELECT
        key,
        -- the kept side's lines (the parent's over a replay), each once however often it was read
        arraySort(arrayFilter(x -> x.5 = side, arrayDistinct(ls))) AS ordered,
        arrayMap(x -> x.2, ordered) AS uuids,
        tuple(arrayFirst(x -> NOT has(uuids, x.3), ordered).3,
              ordered[-1].1,
              substringUTF8(arrayStringConcat(arrayFilter(s -> s != '', arrayMap(x -> x.4, ordered)), '\n'), 1, 4000))
            AS s
    FROM
    (
        SELECT request_key AS key, groupArray(tuple(ts, uuid, parent_uuid, text, is_sidechain)) AS ls,
               min(is_sidechain) AS side
        FROM
        (
            SELECT request_key, if(uuid != '', uuid, concat('#', toString(file_id), ':', toString(line_no))) AS uuid,
                   ts, parent_uuid, substringUTF8(text, 1, 4000) AS text, is_sidechain
            FROM lines
            UNION ALL
            SELECT request_key, uuid, ts, parent_uuid, text, is_sidechain
            FROM transcript_lines
            WHERE request_key IN (SELECT request_key FROM lines)
        )
        GROUP BY key
    )
)
SELECT
    span.s.2, 'jsonl', 'api_request', r.1, r.2, r.3, concat('req:', req.key),
    cc_home_label(c.project), cc_repository_label(c.project, c.repository),
    r.4, r.5, r.6, r.7, r.8, r.9,
    r.10, r.11, r.12, r.13, r.14,
    if(p.model = '' OR isNaN(p.input), NULL,
       r.10 * p.input + r.11 * p.output + r.12 * p.cache_read + r.13 * p.cache_write_5m + r.14 * p.cache_write_1h),
    if(p.model = '' OR isNaN(p.input), 'unpriced', 'computed'),
    if((if(prompt.uuid = '', NULL, dateDiff('millisecond', prompt.ts, span.s.2)) AS elapsed) BETWEEN 0 AND {max_ms:Int64},
       toFloat64(elapsed), NULL),
    if(elapsed BETWEEN 0 AND {max_ms:Int64}, 'derived', ''),
    1,
    span.s.3,
    {format:UInt64} * 281474976710656 + req.version
FROM req
INNER JOIN span ON span.key = req.key
LEFT JOIN
(
    -- prompting lines: this run's user lines, and stored ones a response of this run may name
    SELECT uuid, min(ts) AS ts
    FROM
    (
        SELECT uuid, ts FROM ingest_parsed WHERE reason = '' AND type = 'user' AND NOT is_meta AND uuid != ''
        UNION ALL
        SELECT uuid, ts FROM transcript_lines
        WHERE prompting AND uuid IN (
            SELECT parent_uuid FROM lines
            UNION ALL
            SELECT parent_uuid FROM transcript_lines WHERE request_key IN (SELECT request_key FROM lines))
    )
    GROUP BY uuid
) AS prompt ON prompt.uuid = span.s.1
LEFT JOIN ingest_chunks AS c ON c.file_id = req.r.15
ASOF LEFT JOIN (SELECT * FROM prices FINAL) AS p
    ON req.r.7 = p.model AND (req.r.10 + req.r.12 + req.r.13 + req.r.14) >= p.tier_start
