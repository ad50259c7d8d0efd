-- Append the staged sum points not stored yet, one row per point: a point is
-- its series (service, metric, attributes, resource), start, time and value,
-- so importing a file twice, or one file under two names, adds no row. Only
-- stored points inside the staged time range are compared.
INSERT INTO otel_metrics_sum (ResourceAttributes, ResourceSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes,
    ScopeSchemaUrl, ServiceName, MetricName, MetricDescription, MetricUnit, Attributes, StartTimeUnix, TimeUnix,
    Value, Flags, AggregationTemporality, IsMonotonic)
SELECT ResourceAttributes, ResourceSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes, ScopeSchemaUrl, ServiceName,
    MetricName, MetricDescription, MetricUnit, Attributes, StartTimeUnix, TimeUnix, Value, Flags,
    AggregationTemporality, IsMonotonic
FROM otel_metrics_import_stage
WHERE cityHash64(toString(ServiceName), MetricName, CAST(Attributes, 'Map(String, String)'),
                 CAST(ResourceAttributes, 'Map(String, String)'), StartTimeUnix, TimeUnix, Value) NOT IN (
    SELECT cityHash64(toString(ServiceName), MetricName, CAST(Attributes, 'Map(String, String)'),
                      CAST(ResourceAttributes, 'Map(String, String)'), StartTimeUnix, TimeUnix, Value)
    FROM otel_metrics_sum
    WHERE TimeUnix >= (SELECT min(TimeUnix) FROM otel_metrics_import_stage)
      AND TimeUnix <= (SELECT max(TimeUnix) FROM otel_metrics_import_stage)
)
ORDER BY TimeUnix
LIMIT 1 BY cityHash64(toString(ServiceName), MetricName, CAST(Attributes, 'Map(String, String)'),
                      CAST(ResourceAttributes, 'Map(String, String)'), StartTimeUnix, TimeUnix, Value)
