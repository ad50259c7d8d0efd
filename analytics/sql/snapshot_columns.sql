-- Stored columns of one table in table order (materialised, alias and ephemeral columns are computed, not copied).
SELECT name
FROM system.columns
WHERE database = currentDatabase() AND table = {table:String}
    AND default_kind NOT IN ('MATERIALIZED', 'ALIAS', 'EPHEMERAL')
ORDER BY position
