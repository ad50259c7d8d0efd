-- Recompute the touched hours from the telemetry view, appended hidden under
-- generation {gen} (rollup_swap shows them). `kind` is cc_failure_kind, errors_failures.sql's class.
INSERT INTO rollup_hourly (ts, event, kind, source, project, repository, model, user, cost_source, n, priced, cost_usd,
    input_tokens, output_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, timed,
    first_ts, last_ts, gen, hidden)
SELECT
    toStartOfHour(ts) AS hour,
    event,
    cc_failure_kind(event, error_type, status_code, error_text, success, decision) AS kind,
    source, project, repository, model, user, cost_source,
    count(),
    countIf(cost_usd IS NOT NULL),
    ifNull(sum(cost_usd), 0),
    sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), sum(cache_write_5m_tokens), sum(cache_write_1h_tokens),
    countIf(duration_ms IS NOT NULL),
    min(ts), max(ts),
    {gen:DateTime64(3, 'UTC')},
    1
FROM telemetry
WHERE ts >= (SELECT min(hour) FROM rollup_touched)
  AND ts < (SELECT max(hour) FROM rollup_touched) + INTERVAL 1 HOUR
  AND toStartOfHour(ts) IN (SELECT hour FROM rollup_touched)
GROUP BY hour, event, kind, source, project, repository, model, user, cost_source
