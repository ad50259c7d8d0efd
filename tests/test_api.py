import itertools
import json
import math
import threading
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest
from apptest_helpers import insert_events
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.testclient import TestClient

from analytics import api
from analytics.api import (
    AnswerCache,
    ApiQuery,
    ParamError,
    budget_report,
    cost_burnrate,
    cost_provenance,
    dedup_audit,
    effective_now,
    error_monitor,
    health,
    jsonable,
    load_cost_provenance,
    load_duration_histogram,
    load_ingest_runs,
    load_recent_errors,
    load_spend_snapshot,
    month_to_date,
    parse_params,
    routes,
    telemetry_widgets,
    trend_frame,
    week_changes,
)
from analytics.filters import Filters
from analytics.store import SCHEMA_VERSION, StoreError
from analytics.trends import fit_trend

_ids = itertools.count()
DEFAULTS = {
    "event": "api_request",
    "source": "jsonl",
    "session_id": "s1",
    "model": "claude-sonnet-4-5",
    "project": "alpha",
    "cost_usd": np.nan,
    "cost_source": "computed",
    "status_code": 0,
    "attempt": 0,
    "duration_ms": np.nan,
    "success": None,
    "tool": "",
    "tool_use_id": "",
    "decision": "",
    "error_type": "",
    "error_text": "",
    "seq": 0,
}
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
MARCH = Filters(start=datetime(2025, 3, 1, tzinfo=UTC), end=datetime(2025, 3, 11, tzinfo=UTC), tz="UTC")
BUDGETS = {"day": 4.0, "month": 10.0, "session": 3.0}


def insert(store, *rows):
    """Insert events: each row a dict overriding DEFAULTS; ts is a UTC string."""
    insert_events(
        store,
        [
            {**DEFAULTS, **r, "event_id": f"a{next(_ids)}", "ts": pd.Timestamp(r["ts"], tz="UTC")}
            for r in rows
        ],
    )


def req(ts, cost=np.nan, **kw):
    source = "computed" if cost == cost else "unpriced"
    return {"ts": ts, "event": "api_request", "cost_usd": cost, "cost_source": source, **kw}


def err(ts, status, **kw):
    return {"ts": ts, "event": "api_error", "status_code": status, **kw}


def tool(ts, name, session, failed=False, **kw):
    return {
        "ts": ts,
        "event": "tool_result",
        "tool": name,
        "session_id": session,
        "success": 0 if failed else 1,
        **kw,
    }


# $5 yesterday (outside a 24 h window ending at NOW), $3 in the last 90 minutes, one unpriced request.
COST_ROWS = (
    req("2025-03-09 11:00", 5.0, session_id="s0"),
    req("2025-03-10 10:45", 1.0, session_id="s1"),
    req("2025-03-10 11:15", 1.0, session_id="s1"),
    req("2025-03-10 11:45", 1.0, session_id="s2"),
    req("2025-03-10 11:50", model="mystery-model", session_id="s2"),
)


@pytest.fixture
def cost_store(empty_store):
    insert(empty_store, *COST_ROWS)
    return empty_store


# ---------------------------------------------------------------------------
# now
def test_effective_now_is_the_wall_clock_or_the_last_millisecond_of_the_window():
    assert effective_now(MARCH, NOW) == pd.Timestamp("2025-03-10 12:00", tz="UTC")
    assert effective_now(MARCH, datetime(2025, 4, 1, tzinfo=UTC)) == pd.Timestamp(
        "2025-03-10 23:59:59.999", tz="UTC"
    )
    assert effective_now(MARCH) == pd.Timestamp(
        "2025-03-10 23:59:59.999", tz="UTC"
    )  # the wall clock is later


# ---------------------------------------------------------------------------
# cost burn rate
def test_cost_burnrate_three_dollars_in_the_last_90_minutes_of_a_24_hour_window(cost_store):
    r = cost_burnrate(cost_store, MARCH, BUDGETS, window_hours=24, now=NOW)
    assert r["now"] == "2025-03-10T12:00:00+00:00"
    assert r["window"] == {
        "start": "2025-03-09T12:00:00+00:00",
        "end": "2025-03-10T12:00:00+00:00",
        "hours": 24.0,
    }
    assert r["current_cost"] == pytest.approx(3.0)
    assert r["month_to_date"] == pytest.approx(8.0)  # $5 on the 9th + $3 today
    assert r["requests_today"] == 4
    assert r["burn_rate"] == pytest.approx(3.0 / 24)  # $0.125 per hour
    assert r["requests"] == 4 and r["unpriced_requests"] == 1 and r["unpriced_requests_today"] == 1
    # 24 one-hour bins: $1 in bin 22 (10:45), $2 in bin 23 (11:15, 11:45); sd = sqrt(4.625 / 23),
    # half width = t(0.975, 23) * sd / sqrt(24) = 2.0686576 * 0.4484272 / 4.8989795 = 0.1893542
    assert r["interval"]["bins"] == 24 and r["interval"]["bin_minutes"] == 60.0
    assert r["interval"]["low"] == 0.0
    assert r["interval"]["high"] == pytest.approx(0.3143542, abs=1e-6)
    assert r["budget"] == {"day": 4.0, "month": 10.0, "session": 3.0}
    assert r["budget_remaining"] == pytest.approx(1.0)
    day, month, session = (r["budgets"][k] for k in ("day", "month", "session"))
    assert (day["level"], day["percent_used"]) == ("WARNING", pytest.approx(75.0))
    assert day["time_to_exhaustion_hours"] == pytest.approx(8.0)  # $1 left at $0.125 per hour
    assert day["exhausted_at"] == "2025-03-10T20:00:00+00:00"
    assert (month["level"], month["percent_used"]) == ("WARNING", pytest.approx(80.0))
    assert (session["level"], session["spend"], session["time_to_exhaustion_hours"]) == (
        "EMERGENCY",
        3.0,
        0.0,
    )
    assert r["status"] == "WARNING"  # worst of daily and monthly
    assert r["alerts"] == [
        {
            "level": "WARNING",
            "budget": "day",
            "message": "Daily budget: WARNING: $3.00 of $4.00 budget used (75%)",
        },
        {
            "level": "WARNING",
            "budget": "month",
            "message": "Monthly budget: WARNING: $8.00 of $10.00 budget used (80%)",
        },
        {
            "level": "EMERGENCY",
            "budget": "session",
            "message": "Per-session budget: EMERGENCY: $3.00 of $3.00 budget used (100%)",
        },
    ]
    p = r["projection"]
    assert p["day"]["spent"] == pytest.approx(3.0)
    assert p["day"]["projected"] == pytest.approx(3.0 + 0.125 * 12)  # 12 hours to midnight
    assert p["day"]["low"] == pytest.approx(3.0)
    assert p["day"]["high"] == pytest.approx(3.0 + 0.3143542 * 12, abs=1e-5)
    assert p["day"]["end"] == "2025-03-11T00:00:00+00:00"
    # the active 5-hour block started at 10:00 (first request 10:45) and ends at 15:00
    assert p["session"]["end"] == "2025-03-10T15:00:00+00:00"
    assert p["session"]["projected"] == pytest.approx(3.0 + 0.125 * 3)
    assert p["month"] is None  # one day of history: no daily model
    json.dumps(r, allow_nan=False)


def test_cost_burnrate_90_minute_window_is_two_dollars_per_hour(cost_store):
    r = cost_burnrate(cost_store, MARCH, BUDGETS, window_hours=1.5, now=NOW)
    assert r["burn_rate"] == pytest.approx(2.0)
    # two 45-minute bins: $2 (10:45, 11:15) and $1 (11:45): rates 2.667 and 1.333 per hour
    assert r["interval"]["bins"] == 2 and r["interval"]["bin_minutes"] == pytest.approx(45.0)
    assert r["interval"]["high"] == pytest.approx(2.0 + 12.7062047 * 0.9428090 / math.sqrt(2), abs=1e-5)
    assert r["current_cost"] == pytest.approx(3.0)  # today does not depend on the window
    assert r["budgets"]["day"]["time_to_exhaustion_hours"] == pytest.approx(0.5)  # $1 at $2 per hour


@pytest.mark.parametrize(
    "day_budget, level",
    [(7.0, "OK"), (6.0, "INFO"), (4.0, "WARNING"), (3.2, "CRITICAL"), (3.0, "EMERGENCY"), (2.0, "EMERGENCY")],
)
def test_budget_report_levels_cross_at_50_75_90_100_percent_of_3_dollars(day_budget, level):
    requests = pd.DataFrame(
        {
            "ts": pd.to_datetime(["2025-03-10 10:45", "2025-03-10 11:15", "2025-03-10 11:45"], utc=True),
            "cost_usd": [1.0, 1.0, 1.0],
            "tokens": [0, 0, 0],
        }
    )
    daily = pd.Series([], dtype="float64", index=pd.DatetimeIndex([], tz="UTC"))
    snap = api.SpendSnapshot(
        now=pd.Timestamp(NOW),
        tz="UTC",
        window_hours=24.0,
        load_start=pd.Timestamp("2025-03-09 12:00", tz="UTC"),
        spent_today=3.0,
        today_requests=3,
        today_unpriced=0,
        month_to_date=3.0,
        projection=api.costs.project_spend(requests, daily, NOW, "UTC", window=pd.Timedelta(hours=24)),
        requests=requests,
        daily=daily,
    )
    r = budget_report(snap, {"day": day_budget, "month": None, "session": 0})
    assert r["budgets"]["day"]["level"] == level
    assert r["status"] == level  # the monthly budget is not set
    assert r["budgets"]["month"] is None and r["budgets"]["session"] is None
    assert [a["budget"] for a in r["alerts"]] == ([] if level == "OK" else ["day"])


def test_a_past_window_is_judged_at_its_end(cost_store):
    past = Filters(start=datetime(2025, 3, 1, tzinfo=UTC), end=datetime(2025, 3, 10, tzinfo=UTC), tz="UTC")
    r = cost_burnrate(cost_store, past, BUDGETS, now=NOW)
    assert r["now"] == "2025-03-09T23:59:59.999000+00:00"
    assert r["current_cost"] == pytest.approx(5.0)  # the 9th is "today"
    assert r["burn_rate"] == pytest.approx(5.0 / 24)
    assert r["budgets"]["day"]["level"] == "EMERGENCY"


def test_cost_burnrate_days_end_at_the_reporting_zones_midnight(cost_store):
    # Los Angeles is UTC-7 after the DST change of March 9: noon UTC is 05:00 local on the 10th
    la = Filters(
        start=datetime(2025, 3, 1, 8, tzinfo=UTC),
        end=datetime(2025, 3, 11, 7, tzinfo=UTC),
        tz="America/Los_Angeles",
    )
    r = cost_burnrate(cost_store, la, BUDGETS, now=NOW)
    assert r["current_cost"] == pytest.approx(3.0)  # the 9th's request was at 04:00 local on the 9th
    assert r["month_to_date"] == pytest.approx(8.0)
    day = r["projection"]["day"]
    assert day["end"] == "2025-03-11T07:00:00+00:00"  # local midnight
    assert day["projected"] == pytest.approx(3.0 + 0.125 * 19)  # 19 hours to local midnight


def test_hourly_spend_and_period_totals(cost_store):
    snap = load_spend_snapshot(cost_store, MARCH, 24, NOW)
    h = api.hourly_spend(snap)
    assert h["hour"].iloc[0] == pd.Timestamp("2025-03-09 12:00") and h["hour"].iloc[-1] == pd.Timestamp(
        "2025-03-10 12:00"
    )
    assert len(h) == 25
    busy = h[h["requests"] > 0]
    assert busy["hour"].dt.hour.tolist() == [10, 11]
    assert busy["cost_usd"].tolist() == [1.0, 2.0] and busy["requests"].tolist() == [1, 3]
    totals = api.period_totals(api.costs.load_cost_series(cost_store, MARCH, "day"))
    assert totals == {
        "spend": 8.0,
        "requests": 5,
        "unpriced_requests": 1,
        "tokens": 0,
        "cost_per_request": 2.0,
    }
    assert api.period_totals(pd.DataFrame())["cost_per_request"] is None


def test_cost_burnrate_on_an_empty_store(empty_store):
    r = cost_burnrate(empty_store, MARCH, BUDGETS, now=NOW)
    assert (r["current_cost"], r["burn_rate"], r["requests"], r["status"], r["alerts"]) == (
        0.0,
        0.0,
        0,
        "OK",
        [],
    )
    assert r["projection"] == {"session": None, "day": None, "month": None}
    json.dumps(r, allow_nan=False)


def test_month_projection_and_month_to_date_curve_agree(empty_store):
    # $1, $2, ..., $9 on March 1..9 (an exact line: zero-width interval), $3 today by noon
    insert(empty_store, *[req(f"2025-03-0{d} 12:00", float(d)) for d in range(1, 10)], *COST_ROWS[1:])
    snap = load_spend_snapshot(empty_store, MARCH, 24, NOW)
    month = snap.projection.month
    # rest of today (12 h of 24: half of day 10's $10) + days 11..31 ($11 + ... + $31 = $441)
    assert month.spent == pytest.approx(45.0 + 3.0)
    assert month.projected == pytest.approx(48.0 + 5.0 + 441.0)
    assert (month.low, month.high) == (pytest.approx(494.0), pytest.approx(494.0))
    curve = month_to_date(snap)
    actual = curve[curve["kind"] == "actual"]
    assert actual["cumulative"].tolist() == pytest.approx([1, 3, 6, 10, 15, 21, 28, 36, 45, 48])
    assert actual["at"].iloc[0] == pd.Timestamp("2025-03-02")  # end of March 1
    assert actual["at"].iloc[-1] == pd.Timestamp("2025-03-10 12:00")  # now
    fc = curve[curve["kind"] == "forecast"]
    assert fc["cumulative"].iloc[:3].tolist() == pytest.approx([48.0, 53.0, 64.0])
    assert fc["at"].iloc[-1] == pd.Timestamp("2025-04-01")
    assert fc["cumulative"].iloc[-1] == pytest.approx(month.projected)
    assert (fc["low"] <= fc["cumulative"] + 1e-9).all() and (fc["high"] >= fc["cumulative"] - 1e-9).all()


def test_month_to_date_without_history_has_only_actual_points(cost_store):
    curve = month_to_date(load_spend_snapshot(cost_store, MARCH, 24, NOW))
    assert set(curve["kind"]) == {"actual"}
    assert curve["cumulative"].iloc[-1] == pytest.approx(8.0)


# ---------------------------------------------------------------------------
# errors
ERROR_ROWS = (
    *[req(f"2025-03-08 0{h}:00", session_id="old") for h in range(10)],
    *[req(f"2025-03-09 0{h}:00", session_id="old") for h in range(10)],
    err("2025-03-09 09:30", 500, session_id="old"),
    # today: 8 timed requests, 2 rate-limit errors; e1 recovers after 5 minutes, e2 does not
    *[
        req(f"2025-03-10 09:{10 + i}:00", session_id="e1", source="otel", duration_ms=float(d))
        for i, d in enumerate([1000, 2000, 3000, 4000, 5000, 6000, 9000, 10000])
    ],
    err("2025-03-10 09:05", 429, session_id="e1"),
    err("2025-03-10 11:00", 429, session_id="e2"),
)


def test_error_monitor_on_hand_inserted_events(empty_store):
    insert(empty_store, *ERROR_ROWS)
    r = error_monitor(empty_store, MARCH, threshold_ms=8000, now=NOW)
    assert r["freq"] == "day"
    assert r["current"]["last_day"] == {
        "start": "2025-03-10T00:00:00+00:00",
        "end": "2025-03-10T12:00:00+00:00",
        "requests": 8,
        "errors": 2,
        "error_rate": 0.2,
    }
    assert r["current"]["window"] == {"requests": 28, "errors": 3, "error_rate": pytest.approx(3 / 31)}
    assert r["level"] == "CRITICAL"  # 20% >= 10%
    t = r["trend"]
    assert (t["n"], t["direction"], t["arrow"]) == (3, "VOLATILE", "↕")  # 0, 1/11, 1/5: not significant
    assert t["p_value"] == pytest.approx(1 / 3)  # Kendall's exact p for 3 increasing points
    assert t["slope_per_day"] == pytest.approx(0.1)  # OLS through (0, 0), (1, 1/11), (2, 1/5)
    tax = r["taxonomy"]
    assert tax["api_errors"] == 3
    assert [(c["error_class"], c["errors"]) for c in tax["by_class"]] == [("rate_limit", 2), ("server", 1)]
    # e1 recovered 5 minutes after its error; "old" and e2 had no request after theirs
    rec = r["recovery"]
    assert (rec["sessions_with_error"], rec["sessions_recovered"], rec["median_wait_s"]) == (3, 1, 300.0)
    risk = r["timeout_risk"]
    assert (risk["level"], risk["n"], risk["n_missing"]) == ("HIGH", 8, 20)
    (m,) = risk["models"]
    # quantileExact: element floor(q * n) of the sorted 8 durations
    assert (m["p50_ms"], m["p95_ms"], m["p99_ms"], m["n_above"]) == (5000, 10000, 10000, 2)
    assert (m["share_above"], m["risk"]) == (0.25, "HIGH")
    json.dumps(r, allow_nan=False)


def test_error_monitor_short_windows_use_hours(empty_store):
    insert(empty_store, *ERROR_ROWS)
    day = Filters(start=datetime(2025, 3, 10, tzinfo=UTC), end=datetime(2025, 3, 11, tzinfo=UTC), tz="UTC")
    r = error_monitor(empty_store, day, now=NOW)
    assert r["freq"] == "hour"
    assert (r["current"]["last_day"]["requests"], r["current"]["last_day"]["errors"]) == (8, 2)
    # hours 09 (8 requests, 1 error) and 11 (1 error): two buckets, no trend
    assert r["trend"]["n"] == 0 and r["trend"]["direction"] is None
    w = telemetry_widgets(empty_store, day, BUDGETS, now=NOW)
    assert w["error_rate"]["last_day"] == r["current"]["last_day"]
    assert w["error_rate"]["trend"] == r["trend"]


def test_error_monitor_threshold_changes_the_risk(empty_store):
    insert(empty_store, *ERROR_ROWS)
    r = error_monitor(empty_store, MARCH, threshold_ms=12000, now=NOW)
    (m,) = r["timeout_risk"]["models"]
    # p95 10 s > 0.75 x 12 s, nothing above 12 s
    assert (m["n_above"], m["risk"], r["timeout_risk"]["level"]) == (0, "MEDIUM", "MEDIUM")


def test_error_monitor_on_an_empty_store(empty_store):
    r = error_monitor(empty_store, MARCH, now=NOW)
    assert r["current"]["last_day"]["error_rate"] is None and r["level"] == "OK"
    assert r["trend"]["direction"] is None and r["taxonomy"] is None and r["recovery"] is None
    assert r["timeout_risk"]["level"] is None and r["timeout_risk"]["models"] == []
    json.dumps(r, allow_nan=False)


# ---------------------------------------------------------------------------
# widgets
WIDGET_ROWS = (
    *COST_ROWS,
    req("2025-02-28 10:00", 4.0, model="claude-haiku-4-5", session_id="s9"),  # the week before
    err("2025-03-10 11:00", 429, session_id="s1"),
    *[tool(f"2025-03-09 11:0{i}", "Bash", "s0") for i in range(3)],
    *[tool(f"2025-03-10 10:5{i}", t, "s1") for i, t in enumerate(["Read", "Grep", "Edit"])],
    *[tool(f"2025-03-10 11:4{i}", t, "s2") for i, t in enumerate(["Read", "Grep", "Edit"])],
)


def test_telemetry_widgets_on_hand_inserted_events(empty_store):
    insert(empty_store, *WIDGET_ROWS)
    w = telemetry_widgets(empty_store, MARCH, BUDGETS, now=NOW)
    assert [
        w[k]["page"]
        for k in ("error_rate", "cost_burn", "timeout_risk", "tool_sequences", "model_efficiency")
    ] == ["/errors", "/costs", "/errors", "/tools", "/models"]
    e = w["error_rate"]
    assert (e["value"], e["level"]) == (0.2, "CRITICAL")  # 1 error / (4 requests + 1 error) today
    assert e["window"] == {"requests": 5, "errors": 1, "error_rate": pytest.approx(1 / 6)}
    assert e["recovery"]["sessions_recovered"] == 1 and e["recovery"]["median_wait_s"] == 900.0
    monitor = error_monitor(empty_store, MARCH, now=NOW)
    assert e["last_day"] == monitor["current"]["last_day"] and e["trend"] == monitor["trend"]
    c = w["cost_burn"]
    burn = cost_burnrate(empty_store, MARCH, BUDGETS, now=NOW)
    assert (c["value"], c["burn_rate"], c["level"]) == (
        burn["current_cost"],
        burn["burn_rate"],
        burn["status"],
    )
    assert c["projection"] == burn["projection"] and c["percent_of_budget"] == pytest.approx(75.0)
    t = w["timeout_risk"]
    assert (t["value"], t["level"], t["models"]) == (None, None, [])  # no request has a duration
    s = w["tool_sequences"]
    assert s["value"] == "Read → Grep → Edit"
    assert s["top_workflow"]["sessions"] == 2 and s["top_workflow"]["session_share"] == pytest.approx(2 / 3)
    # s0's $5 spread over its three Bash calls: all of it is in the run; tool sessions spent $5 + $2 + $1
    assert s["costliest_loop"] == {
        "kind": "repeat",
        "label": "Bash 3+ times in a row",
        "occurrences": 1,
        "sessions": 1,
        "cost_usd": 5.0,
        "share_of_spend": 0.625,
    }
    assert s["level"] == "WARNING" and s["suggestion"] is None  # too few occurrences to suggest
    m = w["model_efficiency"]
    assert (m["top_model"], m["value"], m["unpriced_models"]) == ("claude-sonnet-4-5", 1.0, ["mystery-model"])
    assert m["potential_savings"] is None and m["level"] == "OK"
    assert [(x["model"], x["cost_usd"], x["share_of_cost"], x["pricing"]) for x in m["spend_share"]] == [
        ("claude-sonnet-4-5", 8.0, 1.0, "priced"),
        ("mystery-model", None, None, "unpriced"),
    ]
    assert w["changes"] == [
        "Spend: $8.00 in the last 7 days, up 100% from $4.00 in the 7 days before.",
        "Requests: 5 in the last 7 days, up 400% from 1 in the 7 days before.",
        "Error rate: 16.67% of API calls failed in the last 7 days, up 16.67 percentage points from 0.00% in the "
        "7 days before.",
        "Top model by spend: claude-sonnet-4-5 with 100% of spend in the last 7 days, up from 0% in the 7 days "
        "before.",
    ]
    json.dumps(w, allow_nan=False)


def test_week_changes_wording_for_decreases_and_an_empty_week():
    weeks = pd.DataFrame(
        {
            "week": ["this", "last", "last"],
            "model": ["a", "a", "b"],
            "requests": [3, 4, 2],
            "errors": [0, 1, 0],
            "cost_usd": [1.5, 1.0, 2.0],
        }
    )
    out = week_changes(weeks)
    assert [o["sentence"] for o in out] == [
        "Spend: $1.50 in the last 7 days, down 50% from $3.00 in the 7 days before.",
        "Requests: 3 in the last 7 days, down 50% from 6 in the 7 days before.",
        "Error rate: 0.00% of API calls failed in the last 7 days, down 14.29 percentage points from 14.29% in "
        "the 7 days before.",
        "Top model by spend: a with 100% of spend in the last 7 days, up from 33% in the 7 days before.",
    ]
    assert out[0]["change"] == pytest.approx(-0.5) and out[2]["change"] == pytest.approx(-1 / 7)
    assert week_changes(weeks.iloc[0:0]) == []
    only_last = week_changes(weeks[weeks["week"] == "last"])
    assert [o["metric"] for o in only_last] == [
        "spend",
        "requests",
    ]  # no call this week: no rate, no top model


def test_telemetry_widgets_on_an_empty_store(empty_store):
    w = telemetry_widgets(empty_store, MARCH, BUDGETS, now=NOW)
    assert w["changes"] == [] and w["error_rate"]["value"] is None and w["tool_sequences"]["value"] is None
    json.dumps(w, allow_nan=False)


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
# query parameters
def test_parse_params_defaults_match_the_app():
    q = parse_params({"tz": "UTC"})
    assert (q.start, q.end, q.budgets, q.threshold_ms, q.window_hours) == (
        None,
        None,
        {"day": 50.0, "month": 1000.0, "session": 10.0},
        8000.0,
        24.0,
    )
    # the last 30 days with data; a store with 10 days of data gives those 10 days
    assert q.date_range((date(2025, 1, 1), date(2025, 3, 10))) == (date(2025, 2, 9), date(2025, 3, 10))
    assert q.date_range((date(2025, 3, 1), date(2025, 3, 10))) == (date(2025, 3, 1), date(2025, 3, 10))
    assert q.date_range(None, today=date(2025, 3, 10)) == (date(2025, 2, 9), date(2025, 3, 10))


def test_parse_params_filters_in_the_reporting_zone():
    q = parse_params(
        {
            "from": "2025-03-01",
            "to": "2025-03-02",
            "tz": "Europe/Berlin",
            "model": ["a", "", "b"],
            "project": "p",
            "budget_day": "20",
            "threshold_ms": "5000",
        }
    )
    f = q.filters(None)
    assert f.start.astimezone(UTC) == datetime(2025, 2, 28, 23, 0, tzinfo=UTC)
    assert f.end.astimezone(UTC) == datetime(2025, 3, 2, 23, 0, tzinfo=UTC)
    assert (f.tz, f.models, f.projects, f.users) == ("Europe/Berlin", ("a", "b"), ("p",), ())
    assert q.budgets["day"] == 20.0 and q.threshold_ms == 5000.0


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"tz": "Mars/Olympus"}, "tz"),
        ({"from": "2025-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2025-03-02", "to": "2025-03-01"}, "from"),
        ({"budget_day": "abc"}, "budget_day"),
        ({"budget_month": "-5"}, "budget_month"),
        ({"budget_session": "nan"}, "budget_session"),
        ({"threshold_ms": "0"}, "threshold_ms"),
        ({"threshold_ms": "inf"}, "threshold_ms"),
        ({"window_hours": "1000"}, "window_hours"),
    ],
)
def test_parse_params_rejects_bad_values_naming_the_parameter(params, parameter):
    with pytest.raises(ParamError) as exc:
        parse_params({"tz": "UTC", **params})
    assert exc.value.parameter == parameter
    assert parameter in str(exc.value)


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
# HTTP routes
def _client(provider) -> TestClient:
    return TestClient(Starlette(routes=routes(provider)))


def test_routes_return_the_builders_numbers(cost_store):
    client = _client(lambda: cost_store)
    query = "from=2025-03-01&to=2025-03-10&tz=UTC&budget_day=4&budget_month=10&budget_session=3"
    resp = client.get(f"/api/telemetry/cost-burnrate?{query}")
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/json"
    expected = jsonable(cost_burnrate(cost_store, MARCH, BUDGETS))
    assert resp.json() == expected
    assert resp.json()["current_cost"] == pytest.approx(3.0)  # the 10th, judged at its end
    resp = client.get(f"/api/telemetry/error-monitor?{query}&threshold_ms=5000")
    assert resp.status_code == 200
    assert resp.json() == jsonable(error_monitor(cost_store, MARCH, 5000))
    resp = client.get(f"/api/telemetry-widgets?{query}")
    assert resp.status_code == 200
    assert resp.json() == jsonable(telemetry_widgets(cost_store, MARCH, BUDGETS))
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
    assert len(opened) == 4  # health is computed every time
    fresh = TestClient(Starlette(routes=routes(provider)))  # the default: no reuse
    fresh.get(query)
    fresh.get(query)
    assert len(opened) == 6


def test_routes_default_to_the_last_days_with_data(cost_store):
    body = _client(lambda: cost_store).get("/api/telemetry/cost-burnrate?tz=UTC").json()
    assert body["budget"] == {"day": 50.0, "month": 1000.0, "session": 10.0}
    assert body["now"] == "2025-03-10T23:59:59.999000+00:00"  # data ends on the 10th


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


# ---------------------------------------------------------------------------
# frames for the pages
def test_cost_provenance_counts_sources_and_names_unpriced_models(empty_store):
    insert(
        empty_store,
        req("2025-03-10 10:00", 1.0, input_tokens=100),
        req("2025-03-10 10:01", 2.0, output_tokens=10),
        {**req("2025-03-10 10:02", 0.5), "cost_source": "reported"},
        req("2025-03-10 10:03", model="mystery-model", input_tokens=7),
    )
    p = cost_provenance(load_cost_provenance(empty_store, MARCH))
    assert (p.requests, p.unpriced_requests, p.unpriced_models) == (4, 1, ("mystery-model",))
    rows = p.by_source.set_index("cost_source")
    assert rows.loc["computed", ["requests", "cost_usd", "tokens"]].tolist() == [2, 3.0, 110]
    assert rows.loc["reported", "cost_usd"] == 0.5
    assert rows.loc["unpriced", ["requests", "share"]].tolist() == [1, 0.25]
    assert np.isnan(rows.loc["unpriced", "cost_usd"])  # unknown, never $0
    assert (
        cost_provenance(load_cost_provenance(empty_store, Filters(end=datetime(2001, 1, 1, tzinfo=UTC))))
        is None
    )


def test_dedup_audit_reads_the_ingest_reports(empty_store):
    jsonl = {
        "files_read": 3,
        "lines": 120,
        "new_events": {"api_request": 10, "tool_result": 5},
        "dedup": {"duplicate_content_block": 40, "sidechain_replay": 2, "already_in_store": 7},
    }
    otel = {"files": 1, "records": 30, "inserted": 25, "duplicates": 5}
    for i, (kind, rep) in enumerate([("jsonl", jsonl), ("otel", otel), ("demo", {"rows": 10})]):
        empty_store.command_sql(
            "INSERT INTO ingest_runs (started, finished, kind, report) VALUES "
            "(fromUnixTimestamp64Milli({s:Int64}), fromUnixTimestamp64Milli({s:Int64}), {k:String}, {r:String})",
            s=1_741_600_000_000 + i * 1000,
            k=kind,
            r=json.dumps(rep),
        )
    audit = dedup_audit(load_ingest_runs(empty_store, n=10))
    assert audit["kind"].tolist() == ["demo", "otel", "jsonl"]  # newest first
    j = audit.iloc[2]
    assert [
        j[c]
        for c in (
            "files_read",
            "lines",
            "new_events",
            "duplicate_content_block",
            "sidechain_replay",
            "already_in_store",
        )
    ] == [3, 120, 15, 40, 2, 7]
    assert pd.isna(j["otel_duplicates"])
    o = audit.iloc[1]
    assert (o["files_read"], o["otel_records"], o["otel_duplicates"]) == (1, 30, 5)
    assert pd.isna(o["duplicate_content_block"])
    assert audit.iloc[0][api.DEDUP_COLUMNS[3:]].isna().all()


def test_duration_histogram_bins_on_a_log_scale(empty_store):
    insert(
        empty_store,
        *[req("2025-03-10 10:00", duration_ms=d) for d in (1000.0, 1200.0, 9999.0, 10000.0)],
        req("2025-03-10 10:00"),
    )
    h = load_duration_histogram(empty_store, MARCH, per_decade=10)
    # bin = floor(10 * log10(ms)): 1000 and 1200 -> 30, 9999 -> 39, 10000 -> 40
    assert list(zip(h["bin"], h["n"], strict=True)) == [(30, 2), (39, 1), (40, 1)]
    assert h["low_ms"].iloc[0] == pytest.approx(1000.0) and h["high_ms"].iloc[0] == pytest.approx(10**3.1)


def test_recent_errors_newest_first_without_user_rejections(empty_store):
    insert(
        empty_store,
        err("2025-03-10 10:00", 429, error_text="rate limited", session_id="a"),
        tool("2025-03-10 10:05", "Bash", "b", failed=True, error_text="exit 1"),
        tool("2025-03-10 10:06", "Edit", "b", failed=True, error_type="user_rejected"),
        tool("2025-03-10 10:07", "Read", "b"),
    )
    e = load_recent_errors(empty_store, MARCH, limit=10)
    assert e[["event", "session_id", "tool", "error_text"]].values.tolist() == [
        ["tool_result", "b", "Bash", "exit 1"],
        ["api_error", "a", "", "rate limited"],
    ]
    assert e["ts"].iloc[0] == pd.Timestamp("2025-03-10 10:05", tz="UTC")
    assert load_recent_errors(empty_store, MARCH, limit=1).shape[0] == 1


def test_trend_frame_draws_the_ols_line_at_the_series_points():
    idx = pd.date_range("2025-03-01", periods=4, freq="D", tz="UTC")
    s = pd.Series([1.0, 2.0, 3.0, 5.0], index=idx)
    fit = fit_trend(s)
    f = trend_frame(s, fit)
    # OLS through (0,1), (1,2), (2,3), (3,5): slope 6.5 / 5 = 1.3, intercept 2.75 - 1.3 x 1.5 = 0.8
    assert f["at"].tolist() == list(idx)
    assert f["fitted"].tolist() == pytest.approx([0.8, 2.1, 3.4, 4.7])
    assert (f["ci_low"] <= f["fitted"]).all() and (f["pi_high"] >= f["ci_high"]).all()


def test_api_query_is_frozen():
    q = ApiQuery(tz="UTC")
    with pytest.raises(AttributeError):
        q.tz = "Europe/Paris"
