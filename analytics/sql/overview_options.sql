-- Values the sidebar filters offer (most used first): of the whole store, or of
-- the given users' events when the list is not empty (a per-user view).
WITH mine AS (SELECT project, repository, model, event, user, source FROM telemetry
              WHERE empty({users:Array(String)}) OR user IN {users:Array(String)})
SELECT kind, value, n FROM (
    SELECT 'project' AS kind, project AS value, count() AS n FROM mine WHERE project != '' GROUP BY project
    UNION ALL
    SELECT 'repository', repository, count() FROM mine WHERE repository != '' GROUP BY repository
    UNION ALL
    SELECT 'model', model, count() FROM mine WHERE model != '' AND event = 'api_request' GROUP BY model
    UNION ALL
    SELECT 'user', user, count() FROM mine GROUP BY user
    UNION ALL
    SELECT 'source', source, count() FROM mine GROUP BY source
)
ORDER BY kind, n DESC, value
