-- Models whose requests are all unpriced, most requests first: model_summary's
-- "unpriced" pricing (a model seen only in api_errors counts; the model-less
-- api_error row does not), without the latency percentiles of models_usage.sql.
SELECT model
FROM
(
    SELECT
        toString(model) AS model,
        countIf(event = 'api_request') AS requests,
        countIf(event = 'api_request' AND t.cost_usd IS NOT NULL) AS priced_requests
    FROM (SELECT * FROM telemetry WHERE event IN ('api_request', 'api_error') AND __FILTERS__) AS t
    GROUP BY model
)
WHERE NOT (model = '' AND requests = 0) AND priced_requests = 0
ORDER BY requests DESC, model
