-- errors_failures.sql from the hourly rollup (analytics/rollups.py): `kind` is kept there.
SELECT toString(kind) AS kind, sum(n) AS n
FROM rollup_hourly
WHERE hidden = 0 AND event IN ('api_request', 'api_error', 'tool_result', 'tool_decision') AND __FILTERS__
GROUP BY kind
ORDER BY kind
