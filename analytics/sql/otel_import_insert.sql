-- Append the staged records whose fingerprint is not in otel_logs yet, one row
-- per fingerprint (the same record read twice in one run is kept once).
INSERT INTO otel_logs (Timestamp, TraceId, SpanId, TraceFlags, SeverityText, SeverityNumber, ServiceName, Body,
    ResourceSchemaUrl, ResourceAttributes, ScopeSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes, LogAttributes,
    EventName)
SELECT Timestamp, TraceId, SpanId, TraceFlags, SeverityText, SeverityNumber, ServiceName, Body,
    ResourceSchemaUrl, ResourceAttributes, ScopeSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes, LogAttributes,
    EventName
FROM otel_import_stage
WHERE cityHash64(Timestamp, ServiceName, Body, LogAttributes) NOT IN (
    SELECT cityHash64(toDateTime64(Timestamp, 9), toString(ServiceName), Body, CAST(LogAttributes, 'Map(String, String)'))
    FROM otel_logs
    WHERE Timestamp >= (SELECT min(Timestamp) FROM otel_import_stage)
      AND Timestamp <= (SELECT max(Timestamp) FROM otel_import_stage)
)
ORDER BY Timestamp
LIMIT 1 BY cityHash64(Timestamp, ServiceName, Body, LogAttributes)
