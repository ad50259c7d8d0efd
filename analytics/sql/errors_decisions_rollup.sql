-- errors_decisions.sql from the hourly error detail (analytics/rollups.py).
SELECT decision, decision_source, tool, sum(n) AS decisions
FROM rollup_errors
WHERE hidden = 0 AND event = 'tool_decision' AND __FILTERS__
GROUP BY decision, decision_source, tool
ORDER BY decisions DESC, decision, decision_source, tool
