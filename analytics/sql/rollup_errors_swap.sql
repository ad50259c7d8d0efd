-- rollup_hourly_swap.sql for rollup_errors: show generation {gen} of the touched hours, hide the rest.
UPDATE rollup_errors
SET hidden = toUInt8(gen != {gen:DateTime64(3, 'UTC')})
WHERE ts IN (SELECT hour FROM rollup_touched)
