-- Whether the store holds any API request read from a transcript (1) or none (0):
-- the requests `telemetry` matches with OpenTelemetry's.
SELECT count() FROM (SELECT 1 FROM events WHERE event = 'api_request' AND source = 'jsonl' LIMIT 1)
