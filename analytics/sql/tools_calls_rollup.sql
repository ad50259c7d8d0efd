-- The tool calls of every session from rollup_sessions, one row per session and hour, unsorted
-- (analytics.tools.load_tool_calls puts the rows in session then hour order itself, rather than have
-- the engine's sort move every call list): laid end to end in that order they are each session's
-- calls, without grouping every session's calls into one array in the engine. `ts` lets the loader see
-- a session with two rows holding calls in one hour (different filter columns): their calls must be
-- merged by their order key, and it reads tools_sequences_rollup instead.
SELECT session_id, ts, tools, failed, priced, cost_usd
FROM rollup_sessions
WHERE hidden = 0 AND (length(tools) > 0 OR priced > 0) AND __FILTERS__
