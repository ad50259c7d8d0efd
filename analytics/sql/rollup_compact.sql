-- Merge a rollup table into whole parts with its updates and deletions applied,
-- so readers stop filtering the old generations out row by row.
OPTIMIZE TABLE {table:Identifier} FINAL
