"""One contract for every Store backend.

Run against (a) the embedded chDB store, (b) ``Store.open_server`` through
clickhouse-connect's real HTTP client against the loopback aid in
``tests/chhttp.py`` (serving this process's chDB engine), and (c) a real
ClickHouse server when ``CLICKHOUSE_TEST_URL`` is set
(``http://user:password@host:port/database``; skipped otherwise).
"""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandas as pd
import pyarrow.parquet as pq
import pytest
from chhttp import ChHttpAid, free_port
from clickhouse_connect.driver.exceptions import DatabaseError

from analytics.filters import Filters
from analytics.ingest.jsonl import ingest_jsonl
from analytics.store import (
    SCHEMA_VERSION,
    SQL_DIR,
    STAGE_TABLES,
    TABLES,
    ServerConfig,
    Store,
    StoreError,
    schema_statements,
)

BACKENDS = ("embedded", "http", "server")
_ids = itertools.count()

FILTERS_SQL = (SQL_DIR / "_filters.sql").read_text().strip()
TOTALS_SQL = """
SELECT event, model, user, count() AS n, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
       round(ifNull(sum(cost_usd), 0), 6) AS cost, countIf(cost_usd IS NULL) AS unpriced, min(ts) AS first_ts, max(toDate(ts, {tz:String})) AS last_day
FROM telemetry
WHERE __FILTERS__
GROUP BY event, model, user
ORDER BY event, model, user
""".replace("__FILTERS__", FILTERS_SQL)
ECHO_SQL = "SELECT {v:String} AS v, length({v:String}) AS bytes, {a:Array(String)} AS a"

AWKWARD = [
    "plain",
    "it's",
    'say "hi"',
    "back\\slash",
    "\\N",
    "\\t is not a tab",
    "tab\there",
    "new\nline",
    "carriage\rreturn",
    "windows\r\nline end\r\n",
    "ünïcødé ✓ 日本語 🎉",
    "",
    "all of 'them' \"at\" once \\ \t \n done",
    "{v:String} is not a placeholder here",
]

EVENTS = pd.DataFrame(
    {
        "ts": pd.to_datetime(
            ["2025-10-01 09:00:00", "2025-10-01 09:05:00", "2025-10-01 23:30:00", "2025-10-02 08:00:00"],
            utc=True,
        ),
        "source": ["jsonl"] * 4,
        "event": ["api_request", "api_request", "api_error", "tool_result"],
        "session_id": ["s1", "s1", "s2", "s3"],
        "event_id": ["req:a", "req:b", "err:c", "tool:d"],
        "project": ["alpha", "alpha", "alpha", "beta"],
        "model": ["claude-sonnet-4-5", "claude-haiku-4-5", "claude-sonnet-4-5", ""],
        "user_email": ["ada@example.com", "ada@example.com", "grace@example.com", "ada@example.com"],
        "input_tokens": [1000, 200, 0, 0],
        "output_tokens": [300, 50, 0, 0],
        "cost_usd": [0.0075, 0.00045, None, None],
        "cost_source": ["computed", "computed", "", ""],
        "tool": ["", "", "", "Bash"],
        "error_text": ["", "", "tab\there 'quoted' \\ back", ""],
        "attrs": [{"k": "v"}, {}, {"status": "529"}, {}],
        "version": [1, 1, 1, 1],
    }
)


def _url_config() -> ServerConfig | None:
    url = os.environ.get("CLICKHOUSE_TEST_URL")
    if not url:
        return None
    u = urlsplit(url)
    return ServerConfig(
        host=u.hostname or "localhost",
        port=u.port,
        username=unquote(u.username or "default"),
        password=unquote(u.password or ""),
        database=u.path.strip("/") or "default",
        secure=u.scheme == "https",
    )


@pytest.fixture(scope="module")
def aid(chdb_path):
    with ChHttpAid(chdb_path) as server:
        yield server


@pytest.fixture
def open_store(chdb_path, aid):
    """Open a store of a backend on a fresh, empty database; everything opened is closed afterwards."""
    opened: list[Store] = []
    cleanups: list = []

    def make(kind: str) -> Store:
        name = f"c{os.getpid()}_{next(_ids)}"
        if kind == "embedded":
            store = Store.open_embedded(chdb_path, database=name)
        elif kind == "http":
            Store.open_embedded(chdb_path, database=name).close()
            store = Store.open_server(ServerConfig(host="127.0.0.1", port=aid.port, database=name))
        else:
            cfg = _url_config()
            if cfg is None:
                pytest.skip("CLICKHOUSE_TEST_URL is not set")
            admin = Store.open_server(cfg)
            admin.command_sql("CREATE DATABASE IF NOT EXISTS " + name)
            cleanups.append(lambda: (admin.command_sql("DROP DATABASE IF EXISTS " + name), admin.close()))
            store = Store.open_server(replace(cfg, database=name))
        opened.append(store)
        return store

    yield make
    for s in opened:
        s.close()
    for c in cleanups:
        c()


@pytest.fixture(params=BACKENDS)
def store(request, open_store) -> Store:
    s = open_store(request.param)
    s.ensure_schema()
    return s


def _load(store: Store) -> None:
    store.insert_df("events", EVENTS)
    store.insert_rows(
        "ingest_files",
        [["/data/a b.jsonl", "jsonl", 120, 1759309200.5, 42, 120], ["/data/o.json", "otel", 9, 1.25, 7, 9]],
        ["path", "kind", "size", "mtime", "inode", "offset"],
    )


def _totals(store: Store) -> pd.DataFrame:
    f = Filters(
        start=datetime(2025, 10, 1, tzinfo=UTC),
        end=datetime(2025, 10, 3, tzinfo=UTC),
        tz="Europe/Berlin",
        projects=("alpha",),
    )
    return store.query_sql(TOTALS_SQL, **f.params())


# -- the contract ------------------------------------------------------------------


def test_ensure_schema_is_idempotent(store):
    store.ensure_schema()
    for table in ("events", "otel_logs", "otel_events", "telemetry", "ingest_files", "ingest_runs", "meta"):
        assert store.table_exists(table), table
    assert store.rows_sql("SELECT value FROM meta FINAL WHERE key = 'schema_version'") == [(SCHEMA_VERSION,)]
    assert store.rows_sql("SELECT count() FROM telemetry") == [(0,)]


V4_COLUMNS = (
    "    repository String,\n",
    "    duration_source LowCardinality(String),\n",
    "    output_text String,\n",
)
V4_INDEX = "    INDEX idx_output lower(output_text) TYPE text(tokenizer = splitByNonAlpha) GRANULARITY 1,\n"


def _events_ddl(version: int) -> str:
    """The events table as schema version ``version`` (2 or 3) made it."""
    ddl = (SQL_DIR / "schema" / "01_events.sql").read_text()
    for line in (*V4_COLUMNS, V4_INDEX):
        assert line in ddl
        ddl = ddl.replace(line, "")
    if version == 2:  # no hidden flag, no block number settings
        ddl = ddl.replace("    hidden UInt8 DEFAULT 0,\n", "").split("SETTINGS enable_block_number_column")[0]
    return ddl


def _make_version_3(store: Store) -> None:
    """Turn a store into what schema version 3 left: its events table, stage table and views, its rows as
    that ingest wrote them (project = each line's cwd, no request durations, no texts or outputs), no
    tables of version 4, and meta saying version 3."""
    store.command_sql("RENAME TABLE events TO events_v4")
    store.command_sql(_events_ddl(3))
    store.command_sql(
        "INSERT INTO events SELECT * EXCEPT (repository, duration_source, output_text) REPLACE ("
        "if(source = 'jsonl', cwd, project) AS project, version % 281474976710656 AS version, "
        "if(event = 'api_request', NULL, duration_ms) AS duration_ms, if(event = 'api_request', '', text) AS text"
        ") FROM events_v4"
    )
    store.command_sql("DROP TABLE events_v4")
    parsed = (SQL_DIR / "schema" / "11_ingest_parsed.sql").read_text()
    parsed = parsed.replace("    parent_uuid String,\n", "").replace("    request_key String,\n", "")
    for table in ("ingest_parsed", "ingest_events", "ingest_chunks", "transcript_lines", "project_dirs"):
        store.command_sql(f"DROP TABLE IF EXISTS {table}")
    store.command_sql(parsed)
    for view in ("telemetry", "source_events", "otel_request_keys"):
        store.command_sql(f"DROP VIEW IF EXISTS {view}")
    store.command_sql(
        "CREATE VIEW telemetry AS SELECT *, if(user_email != '', user_email, if(user_id != '', user_id, 'local')) "
        "AS user FROM events WHERE hidden = 0"
    )
    store.command_sql("DELETE FROM meta WHERE startsWith(key, 'ddl:')")
    store.insert_rows("meta", [["schema_version", "3"]], ["key", "value"])


def _columns(store: Store, table: str) -> list[str]:
    return [
        name
        for (name,) in store.rows_sql(
            "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = {t:String} "
            "ORDER BY position",
            t=table,
        )
    ]


def test_a_version_2_store_is_migrated_and_its_rows_stay_replaceable(store, tmp_path: Path):
    """A store made before the ``hidden`` flag keeps its rows, and a partial response stored then is
    replaced by its final version (through the swap that needs the migrated table's settings)."""
    project = tmp_path / "projects" / "-w-p"
    project.mkdir(parents=True)
    lines = TRANSCRIPT.splitlines(keepends=True)
    (project / "sess-x.jsonl").write_text("".join(lines[:2]))  # the response's first block: 5 output tokens
    ingest_jsonl(store, [tmp_path / "projects"])
    store.command_sql("RENAME TABLE events TO events_v4")
    store.command_sql(_events_ddl(2))
    store.command_sql(
        "INSERT INTO events SELECT * EXCEPT (hidden, repository, duration_source, output_text) FROM events_v4"
    )
    store.command_sql("DROP TABLE events_v4")
    store.insert_rows("meta", [["schema_version", "2"]], ["key", "value"])
    assert "hidden" not in _columns(store, "events")

    store.ensure_schema()
    assert _columns(store, "events")[-2:] == ["ingested_at", "hidden"]
    assert store.rows_sql(
        "SELECT sum(output_tokens), count() FROM telemetry WHERE event = 'api_request'"
    ) == [(5, 1)]
    (project / "sess-x.jsonl").write_text(TRANSCRIPT)  # its last block appended: 80 output tokens
    report = ingest_jsonl(store, [tmp_path / "projects"])
    assert report.dedup["already_in_store"] == 2  # the migration forgot the offsets: the file is read whole
    assert store.rows_sql(
        "SELECT sum(output_tokens), count() FROM telemetry WHERE event = 'api_request'"
    ) == [(80, 1)]
    assert store.rows_sql("SELECT count() FROM events WHERE event = 'api_request'") == [(1,)]


def test_a_version_3_store_is_migrated_and_its_rows_get_the_new_fields_once(store, tmp_path: Path):
    """Version 3 to 4: new columns and views, labels and repositories for the stored rows at once, and at
    the next ingest the transcripts read again, their rows replacing (never adding to) the stored ones."""
    project = tmp_path / "projects" / "-w-p"
    project.mkdir(parents=True)
    (project / "sess-x.jsonl").write_text(TRANSCRIPT)
    ingest_jsonl(store, [tmp_path / "projects"])
    store.insert_df(
        "events", EVENTS.head(1).assign(source="demo", event_id="demo:1:0", project="/home/dev/shop")
    )
    _make_version_3(store)
    assert "repository" not in _columns(store, "events")
    assert store.rows_sql("SELECT count() FROM ingest_files WHERE kind = 'jsonl'") == [(1,)]

    store.ensure_schema()
    fresh = (SQL_DIR / "schema" / "01_events.sql").read_text()
    store.command_sql(fresh.replace("CREATE TABLE IF NOT EXISTS events", "CREATE TABLE events_fresh"))
    assert _columns(store, "events") == _columns(store, "events_fresh")  # `INSERT ... SELECT *` stays right
    assert _columns(store, "ingest_events") == _columns(store, "events_fresh")
    assert store.rows_sql("SELECT value FROM meta FINAL WHERE key = 'schema_version'") == [(SCHEMA_VERSION,)]
    assert store.rows_sql(
        "SELECT source, event, project, repository, duration_source FROM telemetry ORDER BY source, event"
    ) == [
        ("demo", "api_request", "~/shop", "~/shop", ""),
        ("jsonl", "api_request", "/w/p", "/w/p", ""),
        ("jsonl", "user_prompt", "/w/p", "/w/p", ""),
    ]
    assert store.rows_sql("SELECT count() FROM ingest_files WHERE kind = 'jsonl'") == [(0,)]

    report = ingest_jsonl(store, [tmp_path / "projects"])  # the transcript is unchanged
    assert (report.files_read, report.dedup["already_in_store"]) == (1, 2)
    assert report.new_events == {"api_request": 0, "user_prompt": 0}
    assert store.rows_sql(
        "SELECT event, project, repository, duration_ms, duration_source, text, output_tokens FROM telemetry "
        "WHERE source = 'jsonl' ORDER BY event"
    ) == [
        ("api_request", "/w/p", "/w/p", 4000.0, "derived", "Looking\nThere are 12.", 80),
        ("user_prompt", "/w/p", "/w/p", None, "", "Count the tests\tplease", 0),
    ]
    assert store.rows_sql("SELECT count(), countIf(hidden = 1) FROM events WHERE source = 'jsonl'") == [
        (2, 0)
    ]
    again = ingest_jsonl(store, [tmp_path / "projects"])
    assert again.files_read == 0


def _anon_mib() -> int:
    return int(re.search(r"RssAnon:\s+(\d+)", Path("/proc/self/status").read_text()).group(1)) // 1024


def test_release_memory_hands_the_engines_freed_memory_back(chdb_path, empty_store):
    with empty_store.client() as c:
        database = c.database
    store = Store.open_embedded(chdb_path, readonly=True, database=database)  # allowed read-only too
    try:
        before = _anon_mib()
        assert store.rows_sql("SELECT length(groupArray(number)) FROM numbers(10000000)") == [(10_000_000,)]
        kept = _anon_mib() - before  # the engine keeps what the query freed
        assert kept > 100
        store.release_memory()
        assert _anon_mib() - before < kept / 2
        assert store.rows_sql("SELECT count() FROM telemetry") == [(0,)]
    finally:
        store.close()


def test_named_query_and_fixed_sql_results(store):
    _load(store)
    state = store.query("ingest_file_state", kind="jsonl")
    assert state.to_dict("records") == [
        {"path": "/data/a b.jsonl", "size": 120, "mtime": 1759309200.5, "inode": 42, "offset": 120}
    ]
    assert store.rows("ingest_file_state", kind="otel") == [("/data/o.json", 9, 1.25, 7, 9)]
    assert store.query_arrow("ingest_file_state", kind="jsonl").to_pylist() == state.to_dict("records")
    totals = _totals(store)
    assert totals.drop(columns=["first_ts", "last_day"]).to_dict("records") == [
        {
            "event": "api_error",
            "model": "claude-sonnet-4-5",
            "user": "grace@example.com",
            "n": 1,
            "input_tokens": 0,
            "output_tokens": 0,
            "cost": 0.0,
            "unpriced": 1,
        },
        {
            "event": "api_request",
            "model": "claude-haiku-4-5",
            "user": "ada@example.com",
            "n": 1,
            "input_tokens": 200,
            "output_tokens": 50,
            "cost": 0.00045,
            "unpriced": 0,
        },
        {
            "event": "api_request",
            "model": "claude-sonnet-4-5",
            "user": "ada@example.com",
            "n": 1,
            "input_tokens": 1000,
            "output_tokens": 300,
            "cost": 0.0075,
            "unpriced": 0,
        },
    ]
    assert [pd.Timestamp(t).tz_localize(None) for t in totals["first_ts"]] == [
        pd.Timestamp("2025-10-01 23:30:00"),
        pd.Timestamp("2025-10-01 09:05:00"),
        pd.Timestamp("2025-10-01 09:00:00"),
    ]
    # 23:30 UTC is already 2 October in Berlin
    assert [str(d)[:10] for d in totals["last_day"]] == ["2025-10-02", "2025-10-01", "2025-10-01"]
    assert store.rows_sql("SELECT error_text, attrs FROM events WHERE event = 'api_error'") == [
        ("tab\there 'quoted' \\ back", {"status": "529"})
    ]


@pytest.mark.parametrize("value", AWKWARD)
def test_parameters_round_trip(store, value):
    rows = store.rows_sql(ECHO_SQL, v=value, a=[value, "x", value])
    assert rows == [(value, len(value.encode()), [value, "x", value])]


def test_long_parameters_and_inserted_text_round_trip(store, aid):
    long_value = "".join(AWKWARD) * 200
    forms = aid.counts["multipart_form"]
    assert store.rows_sql(ECHO_SQL, v=long_value, a=AWKWARD) == [
        (long_value, len(long_value.encode()), AWKWARD)
    ]
    if store.location.startswith(f"127.0.0.1:{aid.port}/"):
        assert aid.counts["multipart_form"] > forms
    store.insert_rows("meta", [[f"k{i}", v] for i, v in enumerate(AWKWARD)], ["key", "value"])
    got = dict(store.rows_sql("SELECT key, value FROM meta FINAL WHERE key LIKE 'k%'"))
    assert got == {f"k{i}": v for i, v in enumerate(AWKWARD)}
    store.command_sql("INSERT INTO meta (key, value) VALUES ('bound', {v:String})", v=AWKWARD[-2])
    assert store.rows_sql("SELECT value FROM meta FINAL WHERE key = 'bound'") == [(AWKWARD[-2],)]


def test_inserted_rows_keep_every_kind_of_value(store):
    # what rows are given: text with every escape, bytes that are no UTF-8 (a torn line as read),
    # NULL, flags, big integers, a file's mtime (compared for equality later), times with and
    # without a zone (a column's own zone then), maps (OpenTelemetry attributes) and arrays
    store.command_sql(
        "CREATE TABLE kinds (k UInt8, s String, b String, n Nullable(String), u UInt8, i Int64, x Float64, "
        "t DateTime64(3, 'UTC'), m Map(LowCardinality(String), String), a Array(String)) "
        "ENGINE = MergeTree ORDER BY k"
    )
    text = "tab\there\nnew\\back'quote\"\r\0 \\N é{}[],:"
    rows = [
        [1, text, b"\xff\xfe torn\t\n\\", None, True, 2**62, 1759309200.123456789,
         datetime(2026, 1, 5, 9, 0, 0, 123000, tzinfo=timezone(timedelta(hours=2))), {"session.id": text, "k": ""},
         [text, ""]],
        [2, "\\N", b"", "", False, -5, float("inf"), datetime(2026, 1, 5, 9, 0, 0, 5000), {}, []],
    ]  # fmt: skip
    store.insert_rows("kinds", rows, ["k", "s", "b", "n", "u", "i", "x", "t", "m", "a"])
    got = store.rows_sql("SELECT k, s, hex(b), n, u, i, x, toString(t), m, a FROM kinds ORDER BY k")
    assert got == [
        (1, text, "FFFE20746F726E090A5C", None, 1, 2**62, 1759309200.123456789, "2026-01-05 07:00:00.123",
         {"session.id": text, "k": ""}, [text, ""]),
        (2, "\\N", "", "", 0, -5, float("inf"), "2026-01-05 09:00:00.005", {}, []),
    ]  # fmt: skip


def test_server_error_carries_clickhouse_message(store):
    with pytest.raises((StoreError, DatabaseError)) as info:
        store.query_sql("SELECT count() FROM no_such_table_here")
    assert "no_such_table_here" in str(info.value)
    assert "UNKNOWN_TABLE" in str(info.value)
    with pytest.raises((StoreError, DatabaseError), match="SYNTAX_ERROR"):
        store.rows_sql("SELEC 1")
    assert store.rows_sql("SELECT 1") == [(1,)]


def test_server_version_is_accepted(store):
    version = store.check_server_version()
    assert int(version.split(".")[0]) >= 26
    assert version == store.server_version()


def test_statements_on_a_named_table_take_names_from_allow_lists(store, tmp_path: Path):
    _load(store)
    assert store.count_rows("events") == len(EVENTS)
    columns = [name for (name,) in store.rows("snapshot_columns", table="events")]
    out = tmp_path / "events.parquet"
    store.write_table("events", columns, out, "Parquet")
    assert pq.read_table(out).column_names == columns and pq.read_table(out).num_rows == len(EVENTS)
    if store.kind == "embedded" or store.location.startswith("127.0.0.1:"):  # file() reads the engine's disk
        store.insert_parquet("ingest_events", columns, out)
        assert store.count_rows("ingest_events") == len(EVENTS)
        store.truncate("ingest_events")
        assert store.count_rows("ingest_events") == 0
    for bad in ("events", "prices", "telemetry", "ingest_stage; DROP TABLE events"):
        with pytest.raises(ValueError, match="not a stage table"):
            store.truncate(bad)
    for bad in ("telemetry", "system.tables", "events WHERE 1"):
        with pytest.raises(ValueError, match="not a table of the schema"):
            store.count_rows(bad)
        with pytest.raises(ValueError, match="not a table of the schema"):
            store.write_table(bad, columns, out, "Parquet")
    with pytest.raises(ValueError, match="not plain column names"):
        store.write_table("events", ["ts", "1 AS x"], out, "Parquet")
    with pytest.raises(ValueError, match="not plain column names"):
        store.insert_parquet("events", ["ts`, `x"], out)
    assert store.count_rows("events") == len(EVENTS)


def test_the_table_allow_list_is_what_the_schema_creates():
    created = {
        name
        for _, ddl in schema_statements()
        for name in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", ddl)
    }
    assert TABLES == created
    assert STAGE_TABLES < TABLES


# -- the two local paths agree ------------------------------------------------------


def test_embedded_and_http_give_identical_frames(open_store):
    embedded, http = open_store("embedded"), open_store("http")
    for s in (embedded, http):
        s.ensure_schema()
        _load(s)
    pd.testing.assert_frame_equal(
        embedded.query("ingest_file_state", kind="jsonl"), http.query("ingest_file_state", kind="jsonl")
    )
    pd.testing.assert_frame_equal(_totals(embedded), _totals(http))
    events_sql = "SELECT * EXCEPT ingested_at FROM events ORDER BY event_id"
    pd.testing.assert_frame_equal(embedded.query_sql(events_sql), http.query_sql(events_sql))


def test_http_path_uses_compression_both_ways(open_store, aid):
    before = dict(aid.counts)
    http = open_store("http")
    http.ensure_schema()
    _load(http)
    assert http.rows_sql("SELECT count() FROM events") == [(4,)]
    gained = {k: v - before.get(k, 0) for k, v in aid.counts.items() if v > before.get(k, 0)}
    assert gained.get("request_encoding:lz4", 0) >= 2  # insert_df and insert_rows bodies
    assert gained.get("insert_format:Native", 0) >= 1 and gained.get("insert_format:TabSeparated", 0) >= 1
    assert gained.get("response_encoding:lz4", 0) >= 1


# -- version checks and connection failures (HTTP path) ------------------------------------


def test_old_server_version_is_rejected(chdb_path):
    with ChHttpAid(chdb_path, version="18.16.1") as old:
        with pytest.raises(StoreError, match=r"ClickHouse 18\.16\.1 .* is too old: this app needs 26\.x"):
            Store.open_server(ServerConfig(host="127.0.0.1", port=old.port))


def test_new_server_version_is_accepted(chdb_path):
    with ChHttpAid(chdb_path, version="26.3.1.1") as new:
        store = Store.open_server(ServerConfig(host="127.0.0.1", port=new.port))
        try:
            assert store.check_server_version() == "26.3.1.1"
        finally:
            store.close()


def test_wrong_password_and_no_server_raise_store_error(chdb_path):
    with ChHttpAid(chdb_path, user="analyst", password="s3cret") as guarded:
        with pytest.raises(StoreError, match="AUTHENTICATION_FAILED"):
            Store.open_server(
                ServerConfig(host="127.0.0.1", port=guarded.port, username="analyst", password="nope")
            )
        store = Store.open_server(
            ServerConfig(host="127.0.0.1", port=guarded.port, username="analyst", password="s3cret")
        )
        store.close()
    with pytest.raises(StoreError, match="Cannot reach the ClickHouse server"):
        Store.open_server(ServerConfig(host="127.0.0.1", port=free_port()))


# -- JSONL ingest through the server code path ------------------------------------------

TRANSCRIPT = (
    "\n".join(
        [
            '{"type":"user","uuid":"u-1","sessionId":"sess-x","timestamp":"2025-10-01T09:00:00.000Z","cwd":"/w/p",'
            '"version":"2.0.14","gitBranch":"main","message":{"role":"user","content":"Count the tests\\tplease"}}',
            '{"type":"assistant","uuid":"a-1","parentUuid":"u-1","sessionId":"sess-x","timestamp":"2025-10-01T09:00:03.000Z","cwd":"/w/p",'
            '"version":"2.0.14","gitBranch":"main","requestId":"req_1","message":{"id":"msg_1",'
            '"model":"claude-sonnet-4-5-20250929","role":"assistant","content":[{"type":"text","text":"Looking"}],'
            '"usage":{"input_tokens":1000,"output_tokens":5,"cache_read_input_tokens":2000,'
            '"cache_creation_input_tokens":400}}}',
            '{"type":"assistant","uuid":"a-2","parentUuid":"a-1","sessionId":"sess-x","timestamp":"2025-10-01T09:00:04.000Z","cwd":"/w/p",'
            '"version":"2.0.14","gitBranch":"main","requestId":"req_1","message":{"id":"msg_1",'
            '"model":"claude-sonnet-4-5-20250929","role":"assistant","content":[{"type":"text","text":"There are 12."}],'
            '"usage":{"input_tokens":1000,"output_tokens":80,"cache_read_input_tokens":2000,'
            '"cache_creation_input_tokens":400}}}',
        ]
    )
    + "\n"
)

INGEST_TOTALS_SQL = """
SELECT event, count(), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), sum(cache_write_5m_tokens),
       round(sum(cost_usd), 9), any(text)
FROM telemetry GROUP BY event ORDER BY event
"""


def test_jsonl_ingest_through_server_path_matches_embedded(open_store, tmp_path: Path):
    project = tmp_path / "projects" / "-w-p"
    project.mkdir(parents=True)
    (project / "sess-x.jsonl").write_text(TRANSCRIPT)
    results = {}
    for kind in ("embedded", "http"):
        store = open_store(kind)
        store.ensure_schema()
        assert store.kind == ("embedded" if kind == "embedded" else "server")
        report = ingest_jsonl(store, [tmp_path / "projects"])
        totals = store.rows_sql(INGEST_TOTALS_SQL)
        again = ingest_jsonl(store, [tmp_path / "projects"])
        results[kind] = (report.to_dict() | {"seconds": 0.0}, totals, again.files_read)
    assert results["embedded"] == results["http"]
    report, totals, files_read_again = results["http"]
    assert (report["lines"], report["events"]) == (3, {"api_request": 1, "user_prompt": 1})
    assert [row[:6] for row in totals] == [
        ("api_request", 1, 1000, 80, 2000, 400),
        ("user_prompt", 1, 0, 0, 0, 0),
    ]
    # Sonnet 4.5 list prices: $3/M input, $15/M output, $0.30/M cache read, $3.75/M 5-minute cache write
    assert totals[0][6] == pytest.approx(1000 * 3e-6 + 80 * 15e-6 + 2000 * 0.3e-6 + 400 * 3.75e-6)
    assert totals[1][7] == "Count the tests\tplease"
    assert files_read_again == 0
