"""Every page means something on the three stores users bring: JSONL transcripts only, OpenTelemetry
events only, and both (a team whose developers also keep their transcripts).

Each store holds three days of sessions (prompts, requests, tool calls with a failure, an API
error); the mixed one holds the same requests in both sources. Pages run on the last day with
data (a past window, so "today" is that day) and must answer from the data: no exception and
no "–" on a card whose number the data can give. On the shared real transcripts (when present
beside the repository) the same holds for the JSONL store.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import otlp_fixtures as otlp
import pytest
from apptest_helpers import metric, page
from jsonl_fixtures import SONNET, api_error, assistant, tool_result, tool_use, usage, user_prompt, write

from analytics.ingest.jsonl import ingest_jsonl
from analytics.ingest.otel import import_otel
from analytics.store import Store

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "claude-projects"
DAYS = [datetime(2026, 1, 3, 9, tzinfo=UTC) + timedelta(days=d) for d in range(3)]
LAST_DAY = DAYS[-1].date().isoformat()

# What each page must show with a number, whatever the source (cards, by label).
MUST_ANSWER = {
    "overview": [
        "Error Rate Monitor",
        "Cost Burn Rate Tracker",
        "Timeout Risk Assessment",
        "Model Efficiency Tracker",
    ],
    "costs": ["Spend", "Requests", "Cost per request", "Tokens", "Spent today"],
    "errors": ["Error rate", "Error rate today", "Tool error rate"],
    "tools": ["Tool calls", "Tool success rate"],
    "models": ["Requests", "Spend (priced models)", "API error rate"],
    "sessions": ["Sessions", "Median session cost", "Median active time"],
}


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def jsonl_session(root: Path, day: datetime, n: int) -> None:
    """A prompt, a request that runs Bash (which fails on day 2), a final request; an API error on day 3."""
    s, cwd = f"jsonl-{n}", "/home/dev/shop"
    at = lambda sec: iso(day + timedelta(seconds=sec))  # noqa: E731
    lines = [
        user_prompt(at(0), "run the tests", session=s, uuid=f"{s}-u1", cwd=cwd),
        assistant(at(4), f"msg-{n}-1", f"req-{n}-1", usage(1200, 80), session=s, uuid=f"{s}-a1", parentUuid=f"{s}-u1",
                  cwd=cwd, content=[tool_use(f"tu-{n}", "Bash", {"command": "pytest -q"})]),
        tool_result(at(9), f"tu-{n}", "1 failed" if n == 1 else "3 passed", is_error=n == 1, session=s,
                    uuid=f"{s}-t1", parentUuid=f"{s}-a1", cwd=cwd),
        assistant(at(15), f"msg-{n}-2", f"req-{n}-2", usage(1500, 300), session=s, uuid=f"{s}-a2",
                  parentUuid=f"{s}-t1", cwd=cwd),
    ]  # fmt: skip
    if n == 2:
        lines.append(api_error(at(20), 529, "Overloaded", session=s, uuid=f"{s}-e1", cwd=cwd))
    write(root / "-home-dev-shop" / f"{s}.jsonl", lines)


def otel_session(day: datetime, n: int, same_requests: bool = False) -> list[dict]:
    """The same work as :func:`jsonl_session`, as Claude Code's OTel events (ids match the JSONL ones
    when ``same_requests``)."""
    s = f"jsonl-{n}" if same_requests else f"otel-{n}"
    at = lambda sec: day + timedelta(seconds=sec)  # noqa: E731
    req = dict(model=SONNET, cost_usd="0.0123", input_tokens="1200", output_tokens="80",
               cache_read_tokens="0", cache_creation_tokens="0")  # fmt: skip
    records = [
        otlp.record(at(0), "user_prompt", s, **{"prompt.id": f"p-{n}", "prompt_length": "13"}),
        otlp.record(at(4), "api_request", s, duration_ms="4000", request_id=f"req-{n}-1", **req),
        otlp.record(at(5), "tool_decision", s, tool_name="Bash", decision="accept", source="config"),
        otlp.record(at(9), "tool_result", s, tool_name="Bash", success="false" if n == 1 else "true",
                    duration_ms="4500", error="1 failed" if n == 1 else ""),
        otlp.record(at(15), "api_request", s, duration_ms="6000", request_id=f"req-{n}-2",
                    **{**req, "output_tokens": "300", "input_tokens": "1500", "cost_usd": "0.0165"}),
    ]  # fmt: skip
    if n == 2:
        records.append(otlp.record(at(20), "api_error", s, model=SONNET, error="Overloaded", status_code="529",
                                   attempt="3", duration_ms="900"))  # fmt: skip
    return records


def build(store: Store, tmp: Path, kind: str) -> None:
    if kind in ("jsonl", "mixed"):
        for n, day in enumerate(DAYS):
            jsonl_session(tmp / "projects", day, n)
        ingest_jsonl(store, [tmp / "projects"])
    if kind in ("otel", "mixed"):
        records = [
            r for n, day in enumerate(DAYS) for r in otel_session(day, n, same_requests=kind == "mixed")
        ]
        import_otel(store, [otlp.write(tmp / "otel.jsonl", records)])


@pytest.fixture(params=["jsonl", "otel", "mixed"])
def store_kind(request, monkeypatch, chdb_path, store_factory, tmp_path):
    import streamlit as st

    store = store_factory()
    build(store, tmp_path, request.param)
    with store.client() as c:
        database = c.database
    monkeypatch.setenv("ANALYTICS_DB", chdb_path)
    monkeypatch.setenv("ANALYTICS_DATABASE", database)
    monkeypatch.setenv("ANALYTICS_AUTOLOAD", "0")
    st.cache_resource.clear()
    st.cache_data.clear()
    yield request.param, store
    st.cache_resource.clear()


@pytest.mark.parametrize("name", list(MUST_ANSWER))
def test_every_page_answers_on_each_kind_of_store(store_kind, name):
    kind, _store = store_kind
    at = page(name, to=LAST_DAY, tz="UTC").run()
    assert not at.exception, [e.value for e in at.exception]
    blank = [label for label in MUST_ANSWER[name] if metric(at, label).value in ("–", "", "unpriced")]
    assert blank == [], f"{kind}: {blank}"


def test_a_request_in_both_sources_counts_once(store_kind):
    kind, store = store_kind
    at = page("costs", to=LAST_DAY, tz="UTC", **{"from": DAYS[0].date().isoformat()}).run()
    assert metric(at, "Requests").value == "6"  # two requests a day, three days, whatever the sources


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared real transcripts are not beside the repository")
def test_every_page_answers_on_real_transcripts(monkeypatch, chdb_path, store_factory, tmp_path):
    import streamlit as st

    store = store_factory()
    shutil.copytree(SHARED, tmp_path / "projects")
    ingest_jsonl(store, [tmp_path / "projects"])
    with store.client() as c:
        database = c.database
    monkeypatch.setenv("ANALYTICS_DB", chdb_path)
    monkeypatch.setenv("ANALYTICS_DATABASE", database)
    monkeypatch.setenv("ANALYTICS_AUTOLOAD", "0")
    st.cache_resource.clear()
    st.cache_data.clear()
    last = str(store.rows_sql("SELECT toDate(max(ts), 'UTC') FROM telemetry")[0][0])
    for name, labels in MUST_ANSWER.items():
        at = page(name, to=last, tz="UTC").run()
        assert not at.exception, (name, [e.value for e in at.exception])
        answers = {label: metric(at, label).value for label in labels if label != "Error Rate Monitor"}
        assert [k for k, v in answers.items() if v in ("–", "")] == [], (name, answers)
    st.cache_resource.clear()
