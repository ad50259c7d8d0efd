-- Recompute the touched hours of rollup_latency from the telemetry view,
-- appended hidden under generation {gen} (rollup_swap shows them).
INSERT INTO rollup_latency (ts, source, project, repository, model, user, missing, durations, ttfts, gen, hidden)
SELECT
    toStartOfHour(ts) AS hour,
    source, project, repository, model, user,
    countIf(duration_ms IS NULL),
    groupArrayIf(assumeNotNull(duration_ms), isNotNull(duration_ms)),
    groupArrayIf(assumeNotNull(ttft_ms), isNotNull(ttft_ms)),
    {gen:DateTime64(3, 'UTC')},
    1
FROM telemetry
WHERE event = 'api_request'
  AND ts >= (SELECT min(hour) FROM rollup_touched)
  AND ts < (SELECT max(hour) FROM rollup_touched) + INTERVAL 1 HOUR
  AND toStartOfHour(ts) IN (SELECT hour FROM rollup_touched)
GROUP BY hour, source, project, repository, model, user
