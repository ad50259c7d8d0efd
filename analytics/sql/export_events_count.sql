-- Rows of export_events.sql (visible events).
SELECT count() FROM events WHERE hidden = 0
