-- After the swap: remove the rows of rollup table {table} it hid (and any a failed earlier refresh
-- left hidden).
DELETE FROM {table:Identifier} WHERE hidden = 1 AND ts IN (SELECT hour FROM rollup_touched)
SETTINGS lightweight_delete_mode = 'lightweight_update'
