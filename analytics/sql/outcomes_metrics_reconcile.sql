-- Claude Code's cost and token metrics (claude_code.cost.usage and
-- claude_code.token.usage, as increases through otel_outcomes) against the API
-- request events of the same sessions (telemetry, each request once), per
-- session and model, under the same filters on both sides. Only sessions with
-- such metrics are compared; a session and model present on one side only has 0
-- on the other. The metric's token `type` is input, output, cacheRead or
-- cacheCreation; the events' cache writes are their 5-minute and 1-hour writes.
WITH
m AS (
    SELECT
        session_id, model,
        sumIf(increase, kind = 'cost') AS cost,
        sumIf(increase, kind = 'tokens' AND type = 'input') AS input,
        sumIf(increase, kind = 'tokens' AND type = 'output') AS output,
        sumIf(increase, kind = 'tokens' AND type = 'cacheRead') AS cache_read,
        sumIf(increase, kind = 'tokens' AND type = 'cacheCreation') AS cache_write
    FROM otel_outcomes
    WHERE kind IN ('cost', 'tokens') AND session_id != '' AND __FILTERS__
    GROUP BY session_id, model
),
e AS (
    SELECT
        session_id, model,
        count() AS requests,
        countIf(cost_usd IS NULL) AS unpriced_requests,
        ifNull(sum(cost_usd), 0) AS cost,
        sum(input_tokens) AS input,
        sum(output_tokens) AS output,
        sum(cache_read_tokens) AS cache_read,
        sum(cache_write_5m_tokens + cache_write_1h_tokens) AS cache_write
    FROM telemetry
    WHERE event = 'api_request' AND session_id IN (SELECT session_id FROM m) AND __FILTERS__
    GROUP BY session_id, model
)
SELECT
    if(ifNull(e.session_id, '') != '', e.session_id, m.session_id) AS session_id,
    if(ifNull(e.session_id, '') != '', e.model, m.model) AS model,
    toInt64(ifNull(e.requests, 0)) AS requests,
    toInt64(ifNull(e.unpriced_requests, 0)) AS unpriced_requests,
    toFloat64(ifNull(e.cost, 0)) AS events_cost_usd,
    toFloat64(ifNull(m.cost, 0)) AS metrics_cost_usd,
    toFloat64(ifNull(e.input, 0)) AS events_input_tokens,
    toFloat64(ifNull(m.input, 0)) AS metrics_input_tokens,
    toFloat64(ifNull(e.output, 0)) AS events_output_tokens,
    toFloat64(ifNull(m.output, 0)) AS metrics_output_tokens,
    toFloat64(ifNull(e.cache_read, 0)) AS events_cache_read_tokens,
    toFloat64(ifNull(m.cache_read, 0)) AS metrics_cache_read_tokens,
    toFloat64(ifNull(e.cache_write, 0)) AS events_cache_write_tokens,
    toFloat64(ifNull(m.cache_write, 0)) AS metrics_cache_write_tokens
FROM e
FULL OUTER JOIN m ON e.session_id = m.session_id AND e.model = m.model
ORDER BY session_id, model
