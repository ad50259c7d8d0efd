-- The key a request without a request id is matched on across the sources
-- (DESIGN.md rule 10): its session, model and second (Unix time).
CREATE OR REPLACE FUNCTION cc_request_time_key AS (session_id, model, second) ->
    concat(session_id, '/', model, '/', toString(second))
