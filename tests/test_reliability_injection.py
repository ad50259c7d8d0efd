"""Hostile text in every input: search queries, filter values, URL parameters, API parameters.

SQL fragments, quotes and ClickHouse syntax must change nothing but the
literal looked for. The store holds a plain set of events and, for every
hostile string and every filter column, a copy of it under that string, plus
one copy under a plain "twin" value: filtering on the hostile string must give
exactly the twin's numbers (no widening, no error), and no table may change.
"""

from __future__ import annotations

import itertools
import os
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pandas as pd
import pytest
import streamlit as st
from starlette.applications import Starlette
from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest

from analytics import costs, rollups, search
from analytics.api import routes
from analytics.filters import Filters
from analytics.store import Store, StoreError
from analytics.usage import usage_report

HOSTILE = [
    "' OR 1=1 --",
    "'); DROP TABLE events; --",
    "{start:String}",
    "\\'",
    "%",
    "_",
    "$$",
    "`events`",
    "x FORMAT JSON",
    "1 SETTINGS readonly=0",
    '" OR ""="',
    "; SELECT * FROM system.users",
    "\\N",
    "a\tb\nc",
]
COLUMNS = {"project": "project", "model": "model", "user": "user_email", "source": "source"}
"""Filter name (URL / API parameter) -> events column holding its value."""
TWIN = {name: f"plain-{name}-twin" for name in COLUMNS}
SONNET = "claude-sonnet-4-5-20250929"
DAY0 = datetime(2025, 5, 1, 9, tzinfo=UTC)
TO = "2025-05-04"  # a past window: every builder judges at its end, so answers are comparable
_ids = itertools.count()


def base_events() -> list[dict]:
    """One small, plain session: requests, an error, tool results and a prompt over three days."""
    rows = []
    for day in range(3):
        t = DAY0 + timedelta(days=day)
        rows += [
            dict(ts=t, event="user_prompt", text=f"plain prompt {day}"),
            dict(
                ts=t + timedelta(seconds=5),
                event="api_request",
                model=SONNET,
                input_tokens=100 * (day + 1),
                output_tokens=40,
                cache_read_tokens=1000,
                cost_usd=0.001 * (day + 1),
                cost_source="computed",
                duration_ms=900.0 + day,
            ),
            dict(
                ts=t + timedelta(seconds=9),
                event="tool_result",
                tool="Bash",
                success=1,
                duration_ms=120.0,
                text="pytest -q",
            ),
            dict(
                ts=t + timedelta(seconds=12),
                event="tool_result",
                tool="Read",
                success=1,
                duration_ms=15.0,
                text="/src/cart.py",
            ),
            dict(
                ts=t + timedelta(seconds=20),
                event="api_request",
                model=SONNET,
                input_tokens=10,
                output_tokens=400,
                cost_usd=0.006,
                cost_source="computed",
                duration_ms=4000.0,
            ),
        ]
    rows.append(
        dict(
            ts=DAY0 + timedelta(hours=2),
            event="api_error",
            model=SONNET,
            status_code=529,
            error_type="overloaded",
            error_text="overloaded",
        )
    )
    return rows


DEFAULTS = {
    "text": "",
    "tool": "",
    "error_type": "",
    "error_text": "",
    "cost_source": "",
    "input_tokens": 0,
    "output_tokens": 0,
    "cache_read_tokens": 0,
    "status_code": 0,
    "cost_usd": None,
    "duration_ms": None,
    "success": None,
}


def frame(rows: list[dict], **override) -> pd.DataFrame:
    out = []
    for r in rows:
        row = {
            **DEFAULTS,
            "source": "jsonl",
            "project": "shop",
            "user_email": "ada@example.com",
            "model": r.get("model", ""),
            **r,
            **override,
        }
        if r.get("model", "") == "" and "model" in override:
            row["model"] = ""  # events without a model stay without one
        row["session_id"] = "s-" + "-".join(f"{k}={v}" for k, v in override.items())  # one session per copy
        row["event_id"] = f"{row['event']}:{next(_ids)}"
        row["version"] = 1
        out.append(row)
    return pd.DataFrame(out)


@pytest.fixture(scope="module")
def hostile_store(chdb_path):
    """The base events, a copy per (filter, hostile string) and per filter a plain twin; prompts holding
    each hostile string for the search."""
    store = Store.open_embedded(chdb_path, database=f"inj{os.getpid()}")
    store.ensure_schema()
    base = base_events()
    frames = [frame(base)]
    for name, column in COLUMNS.items():
        frames.append(frame(base, **{column: TWIN[name]}))
        frames += [frame(base, **{column: value}) for value in HOSTILE]
    prompts = [
        dict(ts=DAY0 + timedelta(days=1, minutes=i), event="user_prompt", text=f"before {value} after")
        for i, value in enumerate(HOSTILE)
    ]
    frames.append(frame(prompts))
    store.insert_df("events", pd.concat(frames, ignore_index=True))
    rollups.rebuild(store)  # as the app finds a store it opened before: hostile filters then reach them too
    yield store
    store.command_sql(f"DROP DATABASE IF EXISTS inj{os.getpid()}")
    store.close()


def table_counts(store) -> dict[str, int]:
    names = [
        n
        for (n,) in store.rows_sql(
            "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine NOT LIKE '%View' ORDER BY name"
        )
    ]
    return {n: store.rows_sql(f"SELECT count() FROM `{n}`")[0][0] for n in names}  # noqa: S608 - names from system.tables


@pytest.fixture
def unchanged(hostile_store):
    """Every table keeps its rows (and none is dropped or added) across the test."""
    before = table_counts(hostile_store)
    yield hostile_store
    assert table_counts(hostile_store) == before


def numbers(obj, path=(), values=()) -> list[tuple]:
    """The non-text leaves of a JSON answer by path; dict keys equal to a filter value are one name."""
    if isinstance(obj, dict):
        out = []
        for k in sorted(obj, key=lambda k: "<value>" if k in values else k):
            out += numbers(obj[k], (*path, "<value>" if k in values else k), values)
        return out
    if isinstance(obj, list):
        return [x for i, v in enumerate(obj) for x in numbers(v, (*path, i), values)]
    return [] if isinstance(obj, str) else [(path, obj)]


# -- search --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", HOSTILE)
def test_search_finds_only_the_literal(unchanged, query):
    store = unchanged
    f = Filters(start=DAY0 - timedelta(days=1), end=DAY0 + timedelta(days=10))
    texts = dict(store.rows_sql("SELECT event_id, text FROM events WHERE event = 'user_prompt'"))
    terms = search.parse_query(query)
    expected = {i for i, t in texts.items() if terms and all(term.lower() in t.lower() for term in terms)}
    got = search.search(store, query, f, fields=("prompt",), mode="substring", limit=500)
    assert {h.event_id for h in got.hits} == expected
    assert got.total == len(expected)
    assert 1 <= len(expected) < len(texts)  # the literal is there, and it is not everything
    words = search.search(store, query, f, fields=("prompt",), mode="tokens", limit=500)
    assert {h.event_id for h in words.hits} <= expected


# -- filters in the analytics functions ----------------------------------------------------------------


def report_totals(store, **filter_values) -> dict:
    f = Filters(**{f"{k}s": (v,) for k, v in filter_values.items()})
    return usage_report(store, "model", tz="UTC", filters=f)["totals"]


@pytest.mark.parametrize("name", list(COLUMNS))
def test_every_filter_treats_hostile_values_as_names(unchanged, name):
    store = unchanged
    twin = report_totals(store, **{name: TWIN[name]})
    assert twin["requests"] == 6
    window = Filters(start=DAY0 - timedelta(days=1), end=DAY0 + timedelta(days=5), tz="Europe/Berlin")
    twin_series = costs.load_cost_series(
        store, Filters(**{**window.__dict__, f"{name}s": (TWIN[name],)}), "day"
    )
    for value in HOSTILE:
        assert report_totals(store, **{name: value}) == twin
        series = costs.load_cost_series(store, Filters(**{**window.__dict__, f"{name}s": (value,)}), "day")
        pd.testing.assert_frame_equal(series, twin_series)
    assert report_totals(store, **{name: "no such value"})["requests"] == 0


@pytest.mark.parametrize(
    "tz", ["UTC'; DROP TABLE events; --", "{tz:String}", "Europe/Nowhere", "../../etc/passwd"]
)
def test_an_invalid_time_zone_is_rejected_before_any_query(unchanged, tz):
    store = unchanged
    with pytest.raises((ValueError, KeyError)):
        usage_report(store, "day", tz=tz)
    # A Filters built by hand is bound as a parameter: the engine refuses the zone, nothing runs.
    with pytest.raises(StoreError, match="time zone|timezone|Timezone"):
        costs.load_cost_series(store, Filters(tz=tz), "day")


# -- the JSON API --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api(hostile_store):
    return TestClient(Starlette(routes=routes(lambda: hostile_store)))


def answer(api, path: str, **params) -> tuple[int, dict]:
    resp = api.get(path + "?" + urlencode({"tz": "UTC", "to": TO, **params}, doseq=True))
    return resp.status_code, resp.json()


@pytest.mark.parametrize("name", list(COLUMNS))
def test_api_filters_treat_hostile_values_as_names(unchanged, api, name):
    paths = ["/api/telemetry-widgets"] + (
        ["/api/telemetry/cost-burnrate", "/api/telemetry/error-monitor"] if name == "project" else []
    )
    for path in paths:
        status, twin = answer(api, path, **{name: TWIN[name]})
        assert status == 200
        expected = numbers(twin, values=(TWIN[name],))
        assert any(v for _, v in expected if isinstance(v, int | float) and not isinstance(v, bool))
        for value in HOSTILE:
            status, body = answer(api, path, **{name: value})
            assert status == 200, body
            assert numbers(body, values=(value,)) == expected, (path, value)


@pytest.mark.parametrize(
    "param",
    ["tz", "from", "to", "budget_day", "budget_month", "budget_session", "threshold_ms", "window_hours"],
)
def test_api_rejects_hostile_values_of_typed_parameters_with_400(unchanged, api, param):
    for value in HOSTILE:
        for path in (
            "/api/telemetry-widgets",
            "/api/telemetry/cost-burnrate",
            "/api/telemetry/error-monitor",
        ):
            status, body = answer(api, path, **{param: value})
            assert (status, body.get("parameter")) == (400, param), (path, value, body)


def test_api_ignores_unknown_parameters(unchanged, api):
    status, plain = answer(api, "/api/telemetry-widgets")
    assert status == 200
    extra = {
        k: HOSTILE for k in ("q", "query", "format", "settings", "database", "default_format", "param_start")
    }
    status, body = answer(api, "/api/telemetry-widgets", **extra)
    assert status == 200
    assert numbers(body) == numbers(plain)
    status, health = answer(api, "/api/health", project=HOSTILE)
    assert (status, health["status"]) == (200, "ok")


# -- URL parameters of the pages -----------------------------------------------------------------------


@pytest.fixture
def app_on_hostile(monkeypatch, chdb_path, hostile_store):
    with hostile_store.client() as c:
        database = c.database
    monkeypatch.setenv("ANALYTICS_DB", chdb_path)
    monkeypatch.setenv("ANALYTICS_DATABASE", database)
    monkeypatch.setenv("ANALYTICS_AUTOLOAD", "0")
    monkeypatch.delenv("ANALYTICS_HOSTED", raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield hostile_store
    st.cache_resource.clear()
    st.cache_data.clear()


def overview(**query) -> AppTest:
    at = AppTest.from_file(
        os.path.join(os.path.dirname(__file__), "..", "pages", "overview.py"), default_timeout=90
    )
    for k, v in {"tz": "UTC", "to": TO, **query}.items():
        at.query_params[k] = v
    return at.run()


def shown(at: AppTest) -> list[tuple]:
    assert [str(e.value) for e in at.exception] == []
    assert [str(e.value) for e in at.error] == []
    return [(m.label, m.value, m.delta) for m in at.metric]


def test_overview_url_filters_treat_hostile_values_as_names(app_on_hostile, unchanged):
    twin = shown(overview(project=TWIN["project"]))
    assert len(twin) == 5
    for value in HOSTILE[:6]:
        assert shown(overview(project=value)) == twin, value


def test_overview_survives_hostile_values_in_every_url_parameter(app_on_hostile, unchanged):
    plain = shown(overview())
    hostile = HOSTILE[0]
    at = overview(
        tz=hostile,
        **{"from": hostile},
        budget_day=hostile,
        budget_month=hostile,
        budget_session=hostile,
        threshold_ms=hostile,
        q=hostile,
        session_a=hostile,
        session_b=hostile,
    )
    assert shown(at) == plain  # every bad value falls back to its default
    empty = overview(project=hostile + " and more", model=hostile, user=hostile, source=hostile)
    assert any("No API calls" in str(i.value) for i in empty.info)  # nothing matches those names: it says so
    assert {value for _label, value, _delta in shown(empty)} <= {"–", "$0.00"}  # and shows no other data


@pytest.mark.parametrize("query", HOSTILE[:5])
def test_search_page_with_a_hostile_query(app_on_hostile, unchanged, query):
    at = AppTest.from_file(
        os.path.join(os.path.dirname(__file__), "..", "pages", "search.py"), default_timeout=90
    )
    at.query_params["q"] = query
    at.query_params["tz"] = "UTC"
    at.run()
    assert [str(e.value) for e in at.exception] == []
    assert [str(e.value) for e in at.error] == []
