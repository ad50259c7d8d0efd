-- The api_requests per UTC hour: the first and last one (Unix milliseconds),
-- how many, how many unpriced, their priced cost and their tokens. A 5-hour
-- usage block starts on a whole UTC hour, so these rows place every request in
-- its block exactly as the requests themselves would
-- (analytics.costs.usage_blocks), without a row per request.
__REQUEST_HOURS_EVENTS__
ORDER BY hour
