-- What the last commit recorded: `rows:<table>` counts and `ack:<table>/<part>` marks.
SELECT key, argMax(value, updated) AS value
FROM meta
WHERE startsWith(key, 'rows:') OR startsWith(key, 'ack:')
GROUP BY key
