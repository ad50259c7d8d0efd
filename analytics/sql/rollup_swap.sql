-- One statement, so a reader sees the touched hours of rollup table {table} either as they were or
-- as recomputed, never neither and never both: show generation {gen}, hide the rest.
UPDATE {table:Identifier}
SET hidden = toUInt8(gen != {gen:DateTime64(3, 'UTC')})
WHERE ts IN (SELECT hour FROM rollup_touched)
