-- Whether any stored row lies at or after {split:DateTime('UTC')}, hidden or not, of any source
-- (events, or otel_logs whatever its service): when none does, the events add nothing to the
-- hourly totals before it, and a window ending after it is answered by the totals alone.
SELECT (SELECT count() FROM (SELECT 1 FROM events WHERE ts >= {split:DateTime('UTC')} LIMIT 1))
     + (SELECT count() FROM (SELECT 1 FROM otel_logs WHERE Timestamp >= {split:DateTime('UTC')} LIMIT 1))
