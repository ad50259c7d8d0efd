-- Parts of this database's tables that the engine set aside as damaged
-- (a checksum or size mismatch found on start, an unexpected or broken part):
-- their rows are no longer read. Parts detached by hand, or set aside as
-- already covered by a merged part, are not damage.
SELECT table, name, reason
FROM system.detached_parts
WHERE database = currentDatabase()
  AND (startsWith(reason, 'broken') OR reason IN ('unexpected', 'covered-by-broken', 'noquorum'))
ORDER BY table, name
