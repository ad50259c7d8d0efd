"""Faults: the store unreachable, a wrong password, a hung server, a query over its time limit, a
read-only or missing store directory, a full disk, a transcript deleted mid-ingest.

Each fault must give a one-line StoreError (the engine's exception chained),
a one-line ``error:`` and exit code 2 from the CLI, and a clear ``st.error``
with a hint (never a traceback) on the overview page; the app stays up and
recovers without a restart when the fault clears.

Embedded-store faults run the CLI and the page in child processes (a process
holds one chDB directory); read-only and full disks are small tmpfs mounts,
which needs root (skipped otherwise).
"""

from __future__ import annotations

import errno
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import streamlit as st
from browser import start_app, stop_app
from chhttp import ChHttpAid, free_port
from clickhouse_connect.driver.exceptions import Error as ClientError
from jsonl_fixtures import assistant, tool_result, tool_use, usage, user_prompt, write
from streamlit.testing.v1 import AppTest

from analytics import api
from analytics import store as store_module
from analytics.ingest import jsonl
from analytics.ingest.jsonl import ingest_jsonl
from analytics.store import ServerConfig, Store, StoreError, server_config_from_env

ROOT = Path(__file__).resolve().parents[1]
OVERVIEW = str(ROOT / "pages" / "overview.py")
WIDGETS = [
    "Error Rate Monitor",
    "Cost Burn Rate Tracker",
    "Timeout Risk Assessment",
    "Tool Sequence Optimizer",
    "Model Efficiency Tracker",
]
PAGE_IN_CHILD = """
import json, sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=120).run()
texts = lambda elements: [str(e.value) for e in elements]
print(json.dumps({"exceptions": [str(e.value) for e in at.exception], "errors": texts(at.error),
                  "infos": texts(at.info), "metrics": [m.label for m in at.metric]}))
"""


# -- helpers -------------------------------------------------------------------------------------------


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any store configuration, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANALYTICS_", "CLICKHOUSE_"))}
    return {**env, "PYTHONPATH": str(ROOT), "ANALYTICS_AUTOLOAD": "0", **extra}


def cli(*args, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analytics", *map(str, args)],
        cwd=ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=180,
    )


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    """The CLI's single ``error:`` line of a run that failed with exit code 2."""
    lines = proc.stderr.strip().splitlines()
    assert (proc.returncode, len(lines)) == (2, 1), proc.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def page_in_child(**env: str) -> dict:
    """The overview page run under AppTest in a child process (its own chDB directory)."""
    proc = subprocess.run(
        [sys.executable, "-c", PAGE_IN_CHILD, OVERVIEW],
        cwd=ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def overview_in_process(monkeypatch, **env: str) -> AppTest:
    for k in list(os.environ):
        if k.startswith(("ANALYTICS_", "CLICKHOUSE_")):
            monkeypatch.delenv(k)
    for k, v in {"ANALYTICS_AUTOLOAD": "0", **env}.items():
        monkeypatch.setenv(k, v)
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        return AppTest.from_file(OVERVIEW, default_timeout=60).run()
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()


def assert_shows_error(at_or_page, *fragments: str) -> tuple[str, str]:
    """No traceback; one st.error holding every fragment; an st.info hint. Returns (error, hint)."""
    if isinstance(at_or_page, dict):
        exceptions, errors, infos = at_or_page["exceptions"], at_or_page["errors"], at_or_page["infos"]
    else:
        exceptions = [str(e.value) for e in at_or_page.exception]
        errors = [str(e.value) for e in at_or_page.error]
        infos = [str(i.value) for i in at_or_page.info]
    assert exceptions == []
    assert len(errors) == 1, errors
    for f in fragments:
        assert f in errors[0]
    assert len(infos) == 1
    return errors[0], infos[0]


class Blackhole:
    """A loopback TCP server that accepts connections and never answers (a hung server)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        for c in self.accepted:
            c.close()


class Outage:
    """A loopback TCP proxy to ``port`` that can drop every connection and refuse new ones (:meth:`cut`)
    until :meth:`restore` listens again on the same port: a server that goes away and comes back."""

    def __init__(self, port: int):
        self.target = port
        self.port = free_port()
        self.conns: list[socket.socket] = []
        self.restore()

    def restore(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(64)
        threading.Thread(target=self._accept, args=(self.sock,), daemon=True).start()

    def _accept(self, sock: socket.socket) -> None:
        while True:
            try:
                client, _ = sock.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(1 << 16):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread; close() alone would not
        except OSError:
            pass
        self.sock.close()
        conns, self.conns = self.conns, []
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()


@pytest.fixture
def tmpfs(tmp_path):
    """Mount small tmpfs file systems (unmounted afterwards); skips where mounting is not allowed."""
    mounted: list[Path] = []

    def mount(name: str, size: str = "64m") -> Path:
        d = tmp_path / name
        d.mkdir()
        r = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(d)], capture_output=True
        )
        if r.returncode:
            pytest.skip(f"cannot mount a tmpfs here (needs root): {r.stderr.decode().strip()}")
        mounted.append(d)
        return d

    yield mount
    for d in reversed(mounted):
        subprocess.run(["umount", "-l", str(d)], capture_output=True)


def remount(d: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(d)], check=True, capture_output=True)


def fill(d: Path) -> Path:
    """Write a file into ``d`` until its file system has no space left."""
    filler = d / "filler"
    block = b"\0" * (1 << 20)
    with filler.open("wb") as fh:
        try:
            while True:
                fh.write(block)
                fh.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def transcripts(root: Path) -> Path:
    write(
        root / "-home-dev-shop" / "s1.jsonl",
        [
            user_prompt("2025-05-01T09:59:00Z", "run the tests", uuid="q1"),
            assistant(
                "2025-05-01T10:00:00Z",
                "m1",
                "r1",
                usage(100, 20, 1000, 300),
                uuid="a1",
                content=[tool_use("t1", "Bash", {"command": "pytest -q"})],
            ),
            tool_result("2025-05-01T10:00:03Z", "t1", "3 passed", uuid="r1"),
            assistant("2025-05-01T10:00:04Z", "m2", "r2", usage(10, 200), uuid="a2"),
        ],
    )
    return root


# -- a server that is down, refuses the login, or hangs ---------------------------------------------------


@pytest.fixture(params=["refused", "wrong_password", "hung"])
def broken_server(request, chdb_path):
    """(environment naming the server, fragments the error must contain)."""
    if request.param == "refused":
        port = free_port()
        yield (
            {"CLICKHOUSE_HOST": "127.0.0.1", "CLICKHOUSE_PORT": str(port)},
            [f"Cannot reach the ClickHouse server at 127.0.0.1:{port}", "Connection refused"],
        )
    elif request.param == "wrong_password":
        with ChHttpAid(chdb_path, user="analyst", password="s3cret") as aid:
            yield (
                {
                    "CLICKHOUSE_HOST": "127.0.0.1",
                    "CLICKHOUSE_PORT": str(aid.port),
                    "CLICKHOUSE_USER": "analyst",
                    "CLICKHOUSE_PASSWORD": "wrong",
                },
                ["refused user 'analyst'", "AUTHENTICATION_FAILED"],
            )
    else:
        hole = Blackhole()
        try:
            yield (
                {
                    "CLICKHOUSE_HOST": "127.0.0.1",
                    "CLICKHOUSE_PORT": str(hole.port),
                    "CLICKHOUSE_QUERY_TIMEOUT": "1",
                },
                [f"The ClickHouse server at 127.0.0.1:{hole.port} did not answer within 1 s"],
            )
        finally:
            hole.close()


def test_a_broken_server_raises_one_line_store_error(broken_server):
    env, fragments = broken_server
    t0 = time.monotonic()
    with pytest.raises(StoreError) as info:
        Store.open_server(server_config_from_env(env, secrets={}))
    assert time.monotonic() - t0 < 10
    message = str(info.value)
    assert "\n" not in message
    for f in fragments:
        assert f in message
    assert "Check [connections.telemetry]" in message
    assert isinstance(info.value.__cause__, ClientError)


def test_a_broken_server_fails_the_cli_with_one_line(broken_server):
    env, fragments = broken_server
    line = one_line_error(cli("status", **env))
    for f in fragments:
        assert f in line


def test_a_broken_server_shows_an_error_and_a_hint_on_the_page(broken_server, monkeypatch):
    env, fragments = broken_server
    at = overview_in_process(monkeypatch, **env)
    _error, hint = assert_shows_error(at, "The telemetry store is unreachable", *fragments)
    assert "[connections.telemetry]" in hint
    assert at.metric.len == 0


def test_a_query_over_its_time_limit_is_a_store_error_and_the_store_goes_on(empty_store, chdb_path):
    with empty_store.client() as c:
        database = c.database
    with ChHttpAid(chdb_path) as aid:
        http = Store.open_server(ServerConfig(host="127.0.0.1", port=aid.port, database=database))
        try:
            for store in (empty_store, http):
                t0 = time.monotonic()
                with pytest.raises(StoreError) as info:
                    store.rows_sql("SELECT count() FROM system.numbers SETTINGS max_execution_time = 0.5")
                assert time.monotonic() - t0 < 10
                message = str(info.value)
                assert "\n" not in message
                assert message.startswith(f"The store at {store.location} did not finish a query in time: ")
                assert "(TIMEOUT_EXCEEDED)" in message
                assert "version" not in message and "for url" not in message
                assert isinstance(info.value.__cause__, ClientError)
                assert store.rows_sql("SELECT count() FROM events") == [(0,)]
        finally:
            http.close()


def test_a_store_error_names_the_query_and_keeps_the_engine_message(empty_store):
    with pytest.raises(StoreError) as info:
        empty_store.query("ingest_file_state")  # its parameter is missing
    message = str(info.value)
    assert message.startswith(
        f"The store at {empty_store.location} failed on query 'ingest_file_state': Code: "
    )
    assert "kind" in message and "\n" not in message


def test_the_store_recovers_when_the_server_comes_back(empty_store, chdb_path):
    with empty_store.client() as c:
        database = c.database
    with ChHttpAid(chdb_path) as aid:
        link = Outage(aid.port)
        store = Store.open_server(ServerConfig(host="127.0.0.1", port=link.port, database=database))
        try:
            assert store.rows_sql("SELECT count() FROM events") == [(0,)]
            link.cut()
            with pytest.raises(StoreError, match=r"failed on a query: \[Errno 111\] Connection refused"):
                store.rows_sql("SELECT count() FROM events")
            link.restore()
            assert store.rows_sql("SELECT count() FROM events") == [(0,)]  # the same Store, no reopening
        finally:
            store.close()
            link.cut()


def _get(url: str) -> tuple[int, dict | str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            status, body, ctype = r.status, r.read().decode(), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        status, body, ctype = exc.code, exc.read().decode(), exc.headers.get("Content-Type", "")
    return status, json.loads(body) if ctype.startswith("application/json") else body


def test_the_app_stays_up_and_recovers_when_the_server_returns(chdb_path, demo_database, tmp_path):
    aid = ChHttpAid(chdb_path).start()
    link = Outage(aid.port)
    env = {
        "ANALYTICS_DB": "",
        "CLICKHOUSE_HOST": "127.0.0.1",
        "CLICKHOUSE_PORT": str(link.port),
        "CLICKHOUSE_DATABASE": demo_database,
        "ANALYTICS_API_CACHE_SECONDS": "0",  # every call asks the server (a kept answer would outlive the cut)
    }
    proc, url = start_app(tmp_path / "unused", tmp_path / "app.log", extra_env=env)
    try:
        status, body = _get(url + "/api/health")
        assert (status, body["status"], body["store"]["kind"]) == (200, "ok", "server")
        events = body["events"]
        assert events > 0
        assert _get(url + "/api/telemetry/cost-burnrate")[0] == 200

        link.cut()  # the server goes away
        deadline = time.monotonic() + api.HEALTH_SECONDS + 5  # a health answer is reused for a few seconds
        while (status := _get(url + "/api/health")[0]) != 503 and time.monotonic() < deadline:
            time.sleep(0.5)
        status, body = _get(url + "/api/health")
        assert (status, body["status"]) == (503, "error")
        assert "Connection refused" in body["error"] and "\n" not in body["error"]
        status, body = _get(url + "/api/telemetry/cost-burnrate")
        assert status == 503 and "Connection refused" in body["error"]
        assert _get(url + "/")[0] == 200  # the app itself still answers
        assert proc.poll() is None

        link.restore()  # and comes back
        deadline = time.monotonic() + 30
        while (status := _get(url + "/api/health")[0]) != 200 and time.monotonic() < deadline:
            pass
        status, body = _get(url + "/api/health")
        assert (status, body["status"], body["events"]) == (200, "ok", events)
        assert _get(url + "/api/telemetry/cost-burnrate")[0] == 200
        assert proc.poll() is None  # never restarted
    finally:
        stop_app(proc)
        link.cut()
        aid.stop()


# -- the embedded store's directory: read-only, missing, full ---------------------------------------------


def test_a_read_only_store_directory(tmpfs):
    disk = tmpfs("disk")
    db = disk / "db"
    assert cli("--db", db, "demo", "--events", "2000").returncode == 0
    remount(disk, "ro")

    assert "The store directory" in one_line_error(cli("--db", db, "status"))
    assert one_line_error(cli("--db", db, "status")).endswith(f"{db} is not writable.")
    line = one_line_error(cli("--db", disk / "new", "status"))
    assert line == f"error: Cannot create the store directory {disk / 'new'}: Read-only file system."

    page = page_in_child(ANALYTICS_DB=str(db))
    _error, hint = assert_shows_error(page, f"The store directory {db} is not writable.")
    assert "ANALYTICS_DB" in hint
    hosted = page_in_child(ANALYTICS_DB=str(db), ANALYTICS_HOSTED="1")  # the reason, with its path, is logged
    error, _hint = assert_shows_error(
        hosted, "The telemetry store is unreachable. The reason is in the server's log."
    )
    assert str(db) not in error

    remount(disk, "rw")  # the fault clears
    assert cli("--db", db, "status").returncode == 0


def test_a_missing_store_directory(monkeypatch, tmp_path, caplog):
    missing = tmp_path / "nowhere"
    at = overview_in_process(monkeypatch, ANALYTICS_DB=str(missing), ANALYTICS_HOSTED="1")
    error, hint = assert_shows_error(at, "The reason is in the server's log.")  # a hosted page names no path
    assert str(missing) not in error
    assert f"The store {missing} does not exist." in caplog.text  # the server's log has it
    assert "read-only hosted view" in hint
    assert not missing.exists()  # a read-only view never creates it

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    line = one_line_error(cli("--db", blocker / "db", "status"))
    assert line == f"error: Cannot create the store directory {blocker / 'db'}: Not a directory."


def test_a_full_disk_fails_only_the_writes_and_loses_nothing(tmpfs, tmp_path):
    disk = tmpfs("disk")
    db = disk / "db"
    source = transcripts(tmp_path / "projects")
    assert cli("--db", db, "demo", "--events", "2000").returncode == 0
    filler = fill(disk)

    assert cli("--db", db, "status").returncode == 0  # reading needs no space
    line = one_line_error(cli("--db", db, "ingest", source))
    assert f"The store at {db} has no disk space left for " in line
    assert "(NOT_ENOUGH_SPACE)" in line
    page = page_in_child(ANALYTICS_DB=str(db))
    assert (page["exceptions"], page["errors"], page["metrics"]) == ([], [], WIDGETS)

    filler.unlink()  # the fault clears: the store opens (nothing half-written) and the ingest completes
    assert cli("--db", db, "ingest", source).returncode == 0
    clean = tmp_path / "clean"
    assert cli("--db", clean, "ingest", source).returncode == 0

    def jsonl_events(path: Path) -> list:
        info = json.loads(cli("--db", path, "status", "--json").stdout)
        return [(e["event"], e["events"]) for e in info["events"] if e["source"] == "jsonl"]

    assert (
        jsonl_events(db)
        == jsonl_events(clean)
        == [
            ("api_request", 2),
            ("tool_result", 1),
            ("user_prompt", 1),
        ]
    )


# -- schema upkeep writes nothing on a current store ------------------------------------------------------


def test_opening_a_current_store_writes_nothing(empty_store, monkeypatch):
    statements: list[str] = []
    command_sql, insert_rows = empty_store.command_sql, empty_store.insert_rows
    monkeypatch.setattr(
        empty_store, "command_sql", lambda sql, **p: statements.append(sql) or command_sql(sql, **p)
    )
    monkeypatch.setattr(
        empty_store,
        "insert_rows",
        lambda *a, **k: statements.append(f"INSERT {a[0]}") or insert_rows(*a, **k),
    )
    empty_store.ensure_schema()
    assert statements == []  # the schema the last run applied, every object present: no statement runs
    empty_store.command_sql("DROP TABLE rollup_errors")
    statements.clear()
    empty_store.ensure_schema()  # a missing table is created again, the rest re-run as no-ops
    assert empty_store.table_exists("rollup_errors")
    created = [
        s
        for s in statements
        if re.search(
            r"CREATE (TABLE|MATERIALIZED VIEW) IF NOT EXISTS|ALTER TABLE \w+ ADD COLUMN IF NOT EXISTS", s
        )
    ]
    tuned = [s for s in statements if "MODIFY SETTING cleanup_delay_period = 1" in s]
    assert created and len(created) + len(tuned) == len(statements)
    ((ddl,),) = empty_store.rows_sql(
        "SELECT create_table_query FROM system.tables WHERE database = currentDatabase() AND name = 'rollup_errors'"
    )
    assert "cleanup_delay_period = 1" in ddl  # the recreated table too
    statements.clear()
    empty_store.ensure_schema()
    assert statements == []
    empty_store.command_sql("DROP FUNCTION cc_language")  # found missing without system.functions
    statements.clear()
    empty_store.ensure_schema()
    assert [s for s in statements if "FUNCTION" in s] == [
        dict(store_module.schema_statements())["20_fn_language"]
    ]
    assert empty_store.rows_sql("SELECT cc_language('a.py')") == [("Python",)]


OUTDATED_IN_CHILD = """
import sys, time
from analytics.store import Store
store = Store.open_embedded(sys.argv[1])
store.ensure_schema()
outdated = "SELECT countIf(NOT active) FROM system.parts WHERE database = currentDatabase() AND table = 'meta'"
if sys.argv[2] == "write":  # three parts merged into one: three outdated
    for n in range(3):
        store.insert_rows("meta", [[f"k{n}", "v"]], ["key", "value"])
    store.command_sql("OPTIMIZE TABLE meta FINAL")
    print(store.rows_sql(outdated)[0][0])
else:  # a later command: how long until they are gone
    t0 = time.monotonic()
    while store.rows_sql(outdated)[0][0] and time.monotonic() - t0 < 20:
        time.sleep(0.1)
    print(store.rows_sql(outdated)[0][0], round(time.monotonic() - t0, 1))
store.close()
"""


def test_outdated_parts_are_removed_by_the_next_command_within_seconds(tmp_path):
    """The parts a write leaves outdated go a second or two into the next command, not 30-40 s."""

    def child(step: str) -> list[float]:
        proc = subprocess.run(
            [sys.executable, "-c", OUTDATED_IN_CHILD, str(tmp_path / "db"), step],
            cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        return [float(v) for v in proc.stdout.split()]

    assert child("write")[0] >= 3
    left, seconds = child("read")
    assert left == 0 and seconds < 10


def test_a_changed_or_missing_view_is_written_again(empty_store, monkeypatch):
    empty_store.command_sql("DROP VIEW telemetry")
    empty_store.ensure_schema()
    assert empty_store.table_exists("telemetry")

    original = store_module.schema_statements()
    changed = [(n, d + "\n-- changed") if n == "10_telemetry_view" else (n, d) for n, d in original]
    monkeypatch.setattr(store_module, "schema_statements", lambda: changed)
    statements: list[str] = []
    command_sql = empty_store.command_sql
    monkeypatch.setattr(
        empty_store, "command_sql", lambda sql, **p: statements.append(sql) or command_sql(sql, **p)
    )
    empty_store.ensure_schema()
    assert [s for s in statements if "CREATE OR REPLACE" in s] == [dict(changed)["10_telemetry_view"]]
    statements.clear()
    empty_store.ensure_schema()
    assert [s for s in statements if "CREATE OR REPLACE" in s] == []


# -- a transcript removed between planning and reading ----------------------------------------------------


@pytest.mark.parametrize("settled", [False, True], ids=["copied", "linked"])
def test_a_transcript_deleted_during_an_ingest_is_skipped(empty_store, tmp_path, monkeypatch, settled):
    keep = write(
        tmp_path / "p" / "s1.jsonl", [assistant("2025-05-01T10:00:00Z", "m1", "r1", usage(1, 2), uuid="a")]
    )
    gone = write(
        tmp_path / "p" / "s2.jsonl", [assistant("2025-05-01T10:00:01Z", "m2", "r2", usage(3, 4), uuid="b")]
    )
    if settled:
        monkeypatch.setattr(jsonl, "LIVE_SECONDS", -1.0)
    plan = jsonl.plan_chunks

    def plan_then_delete(files, state, *args):
        out = plan(files, state, *args)
        gone.unlink()  # Claude Code cleans up old transcripts
        return out

    monkeypatch.setattr(jsonl, "plan_chunks", plan_then_delete)
    report = ingest_jsonl(empty_store, [tmp_path])
    assert (report.lines, report.skipped, report.events) == (1, {}, {"api_request": 1})
    assert keep.exists()
    assert empty_store.rows_sql("SELECT message_id FROM telemetry") == [("m1",)]
    monkeypatch.setattr(jsonl, "plan_chunks", plan)
    assert ingest_jsonl(empty_store, [tmp_path]).files_read == 0
