-- Values the sidebar filters offer (whole store, most used first).
SELECT kind, value, n FROM (
    SELECT 'project' AS kind, project AS value, count() AS n FROM telemetry WHERE project != '' GROUP BY project
    UNION ALL
    SELECT 'model', model, count() FROM telemetry WHERE model != '' AND event = 'api_request' GROUP BY model
    UNION ALL
    SELECT 'user', user, count() FROM telemetry GROUP BY user
    UNION ALL
    SELECT 'source', source, count() FROM telemetry GROUP BY source
)
ORDER BY kind, n DESC
