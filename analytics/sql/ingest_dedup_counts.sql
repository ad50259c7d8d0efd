-- How many assistant lines collapsed into one response, and why (rules 1-2).
WITH k AS (
    SELECT request_key AS key, is_sidechain
    FROM ingest_parsed
    WHERE reason = '' AND type = 'assistant' AND NOT is_api_error
)
SELECT
    count() AS lines,
    uniqExact(key) AS responses,
    countIf(is_sidechain AND key IN (SELECT key FROM k WHERE NOT is_sidechain)) AS sidechain_replays
FROM k
