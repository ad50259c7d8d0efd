-- Hours a refresh recomputes for what reached otel_logs: those rollup_pending notes (at each
-- insert there, already widened).
INSERT INTO rollup_touched SELECT DISTINCT hour FROM rollup_pending
