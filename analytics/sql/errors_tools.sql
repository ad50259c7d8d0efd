-- Tool results per tool: how many failed. A result the user rejected (JSONL
-- marks it error_type 'user_rejected'; any source may record a tool_decision
-- reject / interrupt for its tool_use_id) is not a tool error and is left out.
-- The example is the latest error's text (the greater text at a tie).
SELECT
    tool,
    count() AS results,
    countIf(success = 0) AS errors,
    errors / results AS error_rate,
    argMaxIf(substring(error_text, 1, 300), (ts, substring(error_text, 1, 300)), success = 0) AS example
FROM telemetry
WHERE event = 'tool_result' AND error_type != 'user_rejected'
    AND (tool_use_id = '' OR tool_use_id NOT IN (
        SELECT tool_use_id FROM telemetry
        WHERE event = 'tool_decision' AND decision IN ('reject', 'interrupt') AND tool_use_id != '' AND __FILTERS__))
    AND __FILTERS__
GROUP BY tool
ORDER BY errors DESC, results DESC, tool
