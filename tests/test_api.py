"""The JSON API: plain JSON values, health, routes, the answer cache."""

import json
import threading

import numpy as np
import pandas as pd
import pytest
from event_rows import BUDGETS, MARCH, insert, req
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.testclient import TestClient

from analytics import api_json, monitor
from analytics.api import AnswerCache, health, routes
from analytics.api_json import jsonable
from analytics.clock import judged_at
from analytics.store import SCHEMA_VERSION, StoreError


@settings(max_examples=50, deadline=None)
@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=True, allow_infinity=True)
        | st.text(max_size=5),
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=3), children, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_jsonable_never_yields_nan(value):
    json.dumps(jsonable(value), allow_nan=False)


def test_jsonable_converts_pandas_and_numpy_values():
    assert jsonable(
        {
            "a": np.float64("nan"),
            "b": np.int64(3),
            "c": pd.Timestamp("2025-01-01", tz="UTC"),
            "d": pd.NaT,
            "e": [np.inf, 1.5],
            "f": np.bool_(True),
        }
    ) == {"a": None, "b": 3, "c": "2025-01-01T00:00:00+00:00", "d": None, "e": [None, 1.5], "f": True}


# ---------------------------------------------------------------------------
# health
def test_health_reports_store_data_and_versions(cost_store):
    h = health(cost_store)
    assert h["status"] == "ok" and h["events"] == 5 and h["events_by_source"] == {"jsonl": 5}
    assert h["store"]["kind"] == "embedded"
    assert h["last_event"] == "2025-03-10T11:50:00+00:00"
    assert h["versions"]["schema"] == SCHEMA_VERSION and h["versions"]["clickhouse"].startswith("26.")
    assert h["last_ingest"] is None


def test_health_of_a_closed_store_is_an_error(store_factory):
    store = store_factory()
    store.close()
    h = health(store)
    assert h["status"] == "error" and "closed" in h["error"]


# ---------------------------------------------------------------------------
# HTTP routes
def _client(provider) -> TestClient:
    return TestClient(Starlette(routes=routes(provider)))


def test_routes_return_the_builders_numbers(cost_store):
    client = _client(lambda: cost_store)
    query = "from=2025-03-01&to=2025-03-10&tz=UTC&budget_day=4&budget_month=10&budget_session=3"
    resp = client.get(f"/api/telemetry/cost-burnrate?{query}")
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/json"
    at_end = judged_at(MARCH, live=False)  # a past window: judged at its end, as the route does
    expected = jsonable(api_json.burnrate_json(monitor.cost_burnrate(cost_store, MARCH, BUDGETS, now=at_end)))
    assert resp.json() == expected
    assert resp.json()["current_cost"] == pytest.approx(3.0)  # the 10th, judged at its end
    resp = client.get(f"/api/telemetry/error-monitor?{query}&threshold_ms=5000")
    assert resp.status_code == 200
    errors = monitor.error_monitor(cost_store, MARCH, 5000, now=at_end)
    assert resp.json() == jsonable(api_json.error_monitor_json(errors))
    resp = client.get(f"/api/telemetry-widgets?{query}")
    assert resp.status_code == 200
    widgets = monitor.telemetry_widgets(cost_store, MARCH, BUDGETS, now=at_end)
    assert resp.json() == jsonable(api_json.widgets_json(widgets))
    assert set(resp.json()) >= {
        "error_rate",
        "cost_burn",
        "timeout_risk",
        "tool_sequences",
        "model_efficiency",
        "changes",
    }


def test_answer_cache_computes_a_burst_of_identical_requests_once():
    cache = AnswerCache(ttl=60)
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def compute():
        calls.append("x")
        started.set()
        release.wait(10)
        return {"n": len(calls)}

    got: list = []
    first = threading.Thread(target=lambda: got.append(cache.get("k", compute)))
    first.start()
    started.wait(10)
    waiters = [threading.Thread(target=lambda: got.append(cache.get("k", compute))) for _ in range(3)]
    for t in waiters:
        t.start()
    release.set()
    for t in [first, *waiters]:
        t.join(10)
    assert calls == ["x"] and got == [{"n": 1}] * 4
    assert cache.get("other", lambda: {"n": 99}) == {"n": 99}  # another key computes its own


def test_answer_cache_expires_and_keeps_no_failure():
    now = [100.0]
    cache = AnswerCache(ttl=10, clock=lambda: now[0])
    n = iter(range(1, 100))
    assert cache.get("k", lambda: next(n)) == 1
    now[0] = 109.9
    assert cache.get("k", lambda: next(n)) == 1
    now[0] = 110.0
    assert cache.get("k", lambda: next(n)) == 2

    def fail():
        raise StoreError("down")

    with pytest.raises(StoreError, match="down"):
        cache.get("bad", fail)
    assert cache.get("bad", lambda: "back") == "back"  # the failure was not kept
    off = AnswerCache(ttl=0)
    assert [off.get("k", lambda: next(n)) for _ in range(2)] == [3, 4]


def test_routes_reuse_an_answer_for_the_same_query_string(cost_store):
    opened: list[int] = []

    def provider():
        opened.append(1)
        return cost_store

    client = TestClient(Starlette(routes=routes(provider, cache_seconds=60)))
    query = "/api/telemetry/cost-burnrate?from=2025-03-01&to=2025-03-10&tz=UTC"
    first = client.get(query).json()
    assert client.get(query).json() == first and len(opened) == 1
    assert client.get(query + "&budget_day=4").json()["budget"]["day"] == 4.0 and len(opened) == 2
    client.get("/api/health")
    client.get("/api/health")
    assert len(opened) == 3  # health is computed once for a few seconds, whatever the setting
    fresh = TestClient(Starlette(routes=routes(provider)))  # the default: no reuse
    fresh.get(query)
    fresh.get(query)
    assert len(opened) == 5


def test_routes_without_dates_are_live_and_say_when_the_data_ends(cost_store):
    client = _client(lambda: cost_store)
    body = client.get("/api/telemetry/cost-burnrate?tz=UTC").json()
    assert body["budget"] == {"day": 50.0, "month": 1000.0, "session": 10.0}
    assert abs(pd.Timestamp(body["now"]) - pd.Timestamp.now(tz="UTC")) < pd.Timedelta(minutes=1)  # the clock
    assert (body["current_cost"], body["requests_today"], body["burn_rate"]) == (0.0, 0, 0.0)  # nothing today
    assert body["last_activity"] == "2025-03-10T11:50:00+00:00"
    assert body["projection"]["session"] is None  # no active 5-hour block a year later
    errors = client.get("/api/telemetry/error-monitor?tz=UTC").json()
    assert errors["last_activity"] == body["last_activity"]
    assert errors["current"]["last_day"]["requests"] == 0 and errors["level"] == "OK"
    assert errors["reason"] == "No activity today; the last was at 2025-03-10 11:50."
    assert errors["window"]["end"] == "2025-03-11T00:00:00+00:00"  # history: the last 30 days with data
    widgets = client.get("/api/telemetry-widgets?tz=UTC").json()
    assert widgets["cost_burn"]["value"] == 0.0 and widgets["last_activity"] == body["last_activity"]
    past = client.get("/api/telemetry/cost-burnrate?tz=UTC&to=2025-03-10").json()
    assert past["now"] == "2025-03-10T23:59:59.999000+00:00"  # a past window is judged at its end
    assert past["current_cost"] == pytest.approx(3.0)


def test_todays_spend_is_live(empty_store):
    now = pd.Timestamp.now(tz="UTC")
    at = max(now - pd.Timedelta(minutes=2), now.normalize())  # today, even just after midnight
    insert(empty_store, req(str(at.tz_localize(None)), 2.5, session_id="live"))
    body = _client(lambda: empty_store).get("/api/telemetry/cost-burnrate?tz=UTC").json()
    assert body["current_cost"] == pytest.approx(2.5) and body["requests_today"] == 1
    assert pd.Timestamp(body["last_activity"]) == at.floor("ms")


def test_routes_reject_bad_parameters_with_400(cost_store):
    client = _client(lambda: cost_store)
    for path in ("/api/telemetry-widgets", "/api/telemetry/cost-burnrate", "/api/telemetry/error-monitor"):
        resp = client.get(f"{path}?budget_day=abc")
        assert resp.status_code == 400 and resp.headers["content-type"] == "application/json"
        assert resp.json()["parameter"] == "budget_day"
    assert client.get("/api/telemetry/error-monitor?tz=Nowhere/Land").json()["parameter"] == "tz"


def test_routes_answer_503_when_the_store_fails(store_factory):
    def unreachable():
        raise StoreError("Cannot reach the ClickHouse server at db:8123")

    client = _client(unreachable)
    resp = client.get("/api/telemetry/cost-burnrate")
    assert resp.status_code == 503 and "Cannot reach the ClickHouse server" in resp.json()["error"]
    resp = client.get("/api/health")
    assert resp.status_code == 503 and resp.json()["status"] == "error"
    closed = store_factory()
    closed.close()
    resp = _client(lambda: closed).get("/api/telemetry-widgets?tz=UTC")
    assert resp.status_code == 503 and "closed" in resp.json()["error"]


def test_health_route(cost_store):
    resp = _client(lambda: cost_store).get("/api/health")
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/json"
    assert resp.json()["events"] == 5 and resp.json()["status"] == "ok"


def test_route_json_has_no_nan(empty_store):
    insert(empty_store, req("2025-03-10 10:00", model="mystery-model"))  # only an unpriced request
    text = _client(lambda: empty_store).get("/api/telemetry-widgets?tz=UTC").text

    def refuse(constant):
        raise ValueError(constant)

    json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("to=9999-12-31", "to"),
        ("from=0001-01-01&to=0001-01-01", "from"),
        ("tz=" + "x" * 10_000, "tz"),
        ("tz=right/UTC", "tz"),
        ("budget_day=1e8", "budget_day"),
    ],
)
def test_absurd_parameters_are_a_400_not_a_500_or_503(cost_store, query, parameter):
    client = _client(lambda: cost_store)
    for path in ("/api/telemetry-widgets", "/api/telemetry/cost-burnrate", "/api/telemetry/error-monitor"):
        resp = client.get(f"{path}?{query}")
        assert resp.status_code == 400, (path, resp.text[:200])
        assert resp.json()["parameter"] == parameter and len(resp.json()["error"]) < 200


def test_a_flood_of_health_checks_looks_at_the_store_once(cost_store):
    opened: list[int] = []

    def provider():
        opened.append(1)
        return cost_store

    client = TestClient(Starlette(routes=routes(provider, "a-token")))
    for _ in range(50):
        assert client.get("/api/health").json() == {"status": "ok"}  # no token: the status only
    assert len(opened) == 1
