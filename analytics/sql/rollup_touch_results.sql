-- Hours a refresh recomputes for the stored results of the tool calls {ids:Array(String)}.
INSERT INTO rollup_touched
SELECT DISTINCT toStartOfHour(ts) FROM telemetry WHERE event = 'tool_result' AND has({ids:Array(String)}, tool_use_id)
