-- tools_sequences.sql from rollup_sessions (analytics/rollups.py). A session's
-- hours are concatenated in hour order; a session with two rows holding calls
-- in one hour (different filter columns) has its calls merged by their order key.
WITH
rows AS (
    SELECT ts, session_id, tools AS c_tools, failed AS c_failed, call_keys AS c_keys,
           requests AS n_requests, priced AS n_priced, cost_usd AS cost
    FROM rollup_sessions
    WHERE hidden = 0 AND __FILTERS__
),
merged AS (
    SELECT DISTINCT session_id FROM rows WHERE length(c_tools) > 0 GROUP BY session_id, ts HAVING count() > 1
)
SELECT session_id, tools, failed, requests, unpriced_requests, cost_usd
FROM
(
    SELECT
        session_id,
        arraySort(h -> h.1, groupArrayIf((ts, c_tools, c_failed), length(c_tools) > 0)) AS hours,
        CAST(arrayFlatten(arrayMap(h -> h.2, hours)), 'Array(String)') AS tools,
        arrayFlatten(arrayMap(h -> h.3, hours)) AS failed,
        sum(n_requests) AS requests,
        toUInt64(sum(n_requests) - sum(n_priced)) AS unpriced_requests,
        if(sum(n_priced) > 0, sum(cost), NULL) AS cost_usd
    FROM rows
    WHERE session_id NOT IN merged
    GROUP BY session_id
    HAVING length(tools) > 0
    UNION ALL
    SELECT
        session_id,
        arraySort(arrayFlatten(groupArray(arrayZip(c_keys, c_tools, c_failed)))) AS calls,
        CAST(arrayMap(c -> c.2, calls), 'Array(String)') AS tools,
        arrayMap(c -> c.3, calls) AS failed,
        sum(n_requests) AS requests,
        toUInt64(sum(n_requests) - sum(n_priced)) AS unpriced_requests,
        if(sum(n_priced) > 0, sum(cost), NULL) AS cost_usd
    FROM rows
    WHERE session_id IN merged
    GROUP BY session_id
)
ORDER BY session_id
