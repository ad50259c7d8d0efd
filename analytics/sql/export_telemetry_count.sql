-- Rows of export_telemetry.sql.
SELECT count() FROM telemetry
