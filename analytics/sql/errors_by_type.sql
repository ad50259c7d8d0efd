-- API errors by class and HTTP status. The class is the stored error_type when
-- it is one of the taxonomy's, else cc_error_type(status, text): rate_limit
-- (429), overloaded (529), auth (401/403), server (5xx), timeout, client (4xx),
-- other. The example is the latest error's text (the greater text at a tie).
SELECT
    if(error_type IN ('rate_limit', 'overloaded', 'auth', 'server', 'timeout', 'client', 'other'),
       toString(error_type), cc_error_type(status_code, error_text)) AS error_class,
    status_code,
    count() AS errors,
    uniqExact(session_id) AS sessions,
    toUnixTimestamp64Milli(min(ts)) AS first_ms,
    toUnixTimestamp64Milli(max(ts)) AS last_ms,
    argMax(substring(error_text, 1, 300), (ts, substring(error_text, 1, 300))) AS example
FROM telemetry
WHERE event = 'api_error' AND __FILTERS__
GROUP BY error_class, status_code
ORDER BY errors DESC, error_class, status_code
