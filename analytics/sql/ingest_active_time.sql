-- Active time from transcripts (docs/OUTCOMES.md), outcome_source 'derived':
-- one `active_time` row per turn of the sessions this run touched, computed
-- from every visible transcript event of those sessions (this run's and
-- earlier ones, subagents' included): user prompts, API requests (at their
-- response's last line), tool results, API errors and interrupts.
-- * A turn starts at a user prompt and ends at the session's last event before
--   its next prompt (or the session's last event). Events before a session's
--   first prompt belong to no turn; at one instant a prompt comes first.
-- * Its seconds are the gaps between consecutive events of the turn, a gap
--   longer than {idle_seconds} (the idle bound) left out.
-- `event_id` is the prompt's, so a turn is one row however often it is
-- computed: a turn whose seconds changed (its session got new lines) is
-- written again under the same version, the later row winning under FINAL;
-- an unchanged one is not written again.
INSERT INTO outcomes (ts, source, outcome_source, kind, session_id, project, repository, user, model, cc_version,
    tool, tool_use_id, language, decision, count, lines_added, lines_removed, seconds, ref, event_id, version)
WITH
touched AS (
    SELECT DISTINCT session_id FROM ingest_events WHERE source = 'jsonl' AND session_id != ''
),
lines AS (
    SELECT session_id, ts, event = 'user_prompt' AS is_prompt, event_id, project, repository, cc_version
    FROM events
    WHERE hidden = 0 AND source = 'jsonl' AND session_id IN (SELECT session_id FROM touched)
),
steps AS (
    SELECT
        session_id, is_prompt, event_id, ts, project, repository, cc_version,
        sum(toUInt64(is_prompt)) OVER (PARTITION BY session_id ORDER BY ts, is_prompt DESC, event_id
                                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS turn,
        dateDiff('millisecond',
                 lagInFrame(ts, 1, ts) OVER (PARTITION BY session_id ORDER BY ts, is_prompt DESC, event_id
                                             ROWS BETWEEN 1 PRECEDING AND CURRENT ROW),
                 ts) AS gap_ms
    FROM lines
),
turns AS (
    SELECT
        session_id,
        anyIf(tuple(ts, event_id, project, repository, cc_version), is_prompt) AS prompt,
        sumIf(gap_ms, NOT is_prompt AND gap_ms <= {idle_seconds:Float64} * 1000) / 1000 AS seconds
    FROM steps
    WHERE turn > 0
    GROUP BY session_id, turn
)
SELECT
    prompt.1, 'jsonl', 'derived', 'active_time', session_id, prompt.3, prompt.4, 'local', '', prompt.5,
    '', '', '', '', 1, 0, 0, seconds, '', concat('active_time:', prompt.2) AS event_id, {version:UInt64}
FROM turns
WHERE (event_id, seconds) NOT IN (
    SELECT event_id, seconds FROM outcomes FINAL
    WHERE kind = 'active_time' AND session_id IN (SELECT session_id FROM touched)
)
