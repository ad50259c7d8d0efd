-- Scratch table of `ingest --otel` for metrics bodies: the sum points of one
-- import, in otel_metrics_sum's types, before the ones not stored yet are
-- appended (sql/otel_metrics_insert.sql).
CREATE TABLE IF NOT EXISTS otel_metrics_import_stage
(
    ResourceAttributes Map(LowCardinality(String), String),
    ResourceSchemaUrl String,
    ScopeName String,
    ScopeVersion String,
    ScopeAttributes Map(LowCardinality(String), String),
    ScopeSchemaUrl String,
    ServiceName LowCardinality(String),
    MetricName String,
    MetricDescription String,
    MetricUnit String,
    Attributes Map(LowCardinality(String), String),
    StartTimeUnix DateTime64(9),
    TimeUnix DateTime64(9),
    Value Float64,
    Flags UInt32,
    AggregationTemporality Int32,
    IsMonotonic Bool
)
ENGINE = Memory
