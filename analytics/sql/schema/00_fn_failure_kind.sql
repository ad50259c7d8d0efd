-- What an event counts as in the error monitor's classes: an API error by its
-- class (the stored error_type when it is one of the taxonomy's, else
-- cc_error_type), a failed tool result (user rejections excluded), a user's
-- decision, or the event type itself. Shared by errors_failures.sql and the
-- hourly rollup, which keeps it as `kind`.
CREATE OR REPLACE FUNCTION cc_failure_kind AS (event, error_type, status_code, error_text, success, decision) -> multiIf(
    event = 'api_error',
    concat('api_error:', if(error_type IN ('rate_limit', 'overloaded', 'auth', 'server', 'timeout', 'client', 'other'),
                            toString(error_type), cc_error_type(status_code, error_text))),
    event = 'tool_result' AND success = 0 AND error_type != 'user_rejected', 'tool_failed',
    event = 'tool_decision', concat('decision:', toString(decision)),
    toString(event))
