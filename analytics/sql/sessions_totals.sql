-- Headline figures over the sessions of the window (analytics.sessions.load_session_totals): what
-- session_totals computes from the session table, aggregated here so no session row leaves the store.
-- The placeholder below is the session table's query (sessions_metrics or its rollup twin). Medians are exact
-- (linear between the two middle values, as pandas); cost is over priced sessions (NaN when none).
SELECT
    count() AS t_sessions,
    ifNull(sum(cost_usd), nan) AS t_cost_usd,
    ifNull(quantileExactInclusive(0.5)(cost_usd), nan) AS t_median_cost_usd,
    quantileExactInclusive(0.5)(toFloat64(duration_s)) AS t_median_duration_s,
    quantileExactInclusive(0.5)(toFloat64(active_s)) AS t_median_active_s,
    sum(tool_errors + api_errors) AS t_failed,
    sum(tool_calls + requests + api_errors) AS t_operations
FROM
(
__SESSIONS__
)
