-- costs_request_hours.sql for a window that does not start or end on a whole UTC hour (the Costs
-- page's last 30 days up to now): the whole hours from {first:DateTime('UTC')} (the window's first
-- whole hour) to {split:DateTime('UTC')} read from the hourly rollup (analytics/rollups.py), only
-- the partial hours at either end (and any hour still pending a refresh) from the events. The two
-- parts hold different hours, so their rows are the raw query's.
SELECT *
FROM
(
    SELECT * FROM (__REQUEST_HOURS_TOTALS__) WHERE hour < toUnixTimestamp({split:DateTime('UTC')})
    UNION ALL
    SELECT *
    FROM (__REQUEST_HOURS_EVENTS__)
    WHERE hour < toUnixTimestamp({first:DateTime('UTC')}) OR hour >= toUnixTimestamp({split:DateTime('UTC')})
)
ORDER BY hour
