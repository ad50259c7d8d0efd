SELECT DISTINCT model FROM ingest_events WHERE event = 'api_request' AND cost_source = 'unpriced' ORDER BY model
