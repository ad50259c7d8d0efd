-- After the swap: remove the rows it hid (and any a failed earlier run left
-- hidden for the same ids).
DELETE FROM events WHERE hidden = 1 AND event_id IN (SELECT event_id FROM ingest_replaced)
SETTINGS lightweight_delete_mode = 'lightweight_update'
