-- The outcomes per group and their join with the spend, shared by outcomes_by.sql and its rollup
-- twin, which write its name in capitals between double underscores after their `main` and `spend` CTEs.
    made AS (
        SELECT
            multiIf({by:String} = 'model', if(o.model != '', o.model, main.main_model), {by:String} = 'project', o.project,
                    {by:String} = 'repository', o.repository, {by:String} = 'user', o.user,
                    {by:String} = 'cc_version', o.cc_version,
                    {by:String} = 'week', toString(toStartOfWeek(o.ts, 1, {tz:String})),
                    {by:String} = 'session', o.session_id, '') AS key,
            sumIf(o.value, o.kind = 'commit') AS commits,
            sumIf(o.value, o.kind = 'pull_request') AS pull_requests,
            sum(o.lines_added) AS lines_added,
            sum(o.lines_removed) AS lines_removed,
            uniqExactIf(o.ref, o.kind = 'lines' AND o.ref != '') AS files,
            sumIf(o.value, o.kind = 'edit_decision' AND o.decision = 'accept') AS accepted_edits,
            sumIf(o.value, o.kind = 'edit_decision' AND o.decision = 'reject') AS rejected_edits,
            sum(o.seconds) AS active_seconds,
            countIf(o.outcome_source = 'derived') AS derived_rows,
            countIf(o.outcome_source = 'reported') AS reported_rows,
            min(o.ts) AS first_outcome_ts,
            any(o.project) AS outcome_project
        FROM outcome_events AS o
        LEFT JOIN main ON main.session_id = o.session_id
        WHERE __FILTERS__
        GROUP BY key
    )
SELECT
    if(ifNull(spend.requests, 0) > 0, spend.key, made.key) AS key,
    ifNull(spend.requests, 0) AS requests,
    ifNull(spend.unpriced_requests, 0) AS unpriced_requests,
    ifNull(spend.cost_usd, 0) AS cost_usd,
    ifNull(spend.sessions, 0) AS sessions,
    toInt64(ifNull(made.commits, 0)) AS commits,
    toInt64(ifNull(made.pull_requests, 0)) AS pull_requests,
    toInt64(ifNull(made.lines_added, 0)) AS lines_added,
    toInt64(ifNull(made.lines_removed, 0)) AS lines_removed,
    ifNull(made.files, 0) AS files,
    toInt64(ifNull(made.accepted_edits, 0)) AS accepted_edits,
    toInt64(ifNull(made.rejected_edits, 0)) AS rejected_edits,
    ifNull(made.active_seconds, 0) AS active_seconds,
    ifNull(made.derived_rows, 0) AS derived_rows,
    ifNull(made.reported_rows, 0) AS reported_rows,
    if(ifNull(spend.requests, 0) > 0, spend.first_ts, made.first_outcome_ts) AS first_ts,
    if(ifNull(spend.requests, 0) > 0, spend.any_project, made.outcome_project) AS project
FROM spend
FULL OUTER JOIN made ON spend.key = made.key
-- a group with neither a request nor any outcome (only turns of zero active seconds) is left out
WHERE requests > 0 OR commits + pull_requests + lines_added + lines_removed + accepted_edits + rejected_edits > 0
   OR active_seconds > 0
ORDER BY cost_usd DESC, key
