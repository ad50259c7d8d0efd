-- Recompute the touched hours of rollup_sessions from the telemetry view,
-- appended hidden under generation {gen} (rollup_swap shows them).
-- `hour_errors`: every api_error of the session in that hour, whatever its row.
INSERT INTO rollup_sessions (ts, session_id, source, project, repository, model, user, tools, failed, call_keys,
    requests, priced, cost_usd, request_ts, error_ts, gen, hidden)
SELECT
    hour, session_id, source, project, repository, model, user,
    arrayMap(c -> c.4, calls),
    arrayMap(c -> c.5, calls),
    arrayMap(c -> (c.1, c.2, c.3), calls),
    n_requests, n_priced, cost,
    arraySort(arrayDistinct(arrayConcat(
        arraySlice(reqs, 1, 1),
        arrayMap(e -> reqs[arrayFirstIndex(r -> r >= e, reqs)], arrayFilter(e -> arrayExists(r -> r >= e, reqs), hour_errors))))),
    errs,
    {gen:DateTime64(3, 'UTC')},
    1
FROM
(
    SELECT *, groupArrayArray(errs) OVER (PARTITION BY hour, session_id) AS hour_errors
    FROM
    (
        SELECT
            toStartOfHour(ts) AS hour,
            session_id, source, project, repository, model, user,
            arraySort(groupArrayIf((ts, seq, event_id, toString(tool), toUInt8(coalesce(success, 1) = 0)),
                                   event = 'tool_result')) AS calls,
            countIf(event = 'api_request') AS n_requests,
            countIf(event = 'api_request' AND cost_usd IS NOT NULL) AS n_priced,
            ifNull(sumIf(cost_usd, event = 'api_request'), 0) AS cost,
            arraySort(groupArrayIf(ts, event = 'api_request')) AS reqs,
            arraySort(groupArrayIf(ts, event = 'api_error')) AS errs
        FROM telemetry
        WHERE event IN ('tool_result', 'api_request', 'api_error') AND session_id != ''
          AND ts >= (SELECT min(hour) FROM rollup_touched)
          AND ts < (SELECT max(hour) FROM rollup_touched) + INTERVAL 1 HOUR
          AND toStartOfHour(ts) IN (SELECT hour FROM rollup_touched)
        GROUP BY hour, session_id, source, project, repository, model, user
    )
)
