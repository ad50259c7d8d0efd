-- What failed in a span, for the Error Rate Monitor: API requests, API errors
-- by class (the stored error_type when it is one of the taxonomy's, else
-- cc_error_type(status, text)), tool results and failed ones (user rejections
-- excluded), and the user's rejections and interruptions (tool_decision).
SELECT
    cc_failure_kind(event, error_type, status_code, error_text, success, decision) AS kind,
    count() AS n
FROM telemetry
WHERE event IN ('api_request', 'api_error', 'tool_result', 'tool_decision') AND __FILTERS__
GROUP BY kind
ORDER BY kind
