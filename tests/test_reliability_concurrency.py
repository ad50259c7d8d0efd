"""Ingest while Claude Code writes and the app reads: nothing lost, nothing counted twice, no reader fails.

One embedded store serves an ingest loop and four reader threads running the
pages' analytics (usage report, cost series, search) while a writer appends
transcript lines in bursts, sometimes leaving a torn last line for a while.
The live store must end equal to one clean ingest of the final files.
"""

from __future__ import annotations

from pathlib import Path

from jsonl_fixtures import assistant, dumps, usage
from live_transcripts import run_live

from analytics.ingest import jsonl
from analytics.ingest.jsonl import ingest_jsonl
from analytics.usage import usage_report

FINGERPRINT_SQL = """
SELECT event, event_id, session_id, toString(ts), model, is_sidechain, input_tokens, output_tokens,
       cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, round(cost_usd, 9), cost_source,
       tool, success, duration_ms, text
FROM telemetry
ORDER BY event, event_id
"""


def complete_lines(root: Path) -> int:
    return sum(p.read_bytes().count(b"\n") for p in root.rglob("*.jsonl"))


def test_live_ingest_under_readers_equals_one_clean_ingest(store_factory, tmp_path):
    root = tmp_path / "projects"
    live = store_factory()
    run = run_live(live, root, bursts=30, readers=4, seed=1)
    print(run.summary())
    assert run.errors == []
    assert run.skipped == {}  # torn tails were deferred, never read as malformed lines
    assert len(run.reads) >= 4 * 4 and len(run.read_latencies()) > 0
    assert len(run.ingests) >= 30
    written = complete_lines(root)
    assert run.lines_written == written
    assert run.lines_ingested == written  # every line read exactly once across all the runs

    clean = store_factory()
    ingest_jsonl(clean, [root])
    expected = clean.rows_sql(FINGERPRINT_SQL)
    assert len(expected) > 100
    assert live.rows_sql(FINGERPRINT_SQL) == expected
    assert usage_report(live, "day", tz="Europe/Berlin") == usage_report(clean, "day", tz="Europe/Berlin")

    # Re-reading every file from the start (state forgotten) changes nothing.
    live.command_sql("TRUNCATE TABLE ingest_files")
    again = ingest_jsonl(live, [root])
    assert again.lines == written
    assert live.rows_sql(FINGERPRINT_SQL) == expected


def test_a_line_appended_while_the_file_is_staged_is_read_once_and_whole(empty_store, tmp_path, monkeypatch):
    # A file idle for a while is linked into the stage, not copied; Claude Code may append to it
    # between planning and reading. Those bytes belong to the next run, not to this one.
    path = tmp_path / "p" / "s1.jsonl"
    path.parent.mkdir(parents=True)
    first = dumps(assistant("2025-05-01T10:00:00Z", "m1", "r1", usage(1, 2), uuid="a1"))
    second = dumps(assistant("2025-05-01T10:00:05Z", "m2", "r2", usage(3, 4), uuid="a2"))
    path.write_text(first + "\n")
    monkeypatch.setattr(jsonl, "LIVE_SECONDS", -1.0)  # the file counts as settled: it is linked
    staged = jsonl._stage_embedded

    def stage_then_append(chunks, stage_dir, copy=frozenset()):
        linked = staged(chunks, stage_dir, copy)
        if linked:
            with path.open("a") as fh:
                fh.write(second + "\n" + second[:30])
        return linked

    monkeypatch.setattr(jsonl, "_stage_embedded", stage_then_append)
    r1 = ingest_jsonl(empty_store, [tmp_path])
    monkeypatch.setattr(jsonl, "_stage_embedded", staged)
    assert (r1.lines, r1.skipped, r1.events) == (1, {}, {"api_request": 1})
    r2 = ingest_jsonl(empty_store, [tmp_path])
    assert (r2.lines, r2.skipped, r2.events, r2.torn_lines_deferred) == (1, {}, {"api_request": 1}, 1)
    assert usage_report(empty_store, "model")["totals"]["requests"] == 2


def test_a_reader_never_sees_a_replaced_request_vanish(empty_store, tmp_path, monkeypatch):
    path = tmp_path / "p" / "s1.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text(dumps(assistant("2025-05-01T10:00:00Z", "m1", "r1", usage(10, 5), uuid="a1")) + "\n")
    ingest_jsonl(empty_store, [tmp_path])
    with path.open("a") as fh:  # the next content block of the same response, with the final output count
        fh.write(dumps(assistant("2025-05-01T10:00:01Z", "m1", "r1", usage(10, 80), uuid="a2")) + "\n")
    seen: list[tuple[str, int, int]] = []
    command = empty_store.command

    def command_then_read(name, **params):
        out = command(name, **params)
        totals = usage_report(empty_store, "model")["totals"]  # what a page loading at this moment would show
        seen.append((name, totals["requests"], totals["output_tokens"]))
        return out

    monkeypatch.setattr(empty_store, "command", command_then_read)
    ingest_jsonl(empty_store, [tmp_path])
    assert {requests for _, requests, _ in seen} == {1}
    steps = {name: tokens for name, _, tokens in seen}
    assert [
        steps[n] for n in ("ingest_replaced", "ingest_commit", "ingest_swap", "ingest_drop_replaced")
    ] == [
        5,
        5,
        80,
        80,
    ]
    assert usage_report(empty_store, "model")["totals"]["output_tokens"] == 80
