"""One request, one count (DESIGN.md rule 10): the telemetry view on JSONL-only, OTel-only and mixed stores.

A request Claude Code recorded in its transcript and sent as an OpenTelemetry event is one row of
``telemetry`` (OpenTelemetry's, completed from the transcript's), whichever arrived first; ``source_events``
keeps both.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from jsonl_fixtures import SONNET, assistant, usage, user_prompt, write

from analytics.costs import reconcile_sources
from analytics.filters import Filters
from analytics.ingest.jsonl import ingest_jsonl
from analytics.usage import usage_report

# A prompt at 10:00:00, the response's two lines at 10:00:03 and 10:00:05: request req_1 of session s1.
PROMPT_AT, END_AT = "2025-05-01T10:00:00.000Z", "2025-05-01T10:00:05.000Z"
# Sonnet 4.5: 100 input x $3/M + 50 output x $15/M + 1000 cache reads x $0.30/M + 150 5-minute writes x $3.75/M
# + 50 1-hour writes x $6/M
COMPUTED = (100 * 3 + 50 * 15 + 1000 * 0.3 + 150 * 3.75 + 50 * 6) / 1e6
REQUEST_ROW = """
SELECT source, request_id, message_id, project, cwd, round(cost_usd, 9), cost_source, duration_ms, duration_source,
       ttft_ms, user, text, cache_write_5m_tokens, cache_write_1h_tokens
FROM telemetry WHERE event = 'api_request' ORDER BY ts
"""


def transcript(root, request_id: str | None = "req_1") -> None:
    write(
        root / "-home-dev-shop" / "s1.jsonl",
        [
            user_prompt(PROMPT_AT, "add a cart", uuid="q1"),
            assistant(
                "2025-05-01T10:00:03.000Z",
                "msg_1",
                request_id,
                usage(100, 10, 1000, 200, w5=150, w1h=50),
                content=[{"type": "text", "text": "Adding it."}],
                uuid="a1",
                parentUuid="q1",
            ),
            assistant(
                END_AT,
                "msg_1",
                request_id,
                usage(100, 50, 1000, 200, w5=150, w1h=50),
                content=[{"type": "text", "text": "Done."}],
                uuid="a2",
                parentUuid="a1",
            ),
        ],
    )


def otel_request(store, at: str, **attrs: str) -> None:
    """One Claude Code api_request log record, as the collector's exporter writes it."""
    record = {
        "session.id": "s1",
        "model": SONNET,
        "input_tokens": "100",
        "output_tokens": "50",
        "cache_read_tokens": "1000",
        "cache_creation_tokens": "200",
        "user.email": "ada@example.com",
        "ttft_ms": "900",
    } | attrs
    store.insert_rows(
        "otel_logs",
        [
            [
                datetime.fromisoformat(at.replace("Z", "+00:00")),
                "claude-code",
                "claude_code.api_request",
                record,
            ]
        ],
        ["Timestamp", "ServiceName", "Body", "LogAttributes"],
    )


def requests(store) -> list[tuple]:
    return [tuple(r) for r in store.rows_sql(REQUEST_ROW)]


JSONL_ROW = (
    "jsonl",
    "req_1",
    "msg_1",
    "~/shop",
    "/home/dev/shop",
    round(COMPUTED, 9),
    "computed",
    5000.0,
    "derived",
    None,
    "local",
    "Adding it.\nDone.",
    150,
    50,
)
MERGED_ROW = (
    "otel",
    "req_1",
    "msg_1",
    "~/shop",
    "/home/dev/shop",
    0.0123,
    "reported",
    4321.0,
    "reported",
    900.0,
    "ada@example.com",
    "Adding it.\nDone.",
    150,
    50,
)


def test_jsonl_only(empty_store, tmp_path):
    transcript(tmp_path)
    ingest_jsonl(empty_store, [tmp_path])
    assert requests(empty_store) == [JSONL_ROW]


def test_otel_only(empty_store):
    otel_request(empty_store, END_AT, request_id="req_1", cost_usd="0.0123", duration_ms="4321")
    assert requests(empty_store) == [
        (
            "otel",
            "req_1",
            "",
            "",
            "",
            0.0123,
            "reported",
            4321.0,
            "reported",
            900.0,
            "ada@example.com",
            "",
            200,
            0,
        )
    ]


@pytest.mark.parametrize("otel_first", [True, False], ids=["otel-first", "jsonl-first"])
def test_a_request_in_both_sources_counts_once_as_the_otel_row(empty_store, tmp_path, otel_first):
    transcript(tmp_path)
    if otel_first:
        otel_request(empty_store, END_AT, request_id="req_1", cost_usd="0.0123", duration_ms="4321")
        ingest_jsonl(empty_store, [tmp_path])
    else:
        ingest_jsonl(empty_store, [tmp_path])
        otel_request(empty_store, END_AT, request_id="req_1", cost_usd="0.0123", duration_ms="4321")
    assert requests(empty_store) == [MERGED_ROW]
    assert empty_store.rows_sql(
        "SELECT source, count() FROM source_events WHERE event = 'api_request' "
        "GROUP BY source ORDER BY source"
    ) == [("jsonl", 1), ("otel", 1)]
    totals = usage_report(empty_store, "model")["totals"]
    assert (totals["requests"], totals["cost_usd"], totals["output_tokens"]) == (1, 0.0123, 50)
    by_source = {
        s: usage_report(empty_store, "model", filters=Filters(sources=(s,)))["totals"]["requests"]
        for s in ("jsonl", "otel")
    }
    assert by_source == {"jsonl": 0, "otel": 1}
    project = usage_report(empty_store, "project")["rows"]
    assert [(r["project"], r["requests"]) for r in project] == [("~/shop", 1)]
    r = reconcile_sources(empty_store, Filters())
    assert (r.n_matched, r.n_jsonl_only, r.n_otel_only) == (1, 0, 0)
    assert r.computed_total == pytest.approx(COMPUTED) and r.reported_total == pytest.approx(0.0123)


def test_without_a_reported_cost_or_duration_the_transcripts_price_and_duration_fill_in(
    empty_store, tmp_path
):
    transcript(tmp_path)
    ingest_jsonl(empty_store, [tmp_path])
    otel_request(empty_store, END_AT, request_id="req_1")
    assert requests(empty_store) == [
        MERGED_ROW[:5] + (round(COMPUTED, 9), "computed", 5000.0, "derived") + MERGED_ROW[9:]
    ]


@pytest.mark.parametrize(
    ("otel_at", "rows"),
    [
        ("2025-05-01T10:00:09.000Z", ["otel"]),  # 4 s after the transcript's last line
        ("2025-05-01T10:00:01.000Z", ["otel"]),  # 4 s before it
        ("2025-05-01T10:00:12.000Z", ["jsonl", "otel"]),  # 7 s: another request
    ],
)
def test_without_a_request_id_session_model_and_time_match(empty_store, tmp_path, otel_at, rows):
    transcript(tmp_path, request_id=None)
    ingest_jsonl(empty_store, [tmp_path])
    otel_request(empty_store, otel_at, cost_usd="0.0123")
    got = empty_store.rows_sql(
        "SELECT source, message_id, project FROM telemetry WHERE event = 'api_request' ORDER BY source"
    )
    expected = {"otel": ("otel", "msg_1", "~/shop"), "jsonl": ("jsonl", "msg_1", "~/shop")}
    if rows == ["jsonl", "otel"]:
        expected["otel"] = ("otel", "", "")
    assert got == [expected[s] for s in rows]


def test_another_session_or_model_never_matches(empty_store, tmp_path):
    transcript(tmp_path, request_id=None)
    ingest_jsonl(empty_store, [tmp_path])
    otel_request(empty_store, END_AT, cost_usd="0.01", **{"session.id": "s2"})
    otel_request(empty_store, END_AT, cost_usd="0.01", model="claude-haiku-4-5-20251001")
    otel_request(empty_store, END_AT, request_id="req_other", cost_usd="0.01")
    assert [r[0] for r in requests(empty_store)] == ["jsonl", "otel", "otel", "otel"]
    assert usage_report(empty_store, "model")["totals"]["requests"] == 4


def test_other_events_of_both_sources_stay(empty_store, tmp_path):
    transcript(tmp_path)
    ingest_jsonl(empty_store, [tmp_path])
    otel_request(empty_store, END_AT, request_id="req_1", cost_usd="0.0123")
    empty_store.insert_rows(
        "otel_logs",
        [
            [
                datetime(2025, 5, 1, 10, 0, tzinfo=UTC),
                "claude-code",
                "claude_code.user_prompt",
                {"session.id": "s1"},
            ]
        ],
        ["Timestamp", "ServiceName", "Body", "LogAttributes"],
    )
    assert empty_store.rows_sql("SELECT source, event FROM telemetry ORDER BY source, event") == [
        ("jsonl", "user_prompt"),
        ("otel", "api_request"),
        ("otel", "user_prompt"),
    ]


def test_without_otel_events_queries_read_the_lighter_view_with_the_same_rows(empty_store, tmp_path):
    """A store with no OpenTelemetry event reads ``telemetry_without_otel`` (the same rows, a cheaper plan);
    the first OpenTelemetry event brings ``telemetry`` back to the very next query."""
    transcript(tmp_path)
    ingest_jsonl(empty_store, [tmp_path])
    assert lighter(empty_store) == "telemetry_without_otel"
    assert requests(empty_store) == [JSONL_ROW]
    otel_request(empty_store, END_AT, request_id="req_1", cost_usd="0.0123", duration_ms="4321")
    assert lighter(empty_store) == "telemetry"
    assert requests(empty_store) == [MERGED_ROW]


def test_without_transcript_requests_queries_read_source_events_with_the_same_rows(empty_store, tmp_path):
    """With OpenTelemetry events and no transcript API request nothing is matched across the sources:
    ``source_events`` holds ``telemetry``'s rows; the first transcript request brings ``telemetry`` back."""
    otel_request(empty_store, END_AT, request_id="req_1", cost_usd="0.0123", duration_ms="4321")
    write(
        tmp_path / "-home-dev-shop" / "s2.jsonl", [user_prompt(PROMPT_AT, "hello", uuid="q9", session="s2")]
    )
    ingest_jsonl(empty_store, [tmp_path])
    assert lighter(empty_store) == "source_events"
    assert [r[0] for r in requests(empty_store)] == ["otel"]
    transcript(tmp_path)
    ingest_jsonl(empty_store, [tmp_path])
    assert lighter(empty_store) == "telemetry"
    assert requests(empty_store) == [MERGED_ROW]


def lighter(store) -> str:
    """The view the store's queries read for ``telemetry`` now, after checking that it holds the same rows."""
    planned = store._planned("SELECT * FROM telemetry ORDER BY event_id")
    of_record = "SELECT * FROM `telemetry` ORDER BY event_id"  # quoted: always the view of record
    rows = store.rows_sql(of_record)
    assert rows and store.rows_sql(planned) == rows
    return planned.split()[3]


def test_a_store_without_the_lighter_view_reads_telemetry(empty_store, tmp_path):
    """A store last written by an older version (opened read-only, so never migrated) lacks the view."""
    empty_store.command_sql("DROP VIEW telemetry_without_otel")
    transcript(tmp_path)
    ingest_jsonl(empty_store, [tmp_path])
    assert empty_store._planned("SELECT count() FROM telemetry") == "SELECT count() FROM telemetry"
    assert requests(empty_store) == [JSONL_ROW]
