-- costs_request_hours.sql for a window that does not start or end on a whole UTC hour (the Costs
-- page's last 30 days up to now): the whole hours from {first:DateTime('UTC')} (the window's first
-- whole hour) to {split:DateTime('UTC')} read from the hourly rollup (analytics/rollups.py), only
-- the partial hours at either end (and any hour still pending a refresh) from the events. The two
-- parts hold different hours, so their rows are the raw query's.
SELECT *
FROM
(
    SELECT
        toUnixTimestamp(t.ts) AS hour,
        toUnixTimestamp64Milli(min(t.first_ts)) AS first_ms,
        toUnixTimestamp64Milli(max(t.last_ts)) AS last_ms,
        sum(t.n) AS requests,
        sum(t.n - t.priced) AS unpriced_requests,
        sum(t.cost_usd) AS cost_usd,
        sum(t.input_tokens + t.output_tokens + t.cache_read_tokens + t.cache_write_5m_tokens + t.cache_write_1h_tokens) AS tokens
    FROM rollup_hourly AS t
    WHERE hidden = 0 AND event = 'api_request' AND ts < {split:DateTime('UTC')} AND __FILTERS__
    GROUP BY hour
    UNION ALL
    SELECT
        toUnixTimestamp(toStartOfHour(t.ts)) AS hour,
        toUnixTimestamp64Milli(min(t.ts)) AS first_ms,
        toUnixTimestamp64Milli(max(t.ts)) AS last_ms,
        count() AS requests,
        countIf(t.cost_usd IS NULL) AS unpriced_requests,
        sum(ifNull(t.cost_usd, 0)) AS cost_usd,
        sum(input_tokens + output_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens) AS tokens
    FROM telemetry AS t
    WHERE event = 'api_request' AND (ts < {first:DateTime('UTC')} OR ts >= {split:DateTime('UTC')}) AND __FILTERS__
    GROUP BY hour
)
ORDER BY hour
