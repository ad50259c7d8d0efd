"""What the transcripts say a session produced: lines, commits, pull requests, edit decisions.

Two steps of the JSONL ingest (:func:`analytics.ingest.jsonl.ingest_jsonl`), both in the engine:

* :func:`stage_outcome_blocks`, right after the parse, while the raw lines are staged: the
  tool_use blocks that may produce an outcome go to ``outcome_tool_uses``
  (``sql/ingest_outcome_tool_uses.sql``) and the tool_result blocks answering one of them
  (this run or an earlier one) to the scratch table ``ingest_outcome_blocks``
  (``sql/ingest_outcome_blocks.sql``);
* :func:`commit_outcomes`, once the run's projects are placed: one ``outcomes`` row per
  outcome (``sql/ingest_outcomes.sql``), then the scratch table is emptied;
* :func:`commit_active_time`, once the run's events are committed: one ``active_time`` row per
  turn of the sessions the run touched (``sql/ingest_active_time.sql``), from all their events.

Event ids are stable (the kind and the tool_use_id, plus the hash or URL), so reading a
line twice adds nothing. docs/OUTCOMES.md gives the rules.
"""

from __future__ import annotations

from analytics.view import IDLE_MINUTES

OUTCOME_FORMAT = 1
"""Version of the outcome rows the ingest writes (``outcomes.version``)."""


def stage_outcome_blocks(store) -> None:
    """Record this run's outcome tool uses and stage the tool results that answer them."""
    store.command("ingest_outcome_blocks_clear")
    store.command("ingest_outcome_tool_uses")
    store.command("ingest_outcome_blocks")


def commit_outcomes(store) -> None:
    """Add the outcomes of the staged tool results to ``outcomes`` and empty the stage."""
    store.command("ingest_outcomes", version=OUTCOME_FORMAT)
    store.command("ingest_outcome_blocks_clear")


def commit_active_time(store, idle_minutes: float = IDLE_MINUTES) -> None:
    """Write the active time of each turn of the sessions this run touched (``sql/ingest_active_time.sql``).

    A turn runs from a user prompt to the session's last event before its next prompt; its
    seconds are the gaps between its consecutive events, a gap longer than ``idle_minutes``
    (the sessions' idle bound, :data:`analytics.view.IDLE_MINUTES`) left out. Runs after the
    run's events are committed and before the stage is emptied (it reads ``ingest_events`` for
    the sessions and ``events`` for all their events).
    """
    store.command("ingest_active_time", idle_seconds=float(idle_minutes) * 60.0, version=OUTCOME_FORMAT)
