SELECT started, finished, kind, report FROM ingest_runs ORDER BY started DESC LIMIT {n:UInt32}
