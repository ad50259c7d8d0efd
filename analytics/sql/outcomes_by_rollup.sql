-- outcomes_by.sql with the spend from rollup_sessions (analytics/rollups.py): each row holds an hour
-- of one session's requests under its filter columns (count, priced, cost, first request), so the
-- spend per group and each session's main model are sums over those rows instead of over every
-- request. The outcomes are read as in outcomes_by.sql. Not for a split by cc_version (the rows do
-- not carry it).
WITH
    main AS (
        SELECT session_id, argMax(model, (spent, model)) AS main_model
        FROM (
            SELECT session_id, model, sum(cost_usd) AS spent
            FROM rollup_sessions
            WHERE {by:String} = 'model' AND hidden = 0 AND requests > 0 AND __FILTERS__
            GROUP BY session_id, model
        )
        GROUP BY session_id
    ),
    spend AS (
        SELECT
            multiIf({by:String} = 'model', r.model, {by:String} = 'project', r.project,
                    {by:String} = 'repository', r.repository, {by:String} = 'user', r.user,
                    {by:String} = 'week', toString(toStartOfWeek(r.ts, 1, {tz:String})),
                    {by:String} = 'session', r.session_id, '') AS key,
            sum(r.requests) AS requests,
            sum(r.requests - r.priced) AS unpriced_requests,
            sum(r.cost_usd) AS cost_usd,
            uniqExact(r.session_id) AS sessions,
            min(arrayMin(r.request_ts)) AS first_ts,
            argMin(r.project, arrayMin(r.request_ts)) AS any_project
        FROM rollup_sessions AS r
        WHERE r.hidden = 0 AND r.requests > 0 AND __FILTERS__
        GROUP BY key
    ),
__OUTCOMES_JOINED__
