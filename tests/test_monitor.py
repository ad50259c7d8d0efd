"""The live monitor's numbers, read through the API's JSON (the contract the pages and routes share)."""

import json
import math
from datetime import UTC, datetime

import pandas as pd
import pytest
from event_rows import BUDGETS, COST_ROWS, MARCH, NOW, err, insert, req, tool

from analytics import api_json, costs, monitor
from analytics.clock import judged_at
from analytics.filters import Filters
from analytics.monitor import load_spend_snapshot, month_to_date, week_changes


def cost_burnrate(*args, **kwargs) -> dict:
    return api_json.burnrate_json(monitor.cost_burnrate(*args, **kwargs))


def budget_report(*args) -> dict:
    return api_json.burnrate_json(monitor.budget_report(*args))


def error_monitor(*args, **kwargs) -> dict:
    return api_json.error_monitor_json(monitor.error_monitor(*args, **kwargs))


def telemetry_widgets(*args, **kwargs) -> dict:
    return api_json.widgets_json(monitor.telemetry_widgets(*args, **kwargs))


# ---------------------------------------------------------------------------
# now
def test_a_live_view_is_judged_now_and_a_past_window_at_its_end():
    assert judged_at(MARCH, live=True, now=NOW) == pd.Timestamp("2025-03-10 12:00", tz="UTC")
    later = datetime(2025, 4, 1, tzinfo=UTC)
    assert judged_at(MARCH, live=True, now=later) == pd.Timestamp(later)  # not cut at the window's end
    assert judged_at(MARCH, live=False, now=later) == pd.Timestamp("2025-03-10 23:59:59.999", tz="UTC")
    assert judged_at(MARCH, live=False, now=NOW) == pd.Timestamp(NOW)
    assert judged_at(MARCH, live=False) == pd.Timestamp(
        "2025-03-10 23:59:59.999", tz="UTC"
    )  # the clock is later
    wall = judged_at(MARCH, live=True)
    assert abs(wall - pd.Timestamp.now(tz="UTC")) < pd.Timedelta(seconds=5)


# ---------------------------------------------------------------------------
# cost burn rate
def test_cost_burnrate_three_dollars_in_the_last_90_minutes_of_a_24_hour_window(cost_store):
    r = cost_burnrate(cost_store, MARCH, BUDGETS, window_hours=24, now=NOW)
    assert r["now"] == "2025-03-10T12:00:00+00:00"
    assert r["last_activity"] == "2025-03-10T11:50:00+00:00"  # the unpriced request
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
            "message": "Daily budget: $3.00 of $4.00 used (75%)",
        },
        {
            "level": "WARNING",
            "budget": "month",
            "message": "Monthly budget: $8.00 of $10.00 used (80%)",
        },
        {
            "level": "EMERGENCY",
            "budget": "session",
            "message": "Per-session budget: $3.00 of $3.00 used (100%)",
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
    snap = monitor.SpendSnapshot(
        now=pd.Timestamp(NOW),
        tz="UTC",
        window_hours=24.0,
        load_start=pd.Timestamp("2025-03-09 12:00", tz="UTC"),
        spent_today=3.0,
        today_requests=3,
        today_unpriced=0,
        month_to_date=3.0,
        last_activity=pd.Timestamp("2025-03-10 11:45", tz="UTC"),
        projection=costs.project_spend(requests, daily, NOW, "UTC", window=pd.Timedelta(hours=24)),
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
    r = cost_burnrate(cost_store, past, BUDGETS, now=judged_at(past, live=False, now=NOW))
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
    h = monitor.hourly_spend(snap)
    assert h["hour"].iloc[0] == pd.Timestamp("2025-03-09 12:00") and h["hour"].iloc[-1] == pd.Timestamp(
        "2025-03-10 12:00"
    )
    assert len(h) == 25
    busy = h[h["requests"] > 0]
    assert busy["hour"].dt.hour.tolist() == [10, 11]
    assert busy["cost_usd"].tolist() == [1.0, 2.0] and busy["requests"].tolist() == [1, 3]
    totals = costs.period_totals(costs.load_cost_series(cost_store, MARCH, "day"))
    assert totals == costs.PeriodTotals(
        spend=8.0, requests=5, unpriced_requests=1, tokens=0, cost_per_request=2.0
    )
    assert costs.period_totals(pd.DataFrame()).cost_per_request is None


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
    errs = error_monitor(empty_store, MARCH, now=NOW)
    assert e["last_day"] == errs["current"]["last_day"] and e["trend"] == errs["trend"]
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
    assert [o.sentence for o in out] == [
        "Spend: $1.50 in the last 7 days, down 50% from $3.00 in the 7 days before.",
        "Requests: 3 in the last 7 days, down 50% from 6 in the 7 days before.",
        "Error rate: 0.00% of API calls failed in the last 7 days, down 14.29 percentage points from 14.29% in "
        "the 7 days before.",
        "Top model by spend: a with 100% of spend in the last 7 days, up from 33% in the 7 days before.",
    ]
    assert out[0].change == pytest.approx(-0.5) and out[2].change == pytest.approx(-1 / 7)
    assert week_changes(weeks.iloc[0:0]) == []
    only_last = week_changes(weeks[weeks["week"] == "last"])
    assert [o.metric for o in only_last] == [
        "spend",
        "requests",
    ]  # no call this week: no rate, no top model


def test_telemetry_widgets_on_an_empty_store(empty_store):
    w = telemetry_widgets(empty_store, MARCH, BUDGETS, now=NOW)
    assert w["changes"] == [] and w["error_rate"]["value"] is None and w["tool_sequences"]["value"] is None
    json.dumps(w, allow_nan=False)


def test_error_monitor_counts_tool_failures_and_user_decisions_beside_api_errors(empty_store):
    insert(
        empty_store,
        *[req(f"2025-03-10 09:0{i}:00") for i in range(4)],
        err("2025-03-10 09:30", 429),
        *[tool(f"2025-03-10 10:0{i}", "Bash", "t", failed=i < 2) for i in range(5)],  # 2 of 5 failed
        tool("2025-03-10 10:10", "Edit", "t", failed=True, error_type="user_rejected"),  # not a failure
        {"ts": "2025-03-10 10:11", "event": "tool_decision", "decision": "reject", "session_id": "t"},
        {"ts": "2025-03-10 10:12", "event": "tool_decision", "decision": "interrupt", "session_id": "t"},
        err("2025-03-09 09:30", 529),  # yesterday: in the window, not today
    )
    r = error_monitor(empty_store, MARCH, now=NOW)
    today = r["today"]
    assert today["api"] == {
        "start": "2025-03-10T00:00:00+00:00",
        "end": "2025-03-10T12:00:00+00:00",
        "requests": 4,
        "errors": 1,
        "error_rate": 0.2,
    }
    assert today["api"] == r["current"]["last_day"]
    assert today["error_classes"] == {"rate_limit": 1}
    assert (today["tool_calls"], today["tool_failed"], today["tool_failure_rate"]) == (
        6,
        2,
        pytest.approx(1 / 3),
    )
    assert (today["rejected"], today["interrupted"]) == (1, 1)
    assert r["level"] == "CRITICAL"
    assert (
        r["reason"]
        == "1 of 5 API calls failed today (20.00%, 10% or more); 2 of 6 tool calls failed (33.33%)."
    )
    w = telemetry_widgets(empty_store, MARCH, BUDGETS, now=NOW)["error_rate"]
    assert (w["today"], w["reason"], w["level"]) == (today, r["reason"], "CRITICAL")
    assert w["window_failures"]["error_classes"] == {"overloaded": 1, "rate_limit": 1}
    assert w["chart"] == "/errors#error-rate-trend"


def test_widget_levels_say_why(empty_store):
    insert(empty_store, *WIDGET_ROWS)
    w = telemetry_widgets(empty_store, MARCH, BUDGETS, now=NOW)
    assert w["cost_burn"]["reason"] == "Spent today $3.00 of $4.00 (75%); this month $8.00 of $10.00 (80%)."
    assert w["timeout_risk"]["reason"] == "No request carries a duration."
    assert w["tool_sequences"]["reason"] == (
        "The costliest loop (Bash 3+ times in a row) took 62% of the spend of sessions with tool calls."
    )
    assert w["model_efficiency"]["reason"] == "No saving found from moving small requests to a cheaper model."
