-- errors_by_type.sql from the hourly error detail (analytics/rollups.py): a
-- row's (last_ts, example) is its latest error, so the greatest pair is the
-- window's; sessions count exactly, each api_error row holding its session.
SELECT
    error_class,
    status_code,
    sum(n) AS errors,
    uniqExact(session_id) AS sessions,
    toUnixTimestamp64Milli(min(first_ts)) AS first_ms,
    toUnixTimestamp64Milli(max(last_ts)) AS last_ms,
    argMax(example, (last_ts, example)) AS example
FROM rollup_errors
WHERE hidden = 0 AND event = 'api_error' AND __FILTERS__
GROUP BY error_class, status_code
ORDER BY errors DESC, error_class, status_code
