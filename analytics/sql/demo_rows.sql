-- Demo rows in the events table (0 before the first demo load).
SELECT count() FROM events WHERE source = 'demo'
