-- tools_totals.sql from the hourly tool totals (analytics/rollups.py).
SELECT
    sum(calls) AS calls,
    sum(succeeded) AS succeeded,
    sum(failed) AS failed,
    uniqExact(toString(tool)) AS tools
FROM rollup_tools
WHERE hidden = 0 AND __FILTERS__
