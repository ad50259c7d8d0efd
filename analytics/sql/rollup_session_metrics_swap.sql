-- rollup_hourly_swap.sql for rollup_session_metrics: show generation {gen} of the touched hours, hide the rest.
UPDATE rollup_session_metrics
SET hidden = toUInt8(gen != {gen:DateTime64(3, 'UTC')})
WHERE ts IN (SELECT hour FROM rollup_touched)
