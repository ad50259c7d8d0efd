-- The tool calls a reject or interrupt decision of a pending hour names: their results' rows in
-- rollup_errors keep the decision, and a decision can come an hour or more after its result.
SELECT DISTINCT tool_use_id FROM otel_events
WHERE event = 'tool_decision' AND decision IN ('reject', 'interrupt') AND tool_use_id != ''
  AND toStartOfHour(ts) IN (SELECT hour FROM rollup_pending)
