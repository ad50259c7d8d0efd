-- Rows a rollup table holds on disk outside patch parts: its live rows plus
-- the hidden and deleted ones no merge has dropped yet.
SELECT sum(rows)
FROM system.parts
WHERE active AND database = currentDatabase() AND table = {table:String} AND NOT startsWith(name, 'patch-')
