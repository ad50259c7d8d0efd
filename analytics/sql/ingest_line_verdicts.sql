-- Lines of this run by verdict ('' = usable) and type.
SELECT reason, type, count() AS lines
FROM ingest_parsed
GROUP BY reason, type
