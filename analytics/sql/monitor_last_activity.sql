-- The latest event (any kind) in the window, with the number of events; the
-- caller opens the window back to the first event so this is "the last
-- activity up to now".
SELECT toUnixTimestamp64Milli(max(ts)) AS last_ms, count() AS events
FROM telemetry
WHERE __FILTERS__
