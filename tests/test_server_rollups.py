"""The hourly totals on a ClickHouse server the OpenTelemetry Collector writes to directly.

The server code path runs through ``tests/chhttp.py`` (this process's engine behind the ClickHouse
HTTP interface). Records reach ``otel_logs`` the way the Collector's exporter puts them there: one
INSERT of the mapped rows, which no command of ours sees. The materialized view notes their hours,
readers leave those hours to the events, and a refresh brings them into the totals, which then
answer exactly as the raw events do.
"""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta
from itertools import count

import otlp_fixtures as otlp
import pytest
from chhttp import ChHttpAid
from jsonl_fixtures import SONNET
from test_rollups import DAY, assert_same, session, whole

from analytics import errors, rollups
from analytics.__main__ import main
from analytics.filters import Filters
from analytics.ingest import otel
from analytics.ingest.jsonl import ingest_jsonl
from analytics.store import ServerConfig, Store

_ids = count()


@pytest.fixture(scope="module")
def aid(chdb_path):
    with ChHttpAid(chdb_path) as server:
        yield server


@pytest.fixture
def server(chdb_path, aid):
    """A server store on a fresh database, and its connection settings."""
    name = f"srv{os.getpid()}_{next(_ids)}"
    Store.open_embedded(chdb_path, database=name).close()
    config = ServerConfig(host="127.0.0.1", port=aid.port, database=name)
    store = Store.open_server(config)
    store.ensure_schema()
    yield store, config
    store.close()


def collect(store: Store, records: list[dict]) -> None:
    """What the Collector's ClickHouse exporter does with a logs body: one INSERT into otel_logs."""
    rows = otel.rows_from_body(otlp.body(records), otel.OtelImportReport())
    store.insert_arrow("otel_logs", otel._arrow_table(rows))


def bash(store: Store, filters: Filters) -> tuple:
    """(results, errors) of Bash in the tool errors, from the query the readers choose."""
    rows = store.query(rollups.query_name(store, filters, "errors_tools"), **filters.params())
    return tuple(rows.set_index("tool").loc["Bash", ["results", "errors"]])


def point_cli_at(monkeypatch, config: ServerConfig) -> None:
    """``python -m analytics`` commands go to the server (its ``CLICKHOUSE_*`` variables)."""
    monkeypatch.delenv("ANALYTICS_DB", raising=False)
    monkeypatch.setenv("CLICKHOUSE_HOST", config.host)
    monkeypatch.setenv("CLICKHOUSE_PORT", str(config.port))
    monkeypatch.setenv("CLICKHOUSE_DATABASE", config.database)


def test_collector_rows_reach_the_totals_at_the_next_refresh(server, tmp_path, monkeypatch, capsys):
    store, config = server
    root = tmp_path / "projects"
    for n in range(1, 4):
        session(root, n)
    rollups.ensure(store)  # built on a server too, as every ingest command does first
    ingest_jsonl(store, [root])
    assert rollups.current(store)
    f = whole(store, "UTC")
    assert assert_same(store, f)
    assert bash(store, f) == (3, 2)  # t1..t3; t1 and t3 failed

    # the collector: s1's request again (its transcript twin's count stays one), an OTel-only tool call
    # of s1, an API error in s3, and a rejection of s2's stored Bash call an hour before that call
    rejected_at = DAY + timedelta(days=2, seconds=-10)
    collect(store, [
        otlp.record(DAY + timedelta(days=1, seconds=4), "api_request", "s1", request_id="r1a", model=SONNET,
                    cost_usd="0.5", input_tokens="1001", output_tokens="50", cache_read_tokens="0",
                    cache_creation_tokens="0", duration_ms="3000"),
        otlp.record(DAY + timedelta(days=1, seconds=6), "tool_result", "s1", tool_name="Read", success="true"),
        otlp.record(DAY + timedelta(seconds=5), "api_error", "s3", model=SONNET, status_code="529",
                    error="Overloaded", attempt="1"),
        otlp.record(rejected_at, "tool_decision", "s2", tool_name="Bash", tool_use_id="t2", decision="reject",
                    source="user_reject"),
    ])  # fmt: skip
    hours = {h for (h,) in store.rows_sql("SELECT DISTINCT hour FROM rollup_pending")}
    day = DAY.replace(tzinfo=None)
    assert hours == {
        day - timedelta(hours=1),  # the error at 09:00:05, widened by 6 s to 08:59:59
        day,
        day + timedelta(days=1, hours=-1),
        day + timedelta(days=1),
        day + timedelta(days=2, hours=-1),  # the rejection at 08:59:50 (its result at 09:00:07)
    }
    assert not rollups.current(store)
    point_cli_at(monkeypatch, config)
    assert main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rollups"] == {"built": True, "pending_hours": 5}
    # every reader of a window holding a noted hour reads the events: the rejection counts at once
    assert rollups.query_name(store, f, "errors_tools") == "errors_tools"
    assert bash(store, f) == (2, 2)
    # a window of whole hours without a noted one still reads the totals, and they are exact there
    after = Filters(start=DAY + timedelta(days=2), end=DAY + timedelta(days=3), tz="UTC")
    assert rollups.query_name(store, after, "errors_tools") == "errors_tools_rollup"
    assert bash(store, after) == (1, 0)  # the rejection is outside this window: its result counts
    # a window ending inside an hour: the totals up to its first noted hour, the events after it
    live = f.with_window(f.start, f.end - timedelta(minutes=17))
    assert rollups.split_hour(store, live) == day - timedelta(hours=1)
    failures = errors.load_failures(store, live)
    counts = dict(store.rows("errors_failures", **live.params()))
    assert failures.api.errors == counts["api_error:overloaded"] == 2
    assert failures.rejected == counts["decision:reject"] == 1

    # a refresh right away recomputes every noted hour but keeps the notes of the last minute (the
    # collector's rows and its notes are not written at once), so readers still take the events
    assert main(["refresh", "--json"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert done == {"built": False, "pending_hours_before": 5, "pending_hours_after": 5,
                    "seconds": done["seconds"]}  # fmt: skip
    assert rollups.query_name(store, f, "errors_tools") == "errors_tools"
    # a minute later the next refresh lets them go: the totals answer again, exactly
    monkeypatch.setattr(rollups, "PENDING_GRACE", timedelta(0))
    assert main(["refresh"]) == 0
    assert re.match(r"rollups: 5 pending hours recomputed in [\d.]+ s; 0 noted", capsys.readouterr().out)
    assert rollups.current(store)
    assert assert_same(store, f)
    assert bash(store, f) == (2, 2)
    costs = store.query("costs_series_rollup", **f.params() | {"freq": "day"})
    assert int(costs["requests"].sum()) == 6  # s1's request counted once
    seqs = store.query("tools_sequences_rollup", **f.params()).set_index("session_id")
    assert list(seqs.loc["s1", "tools"]) == ["Read", "Bash"]  # the collector's call at :06, then :07


def test_an_embedded_store_left_with_notes_reads_the_events_until_its_next_writable_open(chdb_path, tmp_path):
    """An embedded store is written only by its owner, which refreshes what it notes; notes left by
    a write that stopped half-way are found when the store is next opened, and a writable open
    (the app's, or any ingest's) refreshes them."""
    name = f"emb{os.getpid()}_{next(_ids)}"
    store = Store.open_embedded(chdb_path, database=name)
    store.ensure_schema()
    rollups.ensure(store)
    root = tmp_path / "projects"
    session(root, 2)
    ingest_jsonl(store, [root])
    f = whole(store, "UTC")
    assert rollups.current(store)
    # a write stopped between its insert and its refresh: rows in otel_logs, their hours noted
    collect(store, [otlp.record(rejected := DAY + timedelta(days=2, seconds=-10), "tool_decision", "s2",
                                tool_name="Bash", tool_use_id="t2", decision="reject", source="user_reject")])  # fmt: skip
    store.close()
    store = Store.open_embedded(chdb_path, database=name, readonly=True)
    assert rollups.first_pending(store) == rejected.replace(minute=0, second=0, tzinfo=None)
    assert rollups.query_name(store, f, "errors_tools") == "errors_tools"
    store.close()
    store = Store.open_embedded(chdb_path, database=name)
    rollups.ensure(store)
    assert rollups.current(store)
    assert rollups.query_name(store, f, "errors_tools") == "errors_tools_rollup"
    assert assert_same(store, f)
    assert store.query("errors_tools_rollup", **f.params()).empty  # its one Bash call was rejected
    since_the_call = f.with_window(DAY + timedelta(days=2), f.end)  # leaves the rejection out
    assert rollups.query_name(store, since_the_call, "errors_tools") == "errors_tools_rollup"
    assert bash(store, since_the_call) == (1, 0)
    store.close()


def test_an_older_store_opened_read_only_still_reads_its_totals(chdb_path, tmp_path):
    """A store of the version before the notes (no ``rollup_pending``), opened read-only so never
    migrated: nothing can note an hour there, so its totals answer as before."""
    name = f"old{os.getpid()}_{next(_ids)}"
    store = Store.open_embedded(chdb_path, database=name)
    store.ensure_schema()
    rollups.ensure(store)
    session(tmp_path / "projects", 1)
    ingest_jsonl(store, [tmp_path / "projects"])
    store.command_sql("DROP VIEW rollup_pending_otel")
    store.command_sql("DROP TABLE rollup_pending")
    store.close()
    store = Store.open_embedded(chdb_path, database=name, readonly=True)
    f = whole(store, "UTC")
    assert rollups.current(store)
    assert rollups.query_name(store, f, "costs_series") == "costs_series_rollup"
    assert assert_same(store, f)
    store.close()
