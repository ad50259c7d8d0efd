-- models_unpriced.sql from the hourly rollup (analytics/rollups.py): `priced` counts priced requests.
SELECT model
FROM
(
    SELECT
        toString(model) AS model,
        sumIf(n, event = 'api_request') AS requests,
        sumIf(priced, event = 'api_request') AS priced_requests
    FROM rollup_hourly
    WHERE hidden = 0 AND event IN ('api_request', 'api_error') AND __FILTERS__
    GROUP BY model
)
WHERE NOT (model = '' AND requests = 0) AND priced_requests = 0
ORDER BY requests DESC, model
