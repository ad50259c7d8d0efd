-- What every analytics query reads (canonical events from both sources), for export.
SELECT * FROM telemetry ORDER BY ts
