SELECT DISTINCT model FROM ingest_parsed WHERE reason = '' AND type = 'assistant' AND NOT is_api_error
