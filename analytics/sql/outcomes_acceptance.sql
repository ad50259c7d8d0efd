-- Edit decisions (accept / reject of Edit, MultiEdit, Write and NotebookEdit)
-- per language and tool, from outcome_events under the usual filters.
SELECT
    if(language != '', language, 'unknown') AS language,
    tool,
    toInt64(sumIf(value, decision = 'accept')) AS accepted,
    toInt64(sumIf(value, decision = 'reject')) AS rejected
FROM outcome_events
WHERE kind = 'edit_decision' AND __FILTERS__
GROUP BY language, tool
ORDER BY accepted + rejected DESC, language, tool
