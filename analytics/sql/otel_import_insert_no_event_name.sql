-- otel_import_insert for an otel_logs table created by an exporter release
-- without the EventName column (the exporter then does not write it either).
INSERT INTO otel_logs (Timestamp, TraceId, SpanId, TraceFlags, SeverityText, SeverityNumber, ServiceName, Body,
    ResourceSchemaUrl, ResourceAttributes, ScopeSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes, LogAttributes)
SELECT Timestamp, TraceId, SpanId, TraceFlags, SeverityText, SeverityNumber, ServiceName, Body,
    ResourceSchemaUrl, ResourceAttributes, ScopeSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes, LogAttributes
FROM otel_import_stage
WHERE cityHash64(Timestamp, ServiceName, Body, LogAttributes) NOT IN (
    SELECT cityHash64(toDateTime64(Timestamp, 9), toString(ServiceName), Body, CAST(LogAttributes, 'Map(String, String)'))
    FROM otel_logs
    WHERE Timestamp >= (SELECT min(Timestamp) FROM otel_import_stage)
      AND Timestamp <= (SELECT max(Timestamp) FROM otel_import_stage)
)
ORDER BY Timestamp
LIMIT 1 BY cityHash64(Timestamp, ServiceName, Body, LogAttributes)
