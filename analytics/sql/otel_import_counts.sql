-- Staged records, and how many distinct fingerprints among them are not yet in
-- otel_logs (the rows otel_import_insert will add). A fingerprint is
-- cityHash64(Timestamp, ServiceName, Body, LogAttributes); only otel_logs rows
-- inside the staged time range are hashed.
SELECT
    count() AS records,
    uniqExactIf(fp, fp NOT IN (
        SELECT cityHash64(toDateTime64(Timestamp, 9), toString(ServiceName), Body, CAST(LogAttributes, 'Map(String, String)'))
        FROM otel_logs
        WHERE Timestamp >= (SELECT min(Timestamp) FROM otel_import_stage)
          AND Timestamp <= (SELECT max(Timestamp) FROM otel_import_stage)
    )) AS new_records
FROM
(
    SELECT cityHash64(Timestamp, ServiceName, Body, LogAttributes) AS fp
    FROM otel_import_stage
)
