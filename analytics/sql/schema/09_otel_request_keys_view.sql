-- The keys a transcript request is matched on to the API requests OpenTelemetry
-- recorded (DESIGN.md rule 10): each one's request id, or, for one without, its
-- session, model and second give a key for every second from 5 s before to 5 s
-- after it (cc_request_time_key). Reads otel_logs with the attributes otel_events
-- maps to request_id, session_id and model (it is read once more per query of
-- telemetry: the fewer expressions, the less it costs).
CREATE OR REPLACE VIEW otel_request_keys AS
SELECT arrayJoin(if(LogAttributes['request_id'] != '', [LogAttributes['request_id']],
                    arrayMap(d -> cc_request_time_key(LogAttributes['session.id'], LogAttributes['model'],
                                                      toInt64(toUnixTimestamp(Timestamp)) + d),
                             range(-5, 6))))
       AS match_key
FROM otel_logs
WHERE ServiceName = 'claude-code' AND cc_otel_event(Body, LogAttributes['event.name']) = 'api_request'
