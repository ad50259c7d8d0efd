-- Remove the demo rows of one seed (their event ids start with 'demo:<seed>:') before it is loaded again.
DELETE FROM events WHERE startsWith(event_id, {prefix:String})
