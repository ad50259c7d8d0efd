-- overview_options.sql from the hourly rollup (analytics/rollups.py): its rows
-- carry the same columns, and `n` counts their events.
WITH mine AS (SELECT project, repository, model, event, user, source, n FROM rollup_hourly
              WHERE hidden = 0 AND (empty({users:Array(String)}) OR user IN {users:Array(String)}))
SELECT kind, value, n FROM (
    SELECT 'project' AS kind, project AS value, sum(n) AS n FROM mine WHERE project != '' GROUP BY project
    UNION ALL
    SELECT 'repository', repository, sum(n) FROM mine WHERE repository != '' GROUP BY repository
    UNION ALL
    SELECT 'model', toString(model), sum(n) FROM mine WHERE model != '' AND event = 'api_request' GROUP BY model
    UNION ALL
    SELECT 'user', user, sum(n) FROM mine GROUP BY user
    UNION ALL
    SELECT 'source', toString(source), sum(n) FROM mine GROUP BY source
)
ORDER BY kind, n DESC, value
