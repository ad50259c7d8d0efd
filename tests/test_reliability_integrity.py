"""A damaged store is never silent: ``status`` exits 2, ``ingest`` refuses, ``/api/health`` answers
503 with the reason, the app shows a clear error and never loads demo data into it, and
``ingest --rebuild`` recovers every transcript event without losing what only OpenTelemetry had.

The damage is real: one part's data file of a store on disk is cut short (as a crash of the disk
or a copy would), so the engine sets the part aside on the next open. Embedded stores run the CLI
in child processes (a process holds one chDB directory).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import otlp_fixtures as otlp
import pytest
from jsonl_fixtures import assistant, tool_result, tool_use, usage, user_prompt, write
from streamlit.testing.v1 import AppTest
from test_reliability_faults import ROOT, clean_env, cli

from analytics import integrity
from analytics.ingest.demo import load_demo
from analytics.ingest.jsonl import ingest_jsonl

APP = str(ROOT / "streamlit_app.py")
DAY = datetime(2026, 3, 2, 9, tzinfo=UTC)

# Hand-computed: Sonnet 4.5 at $3 / $15 per million input / output tokens.
JSONL_INPUT, JSONL_OUTPUT = 1000 + 2000, 100 + 400
JSONL_COST = (1000 * 3 + 100 * 15 + 2000 * 3 + 400 * 15) / 1e6  # 0.0165
OTEL_COST = 0.25  # one OTel-only request's reported cost


def transcripts(root: Path) -> Path:
    """One session: a prompt, a request running Bash, its result, a final request."""
    at = lambda sec: (DAY + timedelta(seconds=sec)).isoformat().replace("+00:00", "Z")  # noqa: E731
    write(
        root / "-home-dev-shop" / "s1.jsonl",
        [
            user_prompt(at(0), "run the tests", session="s1", uuid="u1"),
            assistant(at(4), "m1", "r1", usage(1000, 100), session="s1", uuid="a1", parentUuid="u1",
                      content=[tool_use("t1", "Bash", {"command": "pytest -q"})]),
            tool_result(at(9), "t1", "3 passed", session="s1", uuid="t1r", parentUuid="a1"),
            assistant(at(15), "m2", "r2", usage(2000, 400), session="s1", uuid="a2", parentUuid="t1r"),
        ],
    )  # fmt: skip
    return root


def otel_file(path: Path) -> Path:
    """One request only OpenTelemetry recorded (another session)."""
    rec = otlp.record(DAY + timedelta(hours=1), "api_request", "o1", request_id="r-otel", model="claude-sonnet-4-5",
                      cost_usd=str(OTEL_COST), input_tokens="10", output_tokens="5", cache_read_tokens="0",
                      cache_creation_tokens="0", duration_ms="1000")  # fmt: skip
    return otlp.write(path, [rec])


def damage(db: Path, table: str) -> None:
    """Cut the biggest data file of one of ``table``'s parts to half its size (the store closed)."""
    parts = sorted(
        p for p in (db / "data" / "default" / table).iterdir() if p.is_dir() and p.name != "detached"
    )
    assert parts, f"{table} has no part to damage"
    biggest = max(parts[0].glob("*.bin"), key=lambda f: f.stat().st_size)
    biggest.write_bytes(biggest.read_bytes()[: biggest.stat().st_size // 2])


def status(db: Path) -> tuple[int, dict]:
    proc = cli("--db", db, "status", "--json")
    return proc.returncode, json.loads(proc.stdout)


def totals(db: Path) -> dict:
    proc = cli("--db", db, "report", "--by", "day", "--tz", "UTC", "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["totals"]


@pytest.fixture
def mixed_store(tmp_path) -> Path:
    """An embedded store with the transcripts and one OTel-only request, ingested twice."""
    db = tmp_path / "db"
    root = transcripts(tmp_path / "projects")
    otel = otel_file(tmp_path / "otel.jsonl")
    for _ in range(2):  # a second, unchanged ingest is no damage
        proc = cli("--db", db, "ingest", root, "--otel", otel)
        assert proc.returncode == 0, proc.stderr
    return db


def test_a_whole_store_is_whole_through_ingests_replacements_and_a_reseeded_demo(store_factory, tmp_path):
    store = store_factory()
    root = transcripts(tmp_path / "projects")
    ingest_jsonl(store, [root])
    with (root / "-home-dev-shop" / "s1.jsonl").open("a") as fh:  # a later line replaces request m2's row
        fh.write(json.dumps(assistant("2026-03-02T09:00:16Z", "m2", "r2", usage(2000, 450), session="s1", uuid="a3"))
                 + "\n")  # fmt: skip
    report = ingest_jsonl(store, [root])
    assert report.dedup["already_in_store"] == 1
    assert integrity.check(store) == []
    assert dict(store.rows("integrity_recorded"))["rows:events"] == str(store.count_rows("events"))

    demo = store_factory()
    assert integrity.never_used(demo)
    load_demo(demo, n_events=500, days=3)
    load_demo(demo, n_events=500, days=3)  # the same seed again replaces its rows
    assert integrity.check(demo) == [] and integrity.never_used(demo)
    assert not integrity.never_used(store)


def test_lost_rows_are_reported_even_without_a_damaged_part(store_factory, tmp_path):
    store = store_factory()
    ingest_jsonl(store, [transcripts(tmp_path / "projects")])
    store.command_sql("DELETE FROM events WHERE event = 'tool_result'")  # rows gone behind the ingest's back
    (found,) = integrity.check(store)
    assert found.table == "events" and "1 fewer than after the last ingest (4)" in found.detail
    assert "ingest --rebuild" in integrity.summary([found])


def test_status_ingest_demo_and_report_on_a_damaged_store(mixed_store):
    before = totals(mixed_store)
    assert (before["input_tokens"], before["requests"]) == (JSONL_INPUT + 10, 3)
    assert before["cost_usd"] == pytest.approx(JSONL_COST + OTEL_COST)
    damage(mixed_store, "events")

    code, info = status(mixed_store)
    assert code == 2
    assert [d["table"] for d in info["damage"]] == [
        "events",
        "events",
    ]  # the part set aside, the rows missing
    text = cli("--db", mixed_store, "status")
    assert text.returncode == 2
    assert "DAMAGED: The store is damaged" in text.stdout and "ingest --rebuild" in text.stdout
    assert "no events yet" not in text.stdout

    refused = cli("--db", mixed_store, "ingest", mixed_store.parent / "projects")
    assert refused.returncode == 2 and "ingest --rebuild" in refused.stderr
    demo = cli("--db", mixed_store, "demo", "--events", "200")
    assert demo.returncode == 1 and "demo data only goes into an empty store" in demo.stderr
    report = cli("--db", mixed_store, "report", "--by", "day", "--json")
    assert report.returncode == 0 and report.stderr.startswith("warning: The store is damaged")
    assert not any(row["source"] == "demo" for row in status(mixed_store)[1]["events"])


def test_rebuild_recovers_every_transcript_event_and_keeps_the_otel_rows(mixed_store):
    before = totals(mixed_store)
    damage(mixed_store, "events")
    proc = cli("--db", mixed_store, "ingest", "--rebuild", "--json")  # no paths: the files read before
    assert proc.returncode == 0, proc.stderr
    outcome = json.loads(proc.stdout)["rebuild"]
    assert outcome["rows_before"]["events"] == 0 and outcome["rows_after"]["events"] == 4
    assert outcome["rows_before"]["otel_logs"] == outcome["rows_after"]["otel_logs"] == 1
    assert outcome["rows_short"] == {}

    assert status(mixed_store)[0] == 0
    assert totals(mixed_store) == before
    again = cli("--db", mixed_store, "ingest", mixed_store.parent / "projects")
    assert again.returncode == 0 and totals(mixed_store) == before  # and the store ingests as before


def test_a_damaged_otel_part_is_named_as_what_transcripts_cannot_restore(mixed_store):
    damage(mixed_store, "otel_logs")
    assert status(mixed_store)[0] == 2
    proc = cli("--db", mixed_store, "ingest", "--rebuild")
    assert proc.returncode == 0, proc.stderr
    assert "OpenTelemetry rows that transcripts cannot restore" in proc.stdout
    assert "still short: `otel_logs` holds 0 rows, 1 fewer than after the last ingest (1)" in proc.stdout
    assert status(mixed_store)[0] == 0  # said once; then the store is usable again
    after = totals(mixed_store)
    assert (after["input_tokens"], after["requests"]) == (JSONL_INPUT, 2)
    assert after["cost_usd"] == pytest.approx(JSONL_COST)


def test_health_answers_503_with_the_reason(mixed_store):
    damage(mixed_store, "events")
    probe = (
        "import json, sys\n"
        "from starlette.applications import Starlette\n"
        "from starlette.testclient import TestClient\n"
        "from analytics import api\n"
        "from analytics.store import Store\n"
        "store = Store.open_embedded(sys.argv[1])\n"
        "r = TestClient(Starlette(routes=api.routes(lambda: store))).get('/api/health')\n"
        "print(json.dumps({'code': r.status_code, 'body': r.json()}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe, str(mixed_store)],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout.strip().splitlines()[-1])
    assert answer["code"] == 503
    assert answer["body"]["status"] == "error"
    assert answer["body"]["error"].startswith("The store is damaged: a part of `events` was set aside")
    assert {d["table"] for d in answer["body"]["damage"]} == {"events"}


def test_the_app_shows_the_damage_and_loads_no_demo_data(mixed_store, tmp_path):
    damage(mixed_store, "events")
    probe = (
        "import json, sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "at = AppTest.from_file(sys.argv[1], default_timeout=120).run()\n"
        "print(json.dumps({'exceptions': [str(e.value) for e in at.exception],\n"
        "                  'errors': [str(e.value) for e in at.error]}))\n"
    )
    env = clean_env(ANALYTICS_DB=str(mixed_store), ANALYTICS_AUTOLOAD="1", HOME=str(tmp_path / "home"))
    proc = subprocess.run(
        [sys.executable, "-c", probe, APP], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    page = json.loads(proc.stdout.strip().splitlines()[-1])
    assert page["exceptions"] == []
    assert len(page["errors"]) == 1 and page["errors"][0].startswith("The store is damaged")
    code, info = status(mixed_store)
    assert code == 2 and not any(row["source"] == "demo" for row in info["events"])


def test_a_used_store_that_shows_nothing_gets_no_demo_data(app_on_empty, monkeypatch, tmp_path):
    """An ingest that found only metadata lines leaves the store empty but used: no first run."""
    write(
        tmp_path / "config" / "projects" / "-home-dev-shop" / "s.jsonl", [{"type": "summary", "summary": "x"}]
    )
    ingest_jsonl(app_on_empty, [tmp_path / "config" / "projects"])
    assert app_on_empty.rows("telemetry_count")[0][0] == 0
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ANALYTICS_AUTOLOAD")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert app_on_empty.rows("telemetry_count")[0][0] == 0  # still nothing: no demo rows
