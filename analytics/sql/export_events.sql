-- The canonical events for export: visible rows only, without the store's bookkeeping columns.
SELECT * EXCEPT (version, ingested_at, hidden) FROM events WHERE hidden = 0 ORDER BY ts
