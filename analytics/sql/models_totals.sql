-- The window's API calls in total (analytics.models.load_model_totals): the sums model_summary takes
-- from models_usage.sql (requests, errors with or without a model, priced spend: NaN when no request
-- is priced), without its per-model percentiles and sessions.
SELECT
    countIf(event = 'api_request') AS requests,
    countIf(event = 'api_error') AS errors,
    if(countIf(event = 'api_request' AND cost_usd IS NOT NULL) > 0, sumIf(cost_usd, event = 'api_request'), nan)
        AS cost_usd
FROM telemetry
WHERE event IN ('api_request', 'api_error') AND __FILTERS__
