"""OTLP JSON import into otel_logs, and the otel_events / telemetry views over it."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.ingest.otel import OtelImportReport, as_string, decode_any_value, format_double, import_otel
from analytics.store import SQL_DIR, Store, schema_statements

DATA = Path(__file__).parent / "data" / "otel"

RESOURCE_14 = {
    "service.name": "claude-code",
    "service.version": "2.0.14",
    "os.type": "linux",
    "host.arch": "amd64",
}
SCOPE = "com.anthropic.claude_code.events"
ADA = {
    "user.account_uuid": "5f1c2d3e-0000-4000-8000-00000000a11c",
    "user.email": "ada@example.com",
    "organization.id": "0b7e9c4d-0000-4000-8000-0000000000f0",
    "session.id": "sess-0001",
    "terminal.type": "vscode",
    "app.version": "2.0.14",
}
FIXTURE_RESOURCE = {"service.name": "fixture-svc", "replicas": "3"}

# (Timestamp ns, TraceId, SpanId, TraceFlags, SeverityText, SeverityNumber, ServiceName, Body,
#  ResourceSchemaUrl, ResourceAttributes, ScopeSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes,
#  LogAttributes, EventName), ordered by Timestamp.
# fmt: off
EXPECTED_ROWS = [
    (1759309200000000000, "", "", 0, "", 0, "claude-code", "claude_code.user_prompt", "", RESOURCE_14, "", SCOPE,
     "2.0.14", {}, {**ADA, "event.name": "user_prompt", "event.timestamp": "2025-10-01T09:00:00.000Z",
                    "event.sequence": "0", "prompt.id": "prompt-0001", "prompt_length": "38",
                    "prompt": "Fix the flaky test in tests/test_io.py"}, ""),
    (1759309204250000000, "", "", 0, "", 0, "claude-code", "claude_code.api_request", "", RESOURCE_14, "", SCOPE,
     "2.0.14", {}, {**ADA, "event.name": "api_request", "event.timestamp": "2025-10-01T09:00:04.250Z",
                    "event.sequence": "1", "prompt.id": "prompt-0001", "model": "claude-sonnet-4-5-20250929",
                    "cost_usd": "0.0123", "duration_ms": "4100", "ttft_ms": "812", "input_tokens": "1200",
                    "output_tokens": "350", "cache_read_tokens": "15000", "cache_creation_tokens": "2000",
                    "request_id": "req_011CTa", "speed": "normal", "query_source": "main"}, ""),
    (1759309204300000000, "", "", 0, "", 0, "claude-code", "claude_code.tool_decision", "", RESOURCE_14, "", SCOPE,
     "2.0.14", {}, {**ADA, "event.name": "tool_decision", "event.timestamp": "2025-10-01T09:00:04.300Z",
                    "event.sequence": "2", "prompt.id": "prompt-0001", "tool_name": "Bash", "decision": "accept",
                    "source": "config"}, ""),
    (1759309205900000000, "", "", 0, "", 0, "claude-code", "claude_code.tool_result", "", RESOURCE_14, "", SCOPE,
     "2.0.14", {}, {**ADA, "event.name": "tool_result", "event.timestamp": "2025-10-01T09:00:05.900Z",
                    "event.sequence": "3", "prompt.id": "prompt-0001", "tool_name": "Bash",
                    "tool_use_id": "toolu_01AbC", "success": "true", "duration_ms": "1532",
                    "decision_type": "accept", "decision_source": "config"}, ""),
    (1759309270000000000, "", "", 0, "", 0, "claude-code", "claude_code.api_error", "", RESOURCE_14, "", SCOPE,
     "2.0.14", {}, {**ADA, "event.name": "api_error", "event.timestamp": "2025-10-01T09:01:10.000Z",
                    "event.sequence": "4", "prompt.id": "prompt-0002", "model": "claude-sonnet-4-5-20250929",
                    "error": "rate_limit_error: Number of request tokens has exceeded your per-minute rate limit",
                    "status_code": "429", "duration_ms": "15230", "attempt": "3", "request_id": "req_011CTb"}, ""),
    (1759309300000000000, "", "", 0, "", 0, "claude-code", "claude_code.api_error", "", RESOURCE_14, "", SCOPE,
     "2.0.14", {}, {**ADA, "event.name": "api_error", "event.timestamp": "2025-10-01T09:01:40.000Z",
                    "event.sequence": "5", "prompt.id": "prompt-0002", "model": "claude-sonnet-4-5-20250929",
                    "error": "overloaded_error: Overloaded", "status_code": "529", "duration_ms": "8800",
                    "attempt": "2", "request_id": "req_011CTc"}, ""),
    (1759309320000000000, "", "", 0, "", 0, "claude-code", "claude_code.api_error", "", RESOURCE_14, "", SCOPE,
     "2.0.14", {}, {**ADA, "event.name": "api_error", "event.timestamp": "2025-10-01T09:02:00.000Z",
                    "event.sequence": "6", "prompt.id": "prompt-0002", "model": "claude-sonnet-4-5-20250929",
                    "error": "api_error: Internal server error", "status_code": "500", "duration_ms": "1200",
                    "attempt": "1", "request_id": "req_011CTd"}, ""),
    (1759309350000000000, "", "", 0, "", 0, "claude-code", "claude_code.tool_result", "", RESOURCE_14, "", SCOPE,
     "2.0.14", {}, {**ADA, "event.name": "tool_result", "event.timestamp": "2025-10-01T09:02:30.000Z",
                    "event.sequence": "7", "prompt.id": "prompt-0002", "tool_name": "Edit",
                    "tool_use_id": "toolu_01XyZ", "success": "false",
                    "error": "String to replace not found in file", "duration_ms": "45",
                    "decision_type": "accept", "decision_source": "user_temporary"}, ""),
    (1759309380000000000, "", "", 0, "", 0, "claude-code", "claude_code.api_request", "", RESOURCE_14, "", SCOPE,
     "2.0.14", {}, {**ADA, "event.name": "api_request", "event.timestamp": "2025-10-01T09:03:00.000Z",
                    "event.sequence": "8", "prompt.id": "prompt-0002", "model": "claude-haiku-4-5-20251001",
                    "cost_usd": "0.0021", "duration_ms": "950", "ttft_ms": "300", "input_tokens": "800",
                    "output_tokens": "120", "cache_read_tokens": "0", "cache_creation_tokens": "0",
                    "request_id": "req_011CTe", "speed": "normal", "query_source": "compact"}, ""),
    (1759309500000000000, "5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174", 1, "INFO", 9, "claude-code", "",
     "https://opentelemetry.io/schemas/1.26.0", {"service.name": "claude-code", "service.version": "2.0.15"},
     "https://opentelemetry.io/schemas/1.25.0", SCOPE, "2.0.15", {"telemetry.sdk.language": "nodejs"},
     {"user.account_uuid": "9a8b7c6d-0000-4000-8000-00000000b0b0", "user.email": "grace@example.com",
      "session.id": "sess-0002", "terminal.type": "iTerm.app", "event.name": "user_prompt",
      "event.timestamp": "2025-10-01T09:05:00.000Z", "event.sequence": "0", "prompt.id": "prompt-0101",
      "prompt_length": "24", "prompt": 'Explain\tthe "retry" loop\n'},
     "claude_code.user_prompt"),
    (1759309800000000000, "", "", 0, "", 0, "fixture-svc", '{"a":"x<y&z","b":2,"c":[1.5,true,null,"aGk="]}', "",
     FIXTURE_RESOURCE, "", "fixture", "", {},
     {"dbl": "3", "small": "1.5e-7", "big": "1e+21", "flag": "false", "raw": "aGVsbG8=", "empty": "",
      "arr": '["a\\"b\\n",5]'}, ""),
    (1759309802000000000, "", "", 0, "WARN", 13, "fixture-svc", "snake", "", FIXTURE_RESOURCE, "", "fixture", "",
     {}, {"k": "-7"}, ""),
    (1759309803000000000, "", "", 0, "", 0, "fixture-svc", "", "", FIXTURE_RESOURCE, "", "fixture", "", {},
     {"nan": "json: unsupported value: NaN", "neg": "-0.25"}, ""),
]
# fmt: on

FIRST_REPORT = OtelImportReport(
    files=3,
    lines=6,
    records=13,
    inserted=13,
    duplicates=0,
    skipped={"malformed_json": 1, "not_logs": 1, "bad_id": 1},
)

ROWS_SQL = """
SELECT toUnixTimestamp64Nano(Timestamp), TraceId, SpanId, TraceFlags, SeverityText, SeverityNumber, ServiceName,
       Body, ResourceSchemaUrl, ResourceAttributes, ScopeSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes,
       LogAttributes, EventName
FROM otel_logs
ORDER BY Timestamp
"""

EVENTS_SQL = """
SELECT ts, event, session_id, prompt_id, request_id, seq, user_id, user_email, org_id, terminal, cc_version, model,
       query_source, input_tokens, output_tokens, cache_read_tokens, cache_write_5m_tokens, cost_usd, cost_source,
       duration_ms, ttft_ms, status_code, attempt, success, tool, tool_use_id, decision, decision_source,
       error_type, error_text, text
FROM otel_events
ORDER BY ts
"""

EVENT_COLUMNS = (
    "ts",
    "event",
    "session_id",
    "prompt_id",
    "request_id",
    "seq",
    "user_id",
    "user_email",
    "org_id",
    "terminal",
    "cc_version",
    "model",
    "query_source",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cost_usd",
    "cost_source",
    "duration_ms",
    "ttft_ms",
    "status_code",
    "attempt",
    "success",
    "tool",
    "tool_use_id",
    "decision",
    "decision_source",
    "error_type",
    "error_text",
    "text",
)


def _event(ts, event, seq, prompt_id, **kw) -> dict:
    base = dict(
        ts=ts,
        event=event,
        session_id="sess-0001",
        prompt_id=prompt_id,
        request_id="",
        seq=seq,
        user_id=ADA["user.account_uuid"],
        user_email="ada@example.com",
        org_id=ADA["organization.id"],
        terminal="vscode",
        cc_version="2.0.14",
        model="",
        query_source="",
        input_tokens=0,
        output_tokens=0,
        cache_read_tokens=0,
        cache_write_5m_tokens=0,
        cost_usd=None,
        cost_source="",
        duration_ms=None,
        ttft_ms=None,
        status_code=0,
        attempt=0,
        success=None,
        tool="",
        tool_use_id="",
        decision="",
        decision_source="",
        error_type="",
        error_text="",
        text="",
    )
    base.update(kw)
    return base


EXPECTED_EVENTS = [
    _event(
        datetime(2025, 10, 1, 9, 0, 0),
        "user_prompt",
        0,
        "prompt-0001",
        text="Fix the flaky test in tests/test_io.py",
    ),
    _event(
        datetime(2025, 10, 1, 9, 0, 4, 250000),
        "api_request",
        1,
        "prompt-0001",
        request_id="req_011CTa",
        model="claude-sonnet-4-5-20250929",
        query_source="main",
        input_tokens=1200,
        output_tokens=350,
        cache_read_tokens=15000,
        cache_write_5m_tokens=2000,
        cost_usd=0.0123,
        cost_source="reported",
        duration_ms=4100.0,
        ttft_ms=812.0,
    ),
    _event(
        datetime(2025, 10, 1, 9, 0, 4, 300000),
        "tool_decision",
        2,
        "prompt-0001",
        tool="Bash",
        decision="accept",
        decision_source="config",
    ),
    _event(
        datetime(2025, 10, 1, 9, 0, 5, 900000),
        "tool_result",
        3,
        "prompt-0001",
        tool="Bash",
        tool_use_id="toolu_01AbC",
        success=1,
        duration_ms=1532.0,
        decision="accept",
        decision_source="config",
    ),
    _event(
        datetime(2025, 10, 1, 9, 1, 10),
        "api_error",
        4,
        "prompt-0002",
        request_id="req_011CTb",
        model="claude-sonnet-4-5-20250929",
        duration_ms=15230.0,
        status_code=429,
        attempt=3,
        error_type="rate_limit",
        error_text="rate_limit_error: Number of request tokens has exceeded your per-minute rate limit",
    ),
    _event(
        datetime(2025, 10, 1, 9, 1, 40),
        "api_error",
        5,
        "prompt-0002",
        request_id="req_011CTc",
        model="claude-sonnet-4-5-20250929",
        duration_ms=8800.0,
        status_code=529,
        attempt=2,
        error_type="overloaded",
        error_text="overloaded_error: Overloaded",
    ),
    _event(
        datetime(2025, 10, 1, 9, 2, 0),
        "api_error",
        6,
        "prompt-0002",
        request_id="req_011CTd",
        model="claude-sonnet-4-5-20250929",
        duration_ms=1200.0,
        status_code=500,
        attempt=1,
        error_type="server",
        error_text="api_error: Internal server error",
    ),
    _event(
        datetime(2025, 10, 1, 9, 2, 30),
        "tool_result",
        7,
        "prompt-0002",
        tool="Edit",
        tool_use_id="toolu_01XyZ",
        success=0,
        duration_ms=45.0,
        decision="accept",
        decision_source="user_temporary",
        error_text="String to replace not found in file",
    ),
    _event(
        datetime(2025, 10, 1, 9, 3, 0),
        "api_request",
        8,
        "prompt-0002",
        request_id="req_011CTe",
        model="claude-haiku-4-5-20251001",
        query_source="compact",
        input_tokens=800,
        output_tokens=120,
        cost_usd=0.0021,
        cost_source="reported",
        duration_ms=950.0,
        ttft_ms=300.0,
    ),
    _event(
        datetime(2025, 10, 1, 9, 5, 0),
        "user_prompt",
        0,
        "prompt-0101",
        session_id="sess-0002",
        user_id="9a8b7c6d-0000-4000-8000-00000000b0b0",
        user_email="grace@example.com",
        org_id="",
        terminal="iTerm.app",
        cc_version="2.0.15",
        text='Explain\tthe "retry" loop\n',
    ),
]

NEW_EXPORTER_DDL = """
CREATE TABLE otel_logs
(
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    TraceFlags UInt8,
    SeverityText LowCardinality(String) CODEC(ZSTD(1)),
    SeverityNumber UInt8,
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Body String CODEC(ZSTD(1)),
    ResourceSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion LowCardinality(String) CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    LogAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    EventName String CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_value mapValues(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_body Body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
)
ENGINE = MergeTree
PARTITION BY toDate(Timestamp)
PRIMARY KEY (ServiceName, toStartOfFiveMinutes(Timestamp))
ORDER BY (ServiceName, toStartOfFiveMinutes(Timestamp), Timestamp)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1
"""

OLD_EXPORTER_DDL = """
CREATE TABLE otel_logs
(
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TimestampTime DateTime DEFAULT toDateTime(Timestamp),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    TraceFlags UInt8,
    SeverityText LowCardinality(String) CODEC(ZSTD(1)),
    SeverityNumber UInt8,
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Body String CODEC(ZSTD(1)),
    ResourceSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion LowCardinality(String) CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    LogAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toDate(TimestampTime)
ORDER BY (ServiceName, TimestampTime, Timestamp)
"""


def _report(r: OtelImportReport) -> OtelImportReport:
    return replace(r, seconds=0.0)


def _events(store: Store) -> list[dict]:
    out = []
    for row in store.rows_sql(EVENTS_SQL):
        d = dict(zip(EVENT_COLUMNS, row, strict=True))
        d["ts"] = d["ts"].replace(tzinfo=None)
        out.append(d)
    return out


def _support_schema(store: Store) -> None:
    """The project's SQL functions, run log, events and meta tables (a run records its row counts there),
    without its otel_logs table."""
    for name, ddl in schema_statements():
        if name.startswith("00_") or name in ("01_events", "08_ingest_runs", "09_meta"):
            store.command_sql(ddl)


@pytest.fixture
def bare_store(chdb_path):
    """Open stores on fresh databases without the project schema (for other exporter DDLs)."""
    opened: list[Store] = []

    def make(name: str) -> Store:
        s = Store.open_embedded(chdb_path, database=f"{name}_{os.getpid()}_{len(opened)}")
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.command_sql("DROP DATABASE IF EXISTS " + s.rows_sql("SELECT currentDatabase()")[0][0])
        s.close()


def test_import_writes_exporter_rows(empty_store):
    report = import_otel(empty_store, [DATA])
    assert _report(report) == FIRST_REPORT
    assert empty_store.rows_sql(ROWS_SQL) == EXPECTED_ROWS
    # attribute order is kept as sent (the exporter writes them in order)
    assert empty_store.rows_sql(
        "SELECT mapKeys(LogAttributes) FROM otel_logs WHERE ServiceName = 'fixture-svc' ORDER BY Timestamp LIMIT 1"
    ) == [(["dbl", "small", "big", "flag", "raw", "empty", "arr"],)]
    assert empty_store.rows_sql("SELECT kind, count() FROM ingest_runs GROUP BY kind") == [("otel", 1)]


def test_reimport_and_copies_add_nothing(empty_store, tmp_path):
    import_otel(empty_store, [DATA])
    again = import_otel(
        empty_store, [DATA / "anyvalues.json", DATA / "claude_code.jsonl", DATA / "observed_only.json"]
    )
    assert _report(again) == replace(FIRST_REPORT, inserted=0, duplicates=13)
    copy = tmp_path / "renamed" / "export-2025-10-01.jsonl"
    copy.parent.mkdir()
    shutil.copy(DATA / "claude_code.jsonl", copy)
    third = import_otel(empty_store, [copy])
    assert _report(third) == OtelImportReport(
        files=1, lines=4, records=9, inserted=0, duplicates=9, skipped={"malformed_json": 1, "not_logs": 1}
    )
    assert empty_store.rows_sql("SELECT count() FROM otel_logs") == [(13,)]
    assert empty_store.rows_sql("SELECT kind, count() FROM ingest_runs GROUP BY kind") == [("otel", 1)]
    assert empty_store.rows_sql("SELECT count() FROM otel_import_stage") == [(0,)]


def test_same_content_twice_in_one_run_is_inserted_once(empty_store, tmp_path):
    copy = tmp_path / "copy.json"
    shutil.copy(DATA / "observed_only.json", copy)
    report = import_otel(empty_store, [DATA / "observed_only.json", copy])
    assert _report(report) == OtelImportReport(files=2, lines=2, records=2, inserted=1, duplicates=1)
    assert empty_store.rows_sql("SELECT count() FROM otel_logs") == [(1,)]


def test_otel_events_view_canonical_columns(empty_store):
    import_otel(empty_store, [DATA])
    assert _events(empty_store) == EXPECTED_EVENTS


def test_event_name_from_attribute_with_or_without_prefix(empty_store, tmp_path):
    body = (
        '{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"claude-code"}}]},'
        '"scopeLogs":[{"logRecords":['
        '{"timeUnixNano":"1759309200000000000","body":{"stringValue":"Tool finished"},'
        '"attributes":[{"key":"event.name","value":{"stringValue":"claude_code.tool_result"}}]},'
        '{"timeUnixNano":"1759309201000000000",'
        '"attributes":[{"key":"event.name","value":{"stringValue":"tool_decision"}}]}]}]}]}\n'
    )
    (tmp_path / "e.jsonl").write_text(body)
    import_otel(empty_store, [tmp_path / "e.jsonl"])
    assert empty_store.rows_sql("SELECT event FROM otel_events ORDER BY ts") == [
        ("tool_result",),
        ("tool_decision",),
    ]


def test_telemetry_view_totals(empty_store):
    import_otel(empty_store, [DATA])
    totals = empty_store.rows_sql(
        """
        SELECT event, count(), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens),
               sum(cache_write_5m_tokens), round(sum(cost_usd), 6), countIf(success = 1), countIf(success = 0)
        FROM telemetry WHERE source = 'otel' GROUP BY event ORDER BY event
        """
    )
    assert totals == [
        ("api_error", 3, 0, 0, 0, 0, None, 0, 0),
        ("api_request", 2, 2000, 470, 15000, 2000, 0.0144, 0, 0),
        ("tool_decision", 1, 0, 0, 0, 0, None, 0, 0),
        ("tool_result", 2, 0, 0, 0, 0, None, 1, 1),
        ("user_prompt", 2, 0, 0, 0, 0, None, 0, 0),
    ]
    assert empty_store.rows_sql("SELECT user, count() FROM telemetry GROUP BY user ORDER BY user") == [
        ("ada@example.com", 9),
        ("grace@example.com", 1),
    ]


def test_view_and_import_on_new_exporter_ddl(bare_store):
    store = bare_store("otel_new")
    _support_schema(store)
    store.command_sql(NEW_EXPORTER_DDL)
    store.command_sql((SQL_DIR / "schema" / "03_otel_events_view.sql").read_text())
    assert "TimestampTime" not in {n for (n,) in store.rows("otel_logs_columns")}
    report = import_otel(store, [DATA])
    assert (report.records, report.inserted) == (13, 13)
    assert store.rows_sql(ROWS_SQL) == EXPECTED_ROWS
    assert _events(store) == EXPECTED_EVENTS
    assert import_otel(store, [DATA]).inserted == 0


def test_import_into_table_without_event_name(bare_store):
    store = bare_store("otel_old")
    _support_schema(store)
    store.command_sql(OLD_EXPORTER_DDL)
    report = import_otel(store, [DATA / "observed_only.json"])
    assert (report.records, report.inserted) == (1, 1)
    assert store.rows_sql(
        "SELECT toUnixTimestamp64Nano(Timestamp), TimestampTime, TraceId FROM otel_logs"
    ) == [(1759309500000000000, datetime(2025, 10, 1, 9, 5), "5b8efff798038103d269b633813fc60c")]
    assert import_otel(store, [DATA / "observed_only.json"]).inserted == 0


def test_malformed_input_is_counted_and_skipped(empty_store, tmp_path):
    def write(name: str, text: str) -> Path:
        p = tmp_path / name
        p.write_text(text)
        return p

    good = (
        '{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"claude-code"}}]},'
        '"scopeLogs":[{"logRecords":[{"timeUnixNano":"1759309200000000000","body":{"stringValue":"ok"}},'
        '{"timeUnixNano":"soon","body":{"stringValue":"bad time"}},'
        '{"timeUnixNano":"1759309201000000000","attributes":[{"key":"n","value":{"intValue":"1.5"}}]},'
        '{"timeUnixNano":"1759309202000000000","spanId":"abc"}]}]}]}'
    )
    paths = [
        write("empty.jsonl", ""),
        write("broken_pretty.json", '{\n  "resourceLogs": [\n    {"resource": \n'),
        write("array.json", "[1, 2]"),
        write(
            "mixed.jsonl",
            good
            + "\n\n"
            + '"just a string"\n'
            + '{"resourceLogs": {"not": "a list"}}\n'
            + '{"resourceLogs": [{"scopeLogs": [{"logRecords": 7}]}]}\n'
            + "{torn\n",
        ),
        tmp_path / "missing.json",
    ]
    report = import_otel(empty_store, paths)
    assert _report(report) == OtelImportReport(
        files=4,
        lines=7,
        records=1,
        inserted=1,
        duplicates=0,
        skipped={
            "unreadable_file": 1,
            "malformed_json": 2,
            "not_an_object": 2,
            "wrong_type": 3,
            "bad_timestamp": 1,
            "bad_id": 1,
        },
    )
    assert empty_store.rows_sql("SELECT Body FROM otel_logs") == [("ok",)]


def test_nothing_to_import(empty_store, tmp_path):
    (tmp_path / "notes.txt").write_text("not an export")
    report = import_otel(empty_store, [tmp_path])
    assert _report(report) == OtelImportReport()
    assert empty_store.rows_sql("SELECT count() FROM ingest_runs") == [(0,)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"stringValue": "a b"}, "a b"),
        ({"intValue": "-9223372036854775808"}, "-9223372036854775808"),
        ({"intValue": 42}, "42"),
        ({"doubleValue": 100}, "100"),
        ({"doubleValue": 0.1}, "0.1"),
        ({"doubleValue": 1e20}, "100000000000000000000"),
        ({"doubleValue": 1e-6}, "0.000001"),
        ({"doubleValue": 1.234e-10}, "1.234e-10"),
        ({"doubleValue": "Infinity"}, "json: unsupported value: +Inf"),
        ({"boolValue": True}, "true"),
        ({"bytesValue": "AAEC"}, "AAEC"),
        (
            {
                "kvlistValue": {
                    "values": [
                        {"key": "z", "value": {"stringValue": "\u2028\x01"}},
                        {"key": "a", "value": {"kvlistValue": {}}},
                    ]
                }
            },
            '{"a":{},"z":"\\u2028\\u0001"}',
        ),
        ({"arrayValue": {}}, "[]"),
        ({}, ""),
    ],
)
def test_any_value_rendering(value, expected):
    assert as_string(decode_any_value(value)) == expected


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_format_double_round_trips(x):
    text = format_double(x)
    assert float(text) == x
    assert "e-0" not in text and not text.endswith(".") and "E" not in text
    if "." in text and "e" not in text:
        assert not text.endswith("0")
    assert ("e" in text) == (x != 0 and not 1e-6 <= abs(x) < 1e21)


@given(st.text())
def test_string_values_render_as_is(s):
    assert as_string(decode_any_value({"stringValue": s})) == s
