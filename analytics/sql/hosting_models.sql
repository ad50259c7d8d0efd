-- Models with API requests in the telemetry, for the price book of a store that
-- was filled by the OpenTelemetry Collector rather than by an ingest.
SELECT DISTINCT toString(model) AS model
FROM telemetry
WHERE event = 'api_request' AND model != ''
ORDER BY model
