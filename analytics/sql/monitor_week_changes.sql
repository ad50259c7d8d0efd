-- API calls and spend per model in two consecutive weeks: rows before
-- {split} are 'last', the others 'this' (the window is the two weeks).
-- cost_usd sums priced requests only (NULL when none is priced).
SELECT
    if(ts >= {split:DateTime64(3, 'UTC')}, 'this', 'last') AS week,
    toString(model) AS model,
    countIf(event = 'api_request') AS requests,
    countIf(event = 'api_error') AS errors,
    sumIf(t.cost_usd, event = 'api_request') AS cost_usd
FROM telemetry AS t
WHERE event IN ('api_request', 'api_error') AND __FILTERS__
GROUP BY week, model
ORDER BY week, model
