-- Files touched in the given sessions by file tools: the path is the first
-- word of the tool's input summary.
SELECT
    splitByWhitespace(text)[1] AS path,
    count() AS touches,
    uniqExact(session_id) AS sessions,
    arraySort(groupUniqArray(toString(tool))) AS tools
FROM telemetry
WHERE event = 'tool_result' AND session_id IN {sessions:Array(String)} AND tool IN {file_tools:Array(String)}
    AND __FILTERS__
GROUP BY path
HAVING path != ''
ORDER BY sessions DESC, touches DESC, path
LIMIT {limit:UInt32}
