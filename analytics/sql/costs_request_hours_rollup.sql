-- costs_request_hours.sql from the hourly rollup (analytics/rollups.py): the same
-- rows, each hour's first and last request being the least `first_ts` and the
-- greatest `last_ts` of its groups.
__REQUEST_HOURS_TOTALS__
ORDER BY hour
