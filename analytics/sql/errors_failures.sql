-- What failed in a span, for the Error Rate Monitor: API requests, API errors
-- by class (the stored error_type when it is one of the taxonomy's, else
-- cc_error_type(status, text)), tool results and failed ones (user rejections
-- excluded), and the user's rejections and interruptions (tool_decision).
SELECT
    multiIf(event = 'api_error',
            concat('api_error:', if(error_type IN ('rate_limit', 'overloaded', 'auth', 'server', 'timeout', 'client', 'other'),
                                    toString(error_type), cc_error_type(status_code, error_text))),
            event = 'tool_result' AND success = 0 AND error_type != 'user_rejected', 'tool_failed',
            event = 'tool_decision', concat('decision:', toString(decision)),
            toString(event)) AS kind,
    count() AS n
FROM telemetry
WHERE event IN ('api_request', 'api_error', 'tool_result', 'tool_decision') AND __FILTERS__
GROUP BY kind
ORDER BY kind
