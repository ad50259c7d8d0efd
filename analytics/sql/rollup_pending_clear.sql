-- After a refresh: forget the notes made before {before:DateTime64(3, 'UTC')}, whose hours it
-- recomputed.
DELETE FROM rollup_pending WHERE noted < {before:DateTime64(3, 'UTC')}
