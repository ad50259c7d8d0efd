-- The UTC hours whose rollup rows are stale because OpenTelemetry records reached otel_logs:
-- noted by the materialized view below at every insert, whoever inserts (this app's import, or a
-- team's collector writing to a server directly), widened by 6 seconds each way as a refresh
-- widens them (a request matches its transcript twin within 5). Readers leave a noted hour to
-- the events; a refresh (analytics/rollups.py) recomputes the noted hours and removes the notes
-- it has covered.
CREATE TABLE IF NOT EXISTS rollup_pending
(
    hour DateTime('UTC'),
    noted DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY hour
