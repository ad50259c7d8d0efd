-- Rows of one OTLP JSON import, shaped like otel_logs, before the anti-join
-- against otel_logs decides which are new. Truncated before and after a run.
CREATE TABLE IF NOT EXISTS otel_import_stage
(
    Timestamp DateTime64(9),
    TraceId String,
    SpanId String,
    TraceFlags UInt8,
    SeverityText String,
    SeverityNumber UInt8,
    ServiceName String,
    Body String,
    ResourceSchemaUrl String,
    ResourceAttributes Map(String, String),
    ScopeSchemaUrl String,
    ScopeName String,
    ScopeVersion String,
    ScopeAttributes Map(String, String),
    LogAttributes Map(String, String),
    EventName String
)
ENGINE = Memory
