-- The window's tool calls in total (analytics.tools.load_tool_totals): what the Tools page compares
-- with the period before, without tools_usage.sql's per-tool sessions and exact durations.
SELECT
    count() AS calls,
    countIf(success = 1) AS succeeded,
    countIf(success = 0) AS failed,
    uniqExact(toString(tool)) AS tools
FROM telemetry
WHERE event = 'tool_result' AND __FILTERS__
