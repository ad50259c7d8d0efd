-- One ingest run (jsonl, otel or demo) with its report as JSON, for `status` and the app.
INSERT INTO ingest_runs (started, finished, kind, report)
VALUES (fromUnixTimestamp64Milli({started_ms:Int64}), now64(3), {kind:String}, {report:String})
