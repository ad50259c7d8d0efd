-- Permission decisions on tool calls, by decision, who decided and tool.
SELECT
    decision,
    decision_source,
    tool,
    count() AS decisions
FROM telemetry
WHERE event = 'tool_decision' AND __FILTERS__
GROUP BY decision, decision_source, tool
ORDER BY decisions DESC, decision, decision_source, tool
