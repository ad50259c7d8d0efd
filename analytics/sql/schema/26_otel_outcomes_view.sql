-- Claude Code's OpenTelemetry metrics (otel_metrics_sum) as outcome rows
-- (outcome_source 'reported'), one per data point, `increase` its increase:
-- * delta points (AggregationTemporality 1) are increases already;
-- * a cumulative point (2) counts its difference from the previous point of
--   its series (metric, attributes, resource); the first point of a series,
--   and a point after a restart (a value below the previous one, or a later
--   start time), counts its whole value (the counter started again from 0).
-- A point stored twice counts once. Kinds: lines (claude_code.lines_of_code.count,
-- attribute type added / removed), commit, pull_request, edit_decision
-- (claude_code.code_edit_tool.decision: tool, decision, language), active_time
-- (seconds), session, cost (USD, by model) and tokens (by model and type).
CREATE OR REPLACE VIEW otel_outcomes AS
SELECT
    toDateTime64(TimeUnix, 3, 'UTC') AS ts,
    'otel' AS source,
    'reported' AS outcome_source,
    multiIf(MetricName = 'claude_code.lines_of_code.count', 'lines',
            MetricName = 'claude_code.commit.count', 'commit',
            MetricName = 'claude_code.pull_request.count', 'pull_request',
            MetricName = 'claude_code.code_edit_tool.decision', 'edit_decision',
            MetricName = 'claude_code.active_time.total', 'active_time',
            MetricName = 'claude_code.session.count', 'session',
            MetricName = 'claude_code.cost.usage', 'cost',
            'tokens') AS kind,
    Attributes['session.id'] AS session_id,
    cc_home_label(ResourceAttributes['project']) AS project,
    cc_repository_label(ResourceAttributes['project'], '') AS repository,
    if(Attributes['user.email'] != '', Attributes['user.email'],
       if(Attributes['user.account_uuid'] != '', Attributes['user.account_uuid'], 'local')) AS user,
    Attributes['model'] AS model,
    if(Attributes['app.version'] != '', Attributes['app.version'], ResourceAttributes['service.version']) AS cc_version,
    if(Attributes['tool'] != '', Attributes['tool'], Attributes['tool_name']) AS tool,
    '' AS tool_use_id,
    Attributes['language'] AS language,
    Attributes['decision'] AS decision,
    Attributes['type'] AS type,
    if(AggregationTemporality = 2 AND Value >= ifNull(prev_value, inf) AND StartTimeUnix <= prev_start,
       Value - ifNull(prev_value, 0), Value) AS increase,
    '' AS ref,
    concat('otel:', toString(point)) AS event_id
FROM
(
    SELECT
        *,
        lagInFrame(toNullable(Value)) OVER w AS prev_value,
        lagInFrame(StartTimeUnix) OVER w AS prev_start
    FROM
    (
        SELECT MetricName, Attributes, ResourceAttributes, StartTimeUnix, TimeUnix, Value, AggregationTemporality,
               cityHash64(MetricName, CAST(Attributes, 'Map(String, String)'),
                          CAST(ResourceAttributes, 'Map(String, String)')) AS series,
               cityHash64(series, StartTimeUnix, TimeUnix, Value) AS point
        FROM otel_metrics_sum
        WHERE ServiceName = 'claude-code'
          AND MetricName IN ('claude_code.lines_of_code.count', 'claude_code.commit.count',
                             'claude_code.pull_request.count', 'claude_code.code_edit_tool.decision',
                             'claude_code.active_time.total', 'claude_code.session.count',
                             'claude_code.cost.usage', 'claude_code.token.usage')
        LIMIT 1 BY point
    )
    WINDOW w AS (PARTITION BY series ORDER BY TimeUnix, StartTimeUnix ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
)
