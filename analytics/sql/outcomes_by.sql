-- What the spend bought, per group (docs/OUTCOMES.md): the spend of the API
-- requests (telemetry) and the outcomes (outcome_events) under the same
-- filters, each summed per group in the engine and joined on the group's key.
-- {by} is a bound value from outcomes.GROUPS ('' for one row of totals),
-- never an identifier: model, project, repository, user, cc_version, week
-- (Monday of the reporting time zone, as YYYY-MM-DD) or session. A reported
-- outcome carries no model: it counts for its session's main model (the one
-- it spent most on; of two alike, the later name). A group's project is that
-- of its first request. Files are distinct paths of derived edits.
WITH
    main AS (
        SELECT session_id, argMax(model, (spent, model)) AS main_model
        FROM (
            SELECT session_id, model, sum(ifNull(cost_usd, 0)) AS spent
            FROM telemetry
            -- only a split by model reads it: other splits skip this grouping of every request
            WHERE {by:String} = 'model' AND event = 'api_request' AND __FILTERS__
            GROUP BY session_id, model
        )
        GROUP BY session_id
    ),
    spend AS (
        SELECT
            multiIf({by:String} = 'model', t.model, {by:String} = 'project', t.project,
                    {by:String} = 'repository', t.repository, {by:String} = 'user', t.user,
                    {by:String} = 'cc_version', t.cc_version,
                    {by:String} = 'week', toString(toStartOfWeek(t.ts, 1, {tz:String})),
                    {by:String} = 'session', t.session_id, '') AS key,
            count() AS requests,
            countIf(t.cost_usd IS NULL) AS unpriced_requests,
            ifNull(sum(t.cost_usd), 0) AS cost_usd,
            uniqExact(t.session_id) AS sessions,
            min(t.ts) AS first_ts,
            argMin(t.project, t.ts) AS any_project
        FROM telemetry AS t
        WHERE event = 'api_request' AND __FILTERS__
        GROUP BY key
    ),
__OUTCOMES_JOINED__
