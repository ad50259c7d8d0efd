-- Whether some session has two rows of rollup_session_metrics in one hour
-- under the filters (events of two sources, projects or users in one hour):
-- then sessions_metrics_rollup.sql cannot order its events, and the raw query answers.
SELECT count() > 0 AS split
FROM
(
    SELECT session_id, ts
    FROM (SELECT ts, session_id, source, project, repository, user, '' AS model
          FROM rollup_session_metrics WHERE hidden = 0)
    WHERE __FILTERS__
    GROUP BY session_id, ts
    HAVING count() > 1
    LIMIT 1
)
