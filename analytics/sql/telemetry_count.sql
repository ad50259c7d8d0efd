-- Events in the telemetry view (0: an empty store).
SELECT count() FROM telemetry
