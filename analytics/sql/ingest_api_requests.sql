-- One api_request per API response (DESIGN.md section 4, rules 1-5): lines are
-- grouped by message.id (falling back to requestId, then the line uuid); the
-- kept line is the parent's over a sidechain replay, then the one with the
-- largest token total. Cost = tokens x the rates of the request's own tier.
INSERT INTO ingest_events (ts, source, event, session_id, request_id, message_id, event_id, project, cwd,
    git_branch, cc_version, model, is_sidechain, agent_id, input_tokens, output_tokens, cache_read_tokens,
    cache_write_5m_tokens, cache_write_1h_tokens, cost_usd, cost_source, success, version)
WITH req AS (
    SELECT
        if(msg_id != '', msg_id, if(request_id != '', request_id, uuid)) AS key,
        argMax(tuple(ts, session_id, request_id, msg_id, cwd, git_branch, cc_version, model, is_sidechain, agent_id,
                     input_tokens, output_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens), v) AS r,
        max(v) AS version
    FROM
    (
        SELECT *, toUInt64(NOT is_sidechain) * 1099511627776
                  + input_tokens + output_tokens + cache_read_tokens + cache_write_tokens AS v
        FROM ingest_parsed
        WHERE reason = '' AND type = 'assistant' AND NOT is_api_error
    )
    GROUP BY key
)
SELECT
    r.1, 'jsonl', 'api_request', r.2, r.3, r.4, concat('req:', key), r.5, r.5, r.6, r.7, r.8, r.9, r.10,
    r.11, r.12, r.13, r.14, r.15,
    if(p.model = '' OR isNaN(p.input), NULL,
       r.11 * p.input + r.12 * p.output + r.13 * p.cache_read + r.14 * p.cache_write_5m + r.15 * p.cache_write_1h),
    if(p.model = '' OR isNaN(p.input), 'unpriced', 'computed'),
    1,
    version
FROM req
ASOF LEFT JOIN (SELECT * FROM prices FINAL) AS p
    ON r.8 = p.model AND (r.11 + r.13 + r.14 + r.15) >= p.tier_start
