"""The CLI as users run it: `python -m analytics ...` in its own process with its own store directory."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from jsonl_fixtures import SONNET, assistant, tool_result, tool_use, usage, user_prompt, write

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ("ingest", "report", "demo", "refresh", "status", "export", "serve-check")


def cli(*args, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    proc = subprocess.run(
        [sys.executable, "-m", "analytics", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}: {proc.stderr}")
    return proc


@pytest.fixture
def transcripts(tmp_path) -> Path:
    root = tmp_path / "projects"
    write(
        root / "-home-dev-shop" / "s1.jsonl",
        [
            user_prompt("2025-04-30T21:59:00Z", "list the cart tests", uuid="q1"),
            assistant(
                "2025-04-30T22:00:00Z",
                "m1",
                "r1",
                usage(100, 10, 1000, 0),
                uuid="a1",
                content=[tool_use("t1", "Grep", {"pattern": "def test_cart"})],
            ),
            assistant("2025-04-30T22:00:01Z", "m1", "r1", usage(100, 50, 1000, 0), uuid="a2"),
            tool_result("2025-04-30T22:00:02Z", "t1", "tests/test_cart.py", uuid="r1"),
            assistant("2025-05-01T09:00:00Z", "m2", "r2", usage(10, 20, 0, 400, w5=100, w1h=300), uuid="a3"),
            "{torn",
        ],
    )
    return root


def test_every_command_has_help():
    for cmd in COMMANDS:
        out = cli(cmd, "--help").stdout
        assert out.startswith("usage: python -m analytics") and "--db" in out, cmd


def test_ingest_json_report_then_idempotent_rerun(tmp_path, transcripts):
    db = tmp_path / "db"
    report = json.loads(cli("--db", db, "ingest", transcripts, "--json").stdout)
    assert report["files_seen"] == 1 and report["lines"] == 6
    assert report["events"] == {"api_request": 2, "tool_result": 1, "user_prompt": 1}
    assert report["skipped"] == {"malformed_json": 1}
    assert report["dedup"] == {"duplicate_content_block": 1, "sidechain_replay": 0, "already_in_store": 0}
    assert report["unpriced_requests"] == 0
    again = json.loads(cli("ingest", transcripts, "--json", "--db", db).stdout)
    assert (again["files_read"], again["lines"], again["events"]) == (0, 0, {})


def test_an_ingest_never_loads_pandas(tmp_path, transcripts):
    # the first ingest into a new store and one that reads an appended line: neither needs pandas
    # (~0.2 s of import), not even to insert the rows it keeps
    db = tmp_path / "db"
    for step in range(2):
        if step:
            with (transcripts / "-home-dev-shop" / "s1.jsonl").open("a") as fh:
                fh.write(
                    json.dumps(user_prompt("2025-05-01T10:00:00Z", "and the checkout", uuid="q2")) + "\n"
                )
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "analytics", "--db", str(db), "ingest", str(transcripts),
             "--json"],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["lines"] == (6 if step == 0 else 1)
        imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
        assert "numpy" in imported and "pandas" not in imported


def test_report_json_contract_and_time_zone(tmp_path, transcripts):
    db = tmp_path / "db"
    cli("--db", db, "ingest", transcripts)
    out = json.loads(cli("--db", db, "report", "--by", "day", "--tz", "Asia/Tokyo", "--json").stdout)
    # 22:00Z on Apr 30 is May 1 in Tokyo, as is 09:00Z on May 1: one Tokyo day.
    m1 = (100 * 3 + 50 * 15 + 1000 * 0.3) / 1e6
    m2 = (10 * 3 + 20 * 15 + 100 * 3.75 + 300 * 6) / 1e6
    assert out["rows"] == [
        {
            "date": "2025-05-01",
            "input_tokens": 110,
            "output_tokens": 70,
            "cache_read_tokens": 1000,
            "cache_write_5m_tokens": 100,
            "cache_write_1h_tokens": 300,
            "total_tokens": 1580,
            "cost_usd": pytest.approx(m1 + m2, abs=1e-9),
            "requests": 2,
            "unpriced_requests": 0,
        }
    ]
    utc = json.loads(cli("--db", db, "report", "--by", "day", "--tz", "UTC", "--json").stdout)
    assert [r["date"] for r in utc["rows"]] == ["2025-04-30", "2025-05-01"]
    assert utc["totals"]["cost_usd"] == pytest.approx(m1 + m2, abs=1e-6)
    models = json.loads(cli("--db", db, "report", "--by", "model", "--json").stdout)
    assert [r["model"] for r in models["rows"]] == [SONNET]
    week = json.loads(cli("--db", db, "report", "--by", "week", "--tz", "UTC", "--json").stdout)
    assert [r["week"] for r in week["rows"]] == ["2025-04-28"]  # the Monday of that week
    since = json.loads(
        cli("--db", db, "report", "--by", "session", "--since", "2025-05-01", "--tz", "UTC", "--json").stdout
    )
    assert since["totals"]["requests"] == 1 and since["rows"][0]["session_id"] == "s1"
    text = cli("--db", db, "report", "--by", "month", "--tz", "UTC").stdout
    assert "2025-04" in text and "2025-05" in text and "(days in UTC)" in text


def test_bad_input_exits_1_with_a_reason(tmp_path):
    db = tmp_path / "db"
    proc = cli("--db", db, "report", "--by", "day", "--tz", "Mars/Olympus", check=False)
    assert proc.returncode == 1 and proc.stderr.startswith("error:")
    proc = cli("--db", db, "ingest", tmp_path / "nope", check=False)
    assert proc.returncode == 1 and "no such file" in proc.stderr
    proc = cli("--db", db, "report", "--by", "day", "--since", "yesterday", check=False)
    assert proc.returncode == 2 and "not a date" in proc.stderr


def test_status_and_export(tmp_path, transcripts):
    db = tmp_path / "db"
    cli("--db", db, "ingest", transcripts)
    status = json.loads(cli("--db", db, "status", "--json").stdout)
    assert status["store"]["schema_version"] == "4"
    assert {(e["event"], e["events"]) for e in status["events"]} == {
        ("api_request", 2),
        ("tool_result", 1),
        ("user_prompt", 1),
    }
    assert status["last_runs"][0]["kind"] == "jsonl"
    assert status["rollups"] == {"built": True, "pending_hours": 0}
    out = tmp_path / "events.parquet"
    assert "wrote 4 rows" in cli("--db", db, "export", "--format", "parquet", out).stdout
    df = pd.read_parquet(out)
    assert sorted(df["event"]) == ["api_request", "api_request", "tool_result", "user_prompt"]
    csv = tmp_path / "events.csv"
    cli("--db", db, "export", "--format", "csv", csv)
    assert len(pd.read_csv(csv)) == 4


def test_locked_store_exits_3_and_reads_nothing(tmp_path, transcripts):
    db = tmp_path / "db"
    cli("--db", db, "status")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import sys, clickhouse_connect
        c = clickhouse_connect.get_client(dsn='chdb://{db}')
        print('open', flush=True)
        sys.stdin.readline()
        """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        proc = cli("--db", db, "ingest", transcripts, check=False)
        assert proc.returncode == 3
        assert "open in another process" in proc.stderr and proc.stderr.count("\n") == 1
    finally:
        holder.communicate("\n", timeout=30)
    report = json.loads(cli("--db", db, "ingest", transcripts, "--json").stdout)
    assert report["events"]["api_request"] == 2  # nothing was lost while locked


def test_unwritable_store_directory_is_a_one_line_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = cli("--db", blocker / "db", "status", check=False)
    assert proc.returncode == 2 and proc.stderr.startswith("error: Cannot create the store directory")
