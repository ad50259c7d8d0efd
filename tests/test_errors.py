import itertools

import event_rows as ev
import numpy as np
import pandas as pd
import pytest
from apptest_helpers import insert_events

from analytics.errors import (
    assess_timeout_risk,
    classify_risk,
    error_taxonomy,
    error_trend,
    load_attempts,
    load_duration_histogram,
    load_error_series,
    load_error_types,
    load_latency,
    load_recent_errors,
    load_recovery,
    load_tool_decisions,
    load_tool_errors,
    recovery_summary,
    retry_stats,
    timeout_risk,
)
from analytics.filters import Filters

_ids = itertools.count()
DEFAULTS = {
    "event": "api_request",
    "source": "otel",
    "session_id": "s1",
    "model": "claude-sonnet-4-5",
    "project": "alpha",
    "status_code": 0,
    "attempt": 0,
    "duration_ms": np.nan,
    "success": None,
    "tool": "",
    "tool_use_id": "",
    "decision": "",
    "decision_source": "",
    "error_type": "",
    "error_text": "",
}


def insert(store, *rows):
    """Insert events: each row a dict overriding DEFAULTS; ts is a UTC string."""
    insert_events(
        store,
        [
            {**DEFAULTS, **r, "event_id": f"x{next(_ids)}", "ts": pd.Timestamp(r["ts"], tz="UTC")}
            for r in rows
        ],
    )


def req(ts, **kw):
    return {"ts": ts, "event": "api_request", **kw}


def err(ts, **kw):
    return {"ts": ts, "event": "api_error", **kw}


# ---------------------------------------------------------------------------
# error rate
def test_error_rate_on_hand_inserted_events(empty_store):
    insert(
        empty_store,
        *[req(f"2025-01-01 0{h}:00") for h in (1, 2, 3)],
        err("2025-01-01 04:00"),  # day 1: 1 / (3 + 1)
        *[req(f"2025-01-02 0{h}:00") for h in (1, 2, 3, 4)],  # day 2: 0 / 4
        req("2025-01-03 01:00"),
        err("2025-01-03 02:00"),  # day 3: 1 / 2
        {"ts": "2025-01-03 03:00", "event": "tool_result", "tool": "Bash", "success": 0},  # not an API call
    )
    s = load_error_series(empty_store, Filters(tz="UTC"), "day")
    assert s["bucket"].tolist() == [pd.Timestamp(f"2025-01-0{d}", tz="UTC") for d in (1, 2, 3)]
    assert s["requests"].tolist() == [3, 4, 1]
    assert s["errors"].tolist() == [1, 0, 1]
    assert s["error_rate"].tolist() == [0.25, 0.0, 0.5]
    f = error_trend(s)
    assert f.n == 3 and f.polarity == "lower_is_better"
    assert f.slope == pytest.approx(0.125)  # OLS through (0, .25), (1, 0), (2, .5)
    assert error_trend(s, min_calls=3) is None  # day 3 had only 2 calls
    # in Los Angeles (UTC-8) the error at 04:00 UTC on Jan 1 is on Dec 31
    la = load_error_series(empty_store, Filters(tz="America/Los_Angeles"), "day")
    assert la["bucket"].iloc[0] == pd.Timestamp("2024-12-31", tz="America/Los_Angeles")
    assert la["error_rate"].iloc[0] == 0.25
    hourly = load_error_series(empty_store, Filters(tz="UTC"), "hour")
    assert len(hourly) == 10 and hourly["errors"].sum() == 2


def test_error_series_empty(empty_store):
    s = load_error_series(empty_store, Filters(), "day")
    assert s.empty and "error_rate" in s.columns
    assert error_trend(s) is None
    with pytest.raises(ValueError):
        load_error_series(empty_store, Filters(), "week")


# ---------------------------------------------------------------------------
# taxonomy
def test_error_taxonomy(empty_store):
    t = "2025-01-01 10:00"
    insert(
        empty_store,
        err(t, status_code=429),
        err(t, status_code=429, error_type="rate_limit"),
        err(t, status_code=529),
        err(t, status_code=500),
        err(t, status_code=503, session_id="s2"),
        err(t, status_code=401),
        err(t, status_code=400),
        err(t, status_code=0, error_text="Request timed out"),
        {"ts": t, "event": "tool_result", "tool": "Bash", "success": 1, "tool_use_id": "t1"},
        {"ts": t, "event": "tool_result", "tool": "Bash", "success": 1, "tool_use_id": "t2"},
        {
            "ts": t,
            "event": "tool_result",
            "tool": "Bash",
            "success": 0,
            "tool_use_id": "t3",
            "error_text": "exit 1",
        },
        # a JSONL rejection is not a tool error
        {
            "ts": t,
            "event": "tool_result",
            "tool": "Bash",
            "success": 0,
            "tool_use_id": "t4",
            "error_type": "user_rejected",
        },
        # nor is a result whose call the user rejected through a decision
        {"ts": t, "event": "tool_result", "tool": "Read", "success": 0, "tool_use_id": "t9"},
        {"ts": t, "event": "tool_result", "tool": "Read", "success": 1, "tool_use_id": "t5"},
        *[
            {
                "ts": t,
                "event": "tool_decision",
                "tool": "Bash",
                "decision": "accept",
                "decision_source": "config",
            }
        ]
        * 3,
        {
            "ts": t,
            "event": "tool_decision",
            "tool": "Read",
            "decision": "reject",
            "decision_source": "user_reject",
            "tool_use_id": "t9",
        },
        {
            "ts": t,
            "event": "tool_decision",
            "tool": "Edit",
            "decision": "interrupt",
            "decision_source": "user",
        },
    )
    f = Filters()
    types, tools, decisions = (
        load_error_types(empty_store, f),
        load_tool_errors(empty_store, f),
        load_tool_decisions(empty_store, f),
    )
    tax = error_taxonomy(types, tools, decisions)
    assert tax.api_errors == 8
    assert tax.by_class[["error_class", "errors"]].values.tolist() == [
        ["rate_limit", 2],
        ["overloaded", 1],
        ["server", 2],
        ["auth", 1],
        ["timeout", 1],
        ["client", 1],
    ]
    assert tax.by_class.set_index("error_class").loc["server", "statuses"] == (500, 503)
    assert tax.by_class["share"].sum() == pytest.approx(1.0)
    assert tax.by_status.set_index("status_code").loc[429, "errors"] == 2
    assert tools[["tool", "results", "errors"]].values.tolist() == [["Bash", 3, 1], ["Read", 1, 0]]
    assert tools.set_index("tool").loc["Bash", "example"] == "exit 1"
    assert (tax.tool_results, tax.tool_errors, tax.tool_error_rate) == (4, 1, 0.25)
    assert (tax.decisions, tax.rejected, tax.interrupted, tax.rejection_rate) == (5, 1, 1, 0.4)
    assert sorted(tax.rejections["tool"]) == ["Edit", "Read"]
    assert tax.rejections["share"].tolist() == [0.2, 0.2]


def test_error_taxonomy_empty(empty_store):
    f = Filters()
    assert (
        error_taxonomy(
            load_error_types(empty_store, f),
            load_tool_errors(empty_store, f),
            load_tool_decisions(empty_store, f),
        )
        is None
    )


# ---------------------------------------------------------------------------
# retries and recovery
def test_retry_stats(empty_store):
    t = "2025-01-01 10:00"
    insert(
        empty_store,
        err(t, attempt=3),
        err(t, attempt=2),
        req(t, attempt=1),
        req(t, attempt=1),
        req(t, attempt=2),
        req(t),  # no attempt attribute (JSONL): left out
    )
    stats = {s.event: s for s in retry_stats(load_attempts(empty_store, Filters()))}
    e, r = stats["api_error"], stats["api_request"]
    assert (e.n, e.mean_attempts, e.max_attempt, e.retried, e.retried_share, e.retries) == (
        2,
        2.5,
        3,
        2,
        1.0,
        3,
    )
    assert (r.n, r.mean_attempts, r.max_attempt, r.retried, r.retries) == (3, pytest.approx(4 / 3), 2, 1, 1)
    assert retry_stats(load_attempts(empty_store, Filters(projects=("none",)))) == ()


def test_recovery(empty_store):
    insert(
        empty_store,
        # a: error, then success 30 s later -> recovered
        req("2025-01-01 10:00:00", session_id="a"),
        err("2025-01-01 10:01:00", session_id="a"),
        req("2025-01-01 10:01:30", session_id="a"),
        # b: two errors, success 70 s after the first (60 s after the second) -> recovered
        err("2025-01-01 11:00:00", session_id="b"),
        err("2025-01-01 11:00:10", session_id="b"),
        req("2025-01-01 11:01:10", session_id="b"),
        # c: success, then an error that nothing follows -> not recovered
        req("2025-01-01 12:00:00", session_id="c"),
        err("2025-01-01 12:05:00", session_id="c"),
        # d: no error
        req("2025-01-01 13:00:00", session_id="d"),
    )
    r = recovery_summary(load_recovery(empty_store, Filters()))
    assert (r.sessions, r.sessions_with_error, r.sessions_recovered) == (4, 3, 2)
    assert r.recovery_rate == pytest.approx(2 / 3)
    assert (r.errors, r.errors_followed_by_success) == (4, 3)
    # waits 30, 70, 60 s: exact median is the 2nd of 3 sorted, the 90th percentile element floor(0.9 * 3) = the 3rd
    assert (r.median_wait_s, r.p90_wait_s) == (60.0, 70.0)


def test_recovery_degenerate(empty_store):
    assert recovery_summary(load_recovery(empty_store, Filters())) is None
    insert(empty_store, err("2025-01-01 10:00", session_id="z"))
    r = recovery_summary(load_recovery(empty_store, Filters()))
    assert (r.sessions_with_error, r.sessions_recovered, r.recovery_rate, r.median_wait_s) == (
        1,
        0,
        0.0,
        None,
    )


# ---------------------------------------------------------------------------
# timeout risk
def test_timeout_percentiles_on_hand_made_durations(empty_store):
    rows = []
    # model A at 14:xx UTC (09:xx in New York): 1000, 2000, ..., 10000 ms
    rows += [req(f"2025-01-01 14:{i:02d}", model="claude-a", duration_ms=1000.0 * (i + 1)) for i in range(10)]
    # model B at 03:xx UTC (22:xx the day before in New York): 18 x 1000, 6500, 7000
    rows += [req(f"2025-01-01 03:{i:02d}", model="claude-b", duration_ms=1000.0) for i in range(18)]
    rows += [
        req("2025-01-01 03:30", model="claude-b", duration_ms=6500.0),
        req("2025-01-01 03:31", model="claude-b", duration_ms=7000.0),
    ]
    # model C: 10 x 500 ms with a duration, 3 JSONL rows without
    rows += [req(f"2025-01-01 05:{i:02d}", model="claude-c", duration_ms=500.0) for i in range(10)]
    rows += [req("2025-01-01 05:30", model="claude-c", source="jsonl") for _ in range(3)]
    insert(empty_store, *rows)
    f = Filters(tz="America/New_York")
    by_model = load_latency(empty_store, f, 8000)[0].set_index("model")
    # quantileExact picks the element at floor(level * n) of the sorted values
    assert by_model.loc["claude-a", ["n", "missing", "p50_ms", "p95_ms", "p99_ms", "n_above"]].tolist() == [
        10,
        0,
        6000.0,
        10000.0,
        10000.0,
        2,
    ]
    assert by_model.loc["claude-b", ["n", "p50_ms", "p95_ms", "p99_ms", "n_above"]].tolist() == [
        20,
        1000.0,
        7000.0,
        7000.0,
        0,
    ]
    assert by_model.loc["claude-c", ["n", "missing", "p50_ms"]].tolist() == [10, 3, 500.0]

    risk = timeout_risk(empty_store, f, threshold_ms=8000, min_hour_n=5)
    m = risk.by_model.set_index("model")
    assert m["risk"].to_dict() == {"claude-a": "HIGH", "claude-b": "MEDIUM", "claude-c": "LOW"}
    assert risk.by_model["model"].tolist() == ["claude-a", "claude-b", "claude-c"]
    assert m.loc["claude-a", "share_above"] == 0.2
    assert (risk.n, risk.n_missing, risk.level, risk.tz) == (40, 3, "HIGH", "America/New_York")
    assert risk.riskiest_hours == (9,)
    hours = risk.by_hour.set_index("hour")
    assert hours.loc[22, "n"] == 20 and hours.loc[0, "n"] == 10
    assert "HIGH if p95 > 8000 ms" in risk.rule


@pytest.mark.parametrize(
    ("p95", "share", "level"),
    [
        (8001, 0.0, "HIGH"),
        (8000, 0.0, "MEDIUM"),
        (1000, 0.11, "HIGH"),
        (6001, 0.0, "MEDIUM"),
        (6000, 0.05, "LOW"),
        (1000, 0.06, "MEDIUM"),
    ],
)
def test_risk_rule(p95, share, level):
    assert classify_risk(p95, share, 8000) == level


def test_timeout_risk_without_durations(empty_store):
    assert timeout_risk(empty_store, Filters()) is None
    insert(empty_store, req("2025-01-01 10:00", source="jsonl"))  # JSONL: no duration
    assert timeout_risk(empty_store, Filters()) is None
    by_model, by_hour = load_latency(empty_store, Filters(), 8000)
    assert by_hour.empty  # an hour without any duration is left out; the model row counts what is missing
    assert by_model[["n", "missing"]].values.tolist() == [[0, 1]]
    assert assess_timeout_risk(pd.DataFrame(), pd.DataFrame()) is None


# ---------------------------------------------------------------------------
# latency histogram and the latest errors
def test_duration_histogram_bins_on_a_log_scale(empty_store):
    ev.insert(
        empty_store,
        *[ev.req("2025-03-10 10:00", duration_ms=d) for d in (1000.0, 1200.0, 9999.0, 10000.0)],
        ev.req("2025-03-10 10:00"),
    )
    h = load_duration_histogram(empty_store, ev.MARCH, per_decade=10)
    # bin = floor(10 * log10(ms)): 1000 and 1200 -> 30, 9999 -> 39, 10000 -> 40
    assert list(zip(h["bin"], h["n"], strict=True)) == [(30, 2), (39, 1), (40, 1)]
    assert h["low_ms"].iloc[0] == pytest.approx(1000.0) and h["high_ms"].iloc[0] == pytest.approx(10**3.1)


def test_recent_errors_newest_first_without_user_rejections(empty_store):
    ev.insert(
        empty_store,
        ev.err("2025-03-10 10:00", 429, error_text="rate limited", session_id="a"),
        ev.tool("2025-03-10 10:05", "Bash", "b", failed=True, error_text="exit 1"),
        ev.tool("2025-03-10 10:06", "Edit", "b", failed=True, error_type="user_rejected"),
        ev.tool("2025-03-10 10:07", "Read", "b"),
    )
    e = load_recent_errors(empty_store, ev.MARCH, limit=10)
    assert e[["event", "session_id", "tool", "error_text"]].values.tolist() == [
        ["tool_result", "b", "Bash", "exit 1"],
        ["api_error", "a", "", "rate limited"],
    ]
    assert e["ts"].iloc[0] == pd.Timestamp("2025-03-10 10:05", tz="UTC")
    assert load_recent_errors(empty_store, ev.MARCH, limit=1).shape[0] == 1
