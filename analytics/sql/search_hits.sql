-- Ranked matching events. relevance = field weight (`weights[i]` for the
-- field `weighted_fields[i]`) x sum over terms of ln(1 + case-insensitive
-- occurrences of the term in the field); recency = 0.5 + 0.5 x
-- 2^(-age / half-life), age = ref - ts in days (>= 0); score = relevance x
-- recency; ties: newer first, then event id.
SELECT
    event_id,
    session_id,
    ts,
    toString(event) AS event_name,
    toString(tool) AS tool_name,
    toString(model) AS model_name,
    project,
    field,
    content,
    arraySum(counts) AS term_hits,
    {weights:Array(Float64)}[indexOf({weighted_fields:Array(String)}, field)]
        * arraySum(arrayMap(c -> log(1 + c), counts)) AS relevance,
    0.5 + 0.5 * exp2(-greatest(0, dateDiff('millisecond', ts, {ref:DateTime64(3, 'UTC')})) / 86400000
                     / {half_life_days:Float64}) AS recency,
    relevance * recency AS score
FROM
(
    __MATCHES__
)
ORDER BY score DESC, ts DESC, event_id
LIMIT {limit:UInt32}
