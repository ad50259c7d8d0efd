-- errors_attempts.sql from the hourly error detail (analytics/rollups.py).
SELECT event, attempt, sum(n) AS n
FROM rollup_errors
WHERE hidden = 0 AND event IN ('api_request', 'api_error') AND attempt > 0 AND __FILTERS__
GROUP BY event, attempt
ORDER BY event, attempt
