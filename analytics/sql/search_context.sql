-- The neighbouring events of every hit, for all hits' sessions at once: the
-- events of each session in order (ts, seq, event_id), and for each hit the
-- ones within `radius` positions of it (offset 0 is the hit itself). Texts
-- (text, error text, tool output) are cut to `chars` characters.
SELECT
    session_id,
    c.1 AS hit_id,
    c.2 AS offset,
    c.3.1 AS ts,
    c.3.3 AS event_id,
    c.3.4 AS event_name,
    c.3.5 AS tool_name,
    c.3.6 AS model_name,
    c.3.7 AS succeeded,
    c.3.8 AS text_excerpt,
    c.3.9 AS error_excerpt,
    c.3.10 AS output_excerpt
FROM
(
    SELECT
        session_id,
        arraySort(groupArray((ts, seq, event_id, toString(event), toString(tool), toString(model), success,
                              substring(text, 1, {chars:UInt32}), substring(error_text, 1, {chars:UInt32}),
                              substring(output_text, 1, {chars:UInt32})))) AS evs
    FROM telemetry
    WHERE session_id IN {sessions:Array(String)} AND __FILTERS__
    GROUP BY session_id
)
ARRAY JOIN arrayFlatten(arrayMap(
    h -> arrayMap(j -> (evs[h].3, toInt64(j) - toInt64(h), evs[j]),
                  range(toUInt64(greatest(1, toInt64(h) - {radius:UInt32})),
                        toUInt64(least(length(evs), h + {radius:UInt32}) + 1))),
    arrayFilter(i -> has({hits:Array(String)}, evs[i].3), arrayEnumerate(evs)))) AS c
ORDER BY hit_id, offset
