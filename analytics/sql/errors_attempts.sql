-- Distribution of the OTel `attempt` attribute (total tries of an API call;
-- api_error is emitted once after the retries). Rows without it (0) are left out.
SELECT
    event,
    attempt,
    count() AS n
FROM telemetry
WHERE event IN ('api_request', 'api_error') AND attempt > 0 AND __FILTERS__
GROUP BY event, attempt
ORDER BY event, attempt
