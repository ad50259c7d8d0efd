-- Counts of all matching events (not only the ranked page) by project,
-- session, tool, model, day (in the reporting zone) and matched field; facet
-- 'all' is the total. At most `per_facet` values per facet, most frequent first.
SELECT
    f.1 AS facet,
    f.2 AS value,
    count() AS hits
FROM
(
    __MATCHES__
)
ARRAY JOIN [('all', ''), ('project', project), ('session', session_id), ('tool', toString(tool)),
            ('model', toString(model)), ('day', toString(toDate(ts, {tz:String}))), ('field', field)] AS f
WHERE f.1 = 'all' OR f.2 != ''
GROUP BY facet, value
ORDER BY facet, hits DESC, value
LIMIT {per_facet:UInt32} BY facet
