-- Whether any outcome is recorded under the filters (1 or 0): a cheap check before the
-- per-group query, which reads every request of the window. Active time and session
-- counts are no outcome with a unit cost: a store holding only those has none.
SELECT count() FROM (
    SELECT 1 FROM outcome_events
    WHERE kind IN ('lines', 'commit', 'pull_request', 'edit_decision') AND __FILTERS__
    LIMIT 1
)
