import itertools
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfoNotFoundError

import event_rows as ev
import numpy as np
import pandas as pd
import pytest
from apptest_helpers import insert_events
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.costs import (
    DEDUP_COLUMNS,
    backtest_daily_forecast,
    block_limits,
    budget_status,
    burn_rate,
    cost_acceleration,
    cost_provenance,
    dedup_audit,
    efficiency_score,
    forecast_daily,
    load_cost_provenance,
    load_cost_series,
    load_costs_by,
    load_ingest_runs,
    load_request_costs,
    load_request_hours,
    project_spend,
    reconcile_sources,
    request_hours,
    usage_blocks,
)
from analytics.filters import Filters
from analytics.ingest.jsonl import ingest_jsonl
from analytics.usage import usage_report

_ids = itertools.count()
DEFAULTS = {
    "event": "api_request",
    "source": "jsonl",
    "session_id": "s1",
    "request_id": "",
    "model": "claude-sonnet-4-5",
    "project": "alpha",
    "user_email": "",
    "cost_usd": np.nan,
    "input_tokens": 0,
    "output_tokens": 0,
    "cache_read_tokens": 0,
    "cache_write_5m_tokens": 0,
    "cache_write_1h_tokens": 0,
}


def insert(store, *rows):
    """Insert api_request events: each row a dict overriding DEFAULTS; ts is a UTC string."""
    insert_events(
        store,
        [
            {**DEFAULTS, **r, "event_id": f"e{next(_ids)}", "ts": pd.Timestamp(r["ts"], tz="UTC")}
            for r in rows
        ],
    )


def frame(*rows):
    """A requests frame (ts, cost_usd, tokens) from (UTC time, cost, tokens) tuples."""
    return pd.DataFrame(
        {
            "ts": pd.to_datetime([r[0] for r in rows], utc=True),
            "cost_usd": [r[1] for r in rows],
            "tokens": [r[2] for r in rows],
        }
    )


def at(s: str) -> datetime:
    return pd.Timestamp(s, tz="UTC").to_pydatetime()


# ---------------------------------------------------------------------------
# loaders
def test_load_cost_series_daily_in_reporting_zone(empty_store):
    insert(
        empty_store,
        {"ts": "2025-01-01 10:00", "cost_usd": 1.0, "input_tokens": 100, "output_tokens": 10},
        # 23:30 UTC is 00:30 on Jan 2 in Paris
        {"ts": "2025-01-01 23:30", "cost_usd": 2.0, "cache_read_tokens": 1000, "cache_write_1h_tokens": 5},
        {"ts": "2025-01-04 12:00", "cost_usd": 0.5},
        {"ts": "2025-01-04 13:00", "model": "mystery-model"},  # unpriced: counted, not $0
        {"ts": "2025-01-04 13:00", "event": "api_error"},  # not a request
    )
    df = load_cost_series(empty_store, Filters(tz="Europe/Paris"), "day")
    assert df["bucket"].tolist() == [pd.Timestamp(f"2025-01-0{d}", tz="Europe/Paris") for d in (1, 2, 3, 4)]
    assert df["cost_usd"].tolist() == [1.0, 2.0, 0.0, 0.5]
    assert df["requests"].tolist() == [1, 1, 0, 2]
    assert df["unpriced_requests"].tolist() == [0, 0, 0, 1]
    assert df["tokens"].tolist() == [110, 1005, 0, 0]
    assert df["cache_write_tokens"].tolist() == [0, 5, 0, 0]

    utc = load_cost_series(empty_store, Filters(tz="UTC"), "day")
    assert utc["cost_usd"].tolist() == [3.0, 0.0, 0.0, 0.5]

    hourly = load_cost_series(
        empty_store, Filters(tz="Asia/Kolkata", start=at("2025-01-01"), end=at("2025-01-02")), "hour"
    )
    # Kolkata is UTC+5:30: 10:00 and 23:30 UTC fall in the local hours 15:00 and 05:00 (next day):
    # 15 hourly buckets, two with spend
    assert len(hourly) == 15
    assert hourly["bucket"].iloc[0] == pd.Timestamp("2025-01-01 15:00", tz="Asia/Kolkata")
    assert hourly["cost_usd"].iloc[[0, -1]].tolist() == [1.0, 2.0]
    assert hourly["cost_usd"].sum() == 3.0


def test_load_cost_series_across_daylight_saving(empty_store):
    # Paris moves to summer time on 2025-03-30 (a 23-hour day)
    insert(
        empty_store, {"ts": "2025-03-29 12:00", "cost_usd": 1.0}, {"ts": "2025-04-01 12:00", "cost_usd": 2.0}
    )
    daily = load_cost_series(empty_store, Filters(tz="Europe/Paris"), "day")
    assert daily["bucket"].tolist() == [
        pd.Timestamp(f"2025-{d}", tz="Europe/Paris") for d in ("03-29", "03-30", "03-31", "04-01")
    ]
    assert daily["cost_usd"].tolist() == [1.0, 0.0, 0.0, 2.0]
    hourly = load_cost_series(empty_store, Filters(tz="Europe/Paris"), "hour")
    # 13:00 CET on Mar 29 to 14:00 CEST on Apr 1: 72 elapsed hours, 73 buckets
    assert len(hourly) == 73 and hourly["cost_usd"].sum() == 3.0


def test_load_cost_series_empty_and_bad_freq(empty_store):
    empty = load_cost_series(empty_store, Filters(), "day")
    assert empty.empty and list(empty.columns)[:4] == ["bucket", "requests", "unpriced_requests", "cost_usd"]
    assert load_costs_by(empty_store, Filters(), "week", "model").empty
    with pytest.raises(ValueError):
        load_cost_series(empty_store, Filters(), "minute")


def test_load_costs_by_period_and_key(empty_store):
    insert(
        empty_store,
        {
            "ts": "2025-03-30 23:30",
            "cost_usd": 1.0,
            "model": "claude-opus-4-1",
            "project": "alpha",
        },  # Mon 31 Mar, Paris
        {
            "ts": "2025-03-30 12:00",
            "cost_usd": 2.0,
            "model": "claude-sonnet-4-5",
            "project": "beta",
        },  # Sun 30 Mar
        {"ts": "2025-04-02 12:00", "cost_usd": 3.0, "model": "claude-sonnet-4-5", "project": "alpha"},
    )
    f = Filters(tz="Europe/Paris")
    weeks = load_costs_by(empty_store, f, "week", None)
    assert weeks["bucket"].tolist() == [
        pd.Timestamp("2025-03-24", tz="Europe/Paris"),
        pd.Timestamp("2025-03-31", tz="Europe/Paris"),
    ]
    assert weeks["cost_usd"].tolist() == [2.0, 4.0]
    assert weeks["key"].tolist() == ["", ""]

    months = load_costs_by(empty_store, f, "month", "project")
    # 23:30 UTC on Mar 30 is still March in Paris (01:30 on Mar 31)
    assert list(
        zip(months["bucket"].dt.month, months["key"], months["cost_usd"], months["share"], strict=True)
    ) == [
        (3, "beta", 2.0, pytest.approx(2 / 3)),
        (3, "alpha", 1.0, pytest.approx(1 / 3)),
        (4, "alpha", 3.0, 1.0),
    ]
    by_model = load_costs_by(empty_store, f, "month", "model")
    march = by_model[by_model["bucket"].dt.month == 3]
    assert march[["key", "cost_usd"]].values.tolist() == [
        ["claude-sonnet-4-5", 2.0],
        ["claude-opus-4-1", 1.0],
    ]
    by_user = load_costs_by(empty_store, f, "day", "user")
    assert set(by_user["key"]) == {"local"}
    only_beta = load_costs_by(empty_store, Filters(tz="Europe/Paris", projects=("beta",)), "month", None)
    assert only_beta["cost_usd"].tolist() == [2.0]
    with pytest.raises(ValueError):
        load_costs_by(empty_store, f, "month", "model; DROP TABLE events")
    with pytest.raises(ValueError):
        load_costs_by(empty_store, f, "year", None)


SESSION_ROWS = (
    {"ts": "2025-03-30 10:00", "cost_usd": 1.0, "session_id": "s1", "input_tokens": 10},
    {"ts": "2025-03-30 11:00", "cost_usd": 2.5, "session_id": "s2", "output_tokens": 20},
    {"ts": "2025-03-30 12:00", "session_id": "s2", "model": "mystery-model", "cache_read_tokens": 300},
    {"ts": "2025-03-31 09:00", "cost_usd": 0.5, "session_id": "s1", "cache_write_1h_tokens": 4},
)


def test_load_costs_by_session(empty_store):
    insert(empty_store, *SESSION_ROWS)
    by_session = load_costs_by(empty_store, Filters(), "day", "session")
    assert by_session[["key", "requests", "unpriced_requests", "cost_usd", "tokens"]].values.tolist() == [
        ["s2", 2, 1, 2.5, 320],
        ["s1", 1, 0, 1.0, 10],
        ["s1", 1, 0, 0.5, 4],
    ]


def test_usage_report_by_session_and_day(empty_store):
    insert(empty_store, *SESSION_ROWS)
    report = usage_report(empty_store, "session", tz="UTC")
    assert report["rows"] == [
        {
            "session_id": "s1",
            "input_tokens": 10,
            "output_tokens": 0,
            "cache_read_tokens": 0,
            "cache_write_5m_tokens": 0,
            "cache_write_1h_tokens": 4,
            "total_tokens": 14,
            "cost_usd": 1.5,
            "requests": 2,
            "unpriced_requests": 0,
        },
        {
            "session_id": "s2",
            "input_tokens": 0,
            "output_tokens": 20,
            "cache_read_tokens": 300,
            "cache_write_5m_tokens": 0,
            "cache_write_1h_tokens": 0,
            "total_tokens": 320,
            "cost_usd": 2.5,
            "requests": 2,
            "unpriced_requests": 1,
        },
    ]
    assert report["totals"] == {
        "input_tokens": 10,
        "output_tokens": 20,
        "cache_read_tokens": 300,
        "cache_write_5m_tokens": 0,
        "cache_write_1h_tokens": 4,
        "total_tokens": 334,
        "cost_usd": 4.0,
        "requests": 4,
        "unpriced_requests": 1,
    }
    # Tokyo is UTC+9: 10:00-12:00 UTC on Mar 30 is that evening there, 09:00 UTC on Mar 31 is 18:00
    days = usage_report(empty_store, "day", tz="Asia/Tokyo", since=date(2025, 3, 31))
    assert [(r["date"], r["requests"], r["cost_usd"]) for r in days["rows"]] == [("2025-03-31", 1, 0.5)]
    unpriced_only = usage_report(empty_store, "model", filters=Filters(models=("mystery-model",)))
    assert [(r["model"], r["cost_usd"]) for r in unpriced_only["rows"]] == [("mystery-model", None)]
    with pytest.raises(
        ValueError, match="--by must be one of day, week, month, model, project, repository, session"
    ):
        usage_report(empty_store, "model; DROP TABLE events")
    with pytest.raises(ZoneInfoNotFoundError):
        usage_report(empty_store, "day", tz="Mars/Olympus")


def test_load_request_costs(empty_store):
    insert(
        empty_store,
        {"ts": "2025-01-01 10:00:00.250", "cost_usd": 1.0, "output_tokens": 7, "request_id": "r1"},
        {"ts": "2025-01-01 09:00", "model": "mystery-model"},
    )
    df = load_request_costs(empty_store, Filters())
    assert df["ts"].tolist() == [
        pd.Timestamp("2025-01-01 09:00", tz="UTC"),
        pd.Timestamp("2025-01-01 10:00:00.250", tz="UTC"),
    ]
    assert df["tokens"].tolist() == [0, 7]
    assert np.isnan(df["cost_usd"].iloc[0]) and df["cost_usd"].iloc[1] == 1.0
    assert load_request_costs(empty_store, Filters(projects=("nobody",))).empty


def test_load_request_hours_by_hand(empty_store):
    insert(
        empty_store,
        {"ts": "2025-01-01 10:59:59.999", "cost_usd": 1.5, "output_tokens": 7, "request_id": "r1"},
        {"ts": "2025-01-01 10:00:00.250", "cost_usd": 0.25, "input_tokens": 3, "request_id": "r2"},
        {"ts": "2025-01-01 10:30", "model": "mystery-model", "output_tokens": 1, "request_id": "r3"},
        {"ts": "2025-01-01 12:00", "cost_usd": 2.0, "request_id": "r4"},
    )
    h = load_request_hours(empty_store, Filters())
    assert h["hour"].tolist() == [pd.Timestamp(f"2025-01-01 {x}:00", tz="UTC") for x in (10, 12)]
    assert h["first_ts"].tolist() == [pd.Timestamp("2025-01-01 10:00:00.250", tz="UTC"),
                                      pd.Timestamp("2025-01-01 12:00", tz="UTC")]  # fmt: skip
    assert h["last_ts"].iloc[0] == pd.Timestamp("2025-01-01 10:59:59.999", tz="UTC")
    assert h["requests"].tolist() == [3, 1] and h["unpriced_requests"].tolist() == [1, 0]
    assert h["cost_usd"].tolist() == [1.75, 2.0] and h["tokens"].tolist() == [11, 0]
    pd.testing.assert_frame_equal(h, request_hours(load_request_costs(empty_store, Filters())))
    # a window cuts the hour: only its requests count, the first one at 10:30
    cut = load_request_hours(empty_store, Filters(start=at("2025-01-01 10:30"), end=at("2025-01-01 11:00")))
    assert (cut["requests"].tolist(), cut["first_ts"].tolist()) == (
        [2],
        [pd.Timestamp("2025-01-01 10:30", tz="UTC")],
    )
    assert load_request_hours(empty_store, Filters(projects=("nobody",))).empty


SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "claude-projects"


def _blocks_both_ways(store, f: Filters, now: datetime) -> int:
    """The usage blocks of the requests equal those of the requests per hour; returns the blocks."""
    by_request = usage_blocks(load_request_costs(store, f), now)
    pd.testing.assert_frame_equal(by_request, usage_blocks(load_request_hours(store, f), now),
                                  check_dtype=False, rtol=1e-9)  # fmt: skip
    return len(by_request)


def test_usage_blocks_from_hours_equal_those_from_requests(demo_store):
    ((end,),) = demo_store.rows_sql("SELECT max(ts) FROM telemetry WHERE event = 'api_request'")
    end = end.replace(tzinfo=UTC)
    nows = (end, end - timedelta(hours=2, minutes=17), end + timedelta(hours=6))
    blocks = {
        (now, days): _blocks_both_ways(demo_store, Filters(tz="Asia/Kolkata").days_up_to(now, days), now)
        for now in nows
        for days in (30, 7, 0.5)
    }
    # never a vacuous comparison: every month holds blocks, and the last half day the last request
    # (the demo's quiet hours may leave another half day empty, depending on when it was made)
    assert all(blocks[(now, 30)] > 0 for now in nows) and blocks[(end, 0.5)] > 0


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared real transcripts are not beside the repository")
def test_usage_blocks_from_hours_on_the_real_transcripts(empty_store):
    ingest_jsonl(empty_store, [SHARED])
    ((first, end),) = empty_store.rows_sql(
        "SELECT min(ts), max(ts) FROM telemetry WHERE event = 'api_request'"
    )
    whole = Filters(start=first.replace(tzinfo=UTC), end=end.replace(tzinfo=UTC) + timedelta(seconds=1))
    assert _blocks_both_ways(empty_store, whole, end.replace(tzinfo=UTC)) > 1


# ---------------------------------------------------------------------------
# burn rate
def test_three_dollars_over_ninety_minutes_is_two_per_hour():
    ev = frame(
        ("2025-01-01 10:30", 5.0, 999),  # exactly at the window start: outside (now - window, now]
        ("2025-01-01 10:40", 1.0, 100),
        ("2025-01-01 11:10", 1.5, 200),
        ("2025-01-01 12:00", 0.5, 300),  # exactly now: inside
        ("2025-01-01 12:05", 9.0, 999),  # after now
    )
    b = burn_rate(ev, timedelta(minutes=90), at("2025-01-01 12:00"))
    assert b.per_hour == pytest.approx(2.00)
    assert (b.cost_usd, b.tokens, b.requests, b.window_hours) == (3.0, 600, 3, 1.5)
    assert b.tokens_per_minute == pytest.approx(600 / 90)
    # two 45-minute sub-windows: $2.50 -> 3.333/h and $0.50 -> 0.667/h
    assert (b.bins, b.bin_minutes) == (2, 45.0)
    assert b.per_hour_low == 0.0
    assert b.per_hour_high == pytest.approx(
        2.0 + 12.7062047362 * (np.std([10 / 3, 2 / 3], ddof=1) / np.sqrt(2))
    )
    assert b.trend_per_hour is None


def test_burn_rate_interval_and_trend_by_hand():
    # hourly costs 1, 2, 3 over 3 hours: mean 2/h, sd 1, t(0.975, 2) = 4.3026527297
    ev = frame(("2025-01-01 09:30", 1.0, 0), ("2025-01-01 10:30", 2.0, 0), ("2025-01-01 11:30", 3.0, 0))
    b = burn_rate(ev, timedelta(hours=3), at("2025-01-01 12:00"))
    assert b.per_hour == pytest.approx(2.0)
    assert b.per_hour_low == 0.0  # 2 - 2.484 is cut at 0
    assert b.per_hour_high == pytest.approx(2.0 + 4.3026527297 / np.sqrt(3))
    # the hourly rates lie on a line: the rate at the last hour is 3 with no uncertainty
    assert (b.trend_per_hour, b.trend_low, b.trend_high) == (
        pytest.approx(3.0),
        pytest.approx(3.0),
        pytest.approx(3.0),
    )


def test_burn_rate_quarter_hour_bins():
    ev = frame(("2025-01-01 11:10", 1.0, 0), ("2025-01-01 11:40", 1.0, 0))
    b = burn_rate(ev, timedelta(hours=1), at("2025-01-01 12:00"), bin_minutes=15)
    # quarter-hour rates 4, 0, 4, 0 $/h: mean 2, sd sqrt(16 / 3), t(0.975, 3) = 3.1824463053
    assert (b.per_hour, b.bins, b.bin_minutes) == (2.0, 4, 15.0)
    assert b.per_hour_high == pytest.approx(2.0 + 3.1824463053 * np.sqrt(16 / 3) / 2)
    # OLS through (0, 4), (1, 0), (2, 4), (3, 0): slope -0.8, intercept 3.2 -> 0.8 at the last bin
    assert b.trend_per_hour == pytest.approx(0.8)
    assert burn_rate(ev, timedelta(hours=1), at("2025-01-01 12:00"), bin_minutes=0) is None


def test_burn_rate_unpriced_and_degenerate():
    ev = frame(("2025-01-01 11:30", 1.0, 10), ("2025-01-01 11:40", np.nan, 20))
    b = burn_rate(ev, timedelta(hours=1), at("2025-01-01 12:00"))
    assert (b.per_hour, b.requests, b.unpriced_requests, b.tokens) == (1.0, 2, 1, 30)
    assert burn_rate(ev, timedelta(0), at("2025-01-01 12:00")) is None
    assert burn_rate(ev.iloc[:0], timedelta(hours=1), at("2025-01-01 12:00")) is None
    assert burn_rate(ev, timedelta(minutes=10), at("2025-01-01 12:00")) is None


def test_cost_acceleration():
    ev = frame(("2025-01-01 10:30", 1.0, 0), ("2025-01-01 11:15", 1.0, 0), ("2025-01-01 11:45", 2.0, 0))
    a = cost_acceleration(ev, timedelta(hours=1), at("2025-01-01 12:00"))
    assert (a.previous_per_hour, a.current_per_hour, a.change_per_hour) == (1.0, 3.0, 2.0)
    assert (a.percent, a.sign, a.direction) == (200.0, 1, "accelerating")
    slower = cost_acceleration(ev, timedelta(hours=1), at("2025-01-01 13:00"))
    assert (slower.current_per_hour, slower.previous_per_hour, slower.percent, slower.sign) == (
        0.0,
        3.0,
        -100.0,
        -1,
    )
    fresh = cost_acceleration(ev, timedelta(minutes=30), at("2025-01-01 12:00"))
    assert (fresh.previous_per_hour, fresh.percent, fresh.direction) == (2.0, 100.0, "accelerating")
    assert cost_acceleration(ev, timedelta(hours=1), at("2025-01-02 12:00")) is None


# ---------------------------------------------------------------------------
# usage blocks
def test_usage_blocks_split_by_hand():
    ev = frame(
        ("2025-01-01 11:00", 2.0, 20),  # out of order on purpose
        ("2025-01-01 09:10", 1.0, 10),
        ("2025-01-01 14:20", 4.0, 40),  # past 14:00, the end of the 09:00 block
        ("2025-01-01 20:30", 8.0, 80),  # more than 6 hours after 14:20
        ("2025-01-01 21:00", np.nan, 5),
    )
    b = usage_blocks(ev, at("2025-01-01 21:30"))
    assert b["block_start"].tolist() == [
        pd.Timestamp(f"2025-01-01 {h}:00", tz="UTC") for h in ("09", "14", "20")
    ]
    assert b["block_end"].tolist() == [
        pd.Timestamp(f"2025-01-0{d} {h}:00", tz="UTC") for d, h in ((1, 14), (1, 19), (2, "01"))
    ]
    assert b["requests"].tolist() == [2, 1, 2]
    assert b["unpriced_requests"].tolist() == [0, 0, 1]
    assert b["cost_usd"].tolist() == [3.0, 4.0, 8.0]
    assert b["tokens"].tolist() == [30, 40, 85]
    assert b["active"].tolist() == [False, False, True]
    # closed block: $3 from 09:10 to 11:00 (1 h 50 min); single request: no span, no rate
    assert b["burn_rate_per_hour"].iloc[0] == pytest.approx(3 / (110 / 60))
    assert np.isnan(b["burn_rate_per_hour"].iloc[1])
    # active block: $8 from 20:30 to now (1 h) -> 8/h, 3.5 h to 01:00 -> 8 + 28
    assert b["burn_rate_per_hour"].iloc[2] == pytest.approx(8.0)
    assert b["projected_cost"].tolist() == [3.0, 4.0, pytest.approx(36.0)]


def test_usage_block_six_hour_gap_and_exact_end():
    b = usage_blocks(frame(("2025-01-01 09:10", 1.0, 0), ("2025-01-01 15:10", 1.0, 0)), at("2025-01-02"))
    assert b["block_start"].dt.hour.tolist() == [9, 15]
    # a request exactly at the block end starts the next block
    b = usage_blocks(
        frame(("2025-01-01 09:00", 1.0, 0), ("2025-01-01 13:59", 1.0, 0), ("2025-01-01 14:00", 1.0, 0)),
        at("2025-01-02"),
    )
    assert b["requests"].tolist() == [2, 1]
    assert not b["active"].any()


def test_usage_blocks_empty():
    b = usage_blocks(frame(), at("2025-01-01"))
    assert b.empty and "block_start" in b.columns


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=60 * 24 * 3), min_size=1, max_size=60))
def test_usage_blocks_invariants(minutes):
    ts = pd.Timestamp("2025-01-01", tz="UTC") + pd.to_timedelta(minutes, unit="min")
    ev = pd.DataFrame({"ts": ts, "cost_usd": 1.0, "tokens": 1})
    b = usage_blocks(ev, at("2025-02-01"))
    assert b["requests"].sum() == len(minutes)
    assert (b["block_start"] <= b["first_ts"]).all() and (b["last_ts"] < b["block_end"]).all()
    assert (b["block_start"].dt.minute == 0).all()
    assert (b["block_start"].iloc[1:].to_numpy() >= b["block_end"].iloc[:-1].to_numpy()).all()
    pd.testing.assert_frame_equal(b, usage_blocks(request_hours(ev), at("2025-02-01")))


# ---------------------------------------------------------------------------
# projections and backtest
def test_project_spend_by_hand():
    # 28 days of history on the line y = day number (Feb 10 = 0 .. Mar 9 = 27): the daily model is exact
    daily = pd.Series(np.arange(28.0), index=pd.date_range("2025-02-10", periods=28, freq="D", tz="UTC"))
    ev = frame(("2025-03-10 10:30", 2.0, 0), ("2025-03-10 11:30", 1.0, 0))
    p = project_spend(ev, daily, at("2025-03-10 12:00"), "UTC")
    assert p.burn.per_hour == 1.0  # $1 in (11:00, 12:00]
    # block 10:00-15:00: $3 so far + $1/h x 3 h
    assert (p.session.spent, p.session.projected, p.session.end) == (
        3.0,
        6.0,
        pd.Timestamp("2025-03-10 15:00", tz="UTC"),
    )
    # the rate's interval from quarter-hour rates 0, 4, 0, 0 $/h: 1 ± 3.1824463053 * 2 / 2, cut at 0
    assert (p.session.low, p.session.high) == (3.0, pytest.approx(3.0 + 3 * (1 + 3.1824463053)))
    # today: $3 + $1/h x 12 h
    assert (p.day.spent, p.day.projected) == (3.0, 15.0)
    # month: Mar 1-9 are days 19..27 (sum 207) + today 3; the line gives half of today's 28 and days 29..49
    assert p.month.spent == 210.0
    assert p.month.expected_additional == pytest.approx(0.5 * 28 + sum(range(29, 50)))
    assert p.month.projected == pytest.approx(210 + 14 + 819)
    assert p.month.low == pytest.approx(p.month.projected) and p.month.high == pytest.approx(
        p.month.projected
    )
    assert p.month.n == 28 and p.month.end == pd.Timestamp("2025-04-01", tz="UTC")


def test_project_spend_in_zone_and_degenerate():
    ev = frame(("2025-03-10 22:30", 2.0, 0))  # 23:30 in Paris on Mar 10
    p = project_spend(ev, pd.Series(dtype="float64"), at("2025-03-10 22:45"), "Europe/Paris")
    assert p.day.end == pd.Timestamp("2025-03-11", tz="Europe/Paris")
    # $2/h over the last hour, 15 minutes to Paris midnight
    assert (p.day.spent, p.day.projected) == (2.0, 2.5)
    assert p.month is None
    later = project_spend(ev, pd.Series(dtype="float64"), at("2025-03-11 06:00"), "Europe/Paris")
    assert later.day.spent == 0.0 and later.session is None and later.burn is None
    assert project_spend(frame(), pd.Series(dtype="float64"), at("2025-03-10"), "UTC") is None


def test_forecast_daily_cut_at_zero_and_too_short():
    fc = forecast_daily(pd.Series([3.0, 2.0, 1.0], index=pd.date_range("2025-01-01", periods=3)), horizon=2)
    assert fc["day"].tolist() == [pd.Timestamp("2025-01-04"), pd.Timestamp("2025-01-05")]
    assert fc["mean"].tolist() == [0.0, 0.0]
    assert forecast_daily(pd.Series([1.0, 2.0], index=pd.date_range("2025-01-01", periods=2))).empty


def test_backtest_linear_series_is_exact():
    daily = pd.Series(np.arange(30.0) * 1.5 + 2, index=pd.date_range("2025-01-01", periods=30, freq="D"))
    bt = backtest_daily_forecast(daily, horizon=7, min_train=14)
    assert bt.mae == pytest.approx(0.0, abs=1e-9)
    assert bt.mape == pytest.approx(0.0, abs=1e-9)
    assert bt.coverage == 1.0
    # origins: days 14..29 (index 13..28); forecasts: 10 origins x 7 + 6+5+4+3+2+1
    assert (bt.n_origins, bt.n_forecasts) == (16, 91)


def test_backtest_by_hand_and_degenerate():
    days = pd.date_range("2025-01-01", periods=4, freq="D")
    bt = backtest_daily_forecast(pd.Series([1.0, 2.0, 3.0, 10.0], index=days), horizon=1, min_train=3)
    # one origin: the line through 1, 2, 3 says 4, the day was 10
    assert (bt.n_origins, bt.mae, bt.mape, bt.bias, bt.coverage) == (1, 6.0, 0.6, -6.0, 0.0)
    zero = backtest_daily_forecast(pd.Series([1.0, 2.0, 3.0, 0.0], index=days), horizon=1, min_train=3)
    assert (zero.mae, zero.mape, zero.n_mape) == (pytest.approx(4.0), None, 0)
    # a missing day counts as $0: Jan 3 absent -> 1, 2, 0, 10; the line through 1, 2, 0
    # (slope -0.5, intercept 1.5) says 0 for Jan 4
    gap = backtest_daily_forecast(pd.Series([1.0, 2.0, 10.0], index=days[[0, 1, 3]]), horizon=1, min_train=3)
    assert (gap.n_origins, gap.mae) == (1, 10.0)
    assert backtest_daily_forecast(pd.Series([1.0, 2.0, 3.0], index=days[:3]), min_train=3) is None


# ---------------------------------------------------------------------------
# budgets and alerts
@pytest.mark.parametrize(
    ("spend", "level"),
    [
        (49.0, "OK"),
        (50.0, "INFO"),
        (75.0, "WARNING"),
        (90.0, "CRITICAL"),
        (100.0, "EMERGENCY"),
        (120.0, "EMERGENCY"),
    ],
)
def test_budget_levels(spend, level):
    s = budget_status(spend, 100.0, 10.0)
    assert s.level == level
    assert s.percent_used == pytest.approx(spend)


def test_budget_remaining_and_exhaustion():
    s = budget_status(50.0, 100.0, 10.0, now=at("2025-01-01 12:00"))
    assert (s.remaining, s.over_by, s.time_to_exhaustion) == (50.0, 0.0, timedelta(hours=5))
    assert s.exhausted_at == at("2025-01-01 17:00")
    assert budget_status(50.0, 100.0, 0.0).time_to_exhaustion is None
    over = budget_status(120.0, 100.0, 0.0)
    assert (over.remaining, over.over_by, over.time_to_exhaustion) == (0.0, 20.0, timedelta(0))
    custom = budget_status(30.0, 100.0, 1.0, thresholds=(0.25, 0.5, 0.6, 0.8))
    assert custom.level == "INFO" and "INFO at 25%" in custom.rule
    assert budget_status(10.0, 0.0, 1.0) is None
    assert budget_status(float("nan"), 100.0, 1.0) is None
    with pytest.raises(ValueError):
        budget_status(1.0, 100.0, 1.0, thresholds=(0.9, 0.5, 0.75, 1.0))


# ---------------------------------------------------------------------------
# efficiency
def test_efficiency_score_by_hand():
    # sonnet 4.5: $3 / $15 per M input / output; haiku 4.5: $1 / $5
    req = pd.DataFrame(
        {
            "model": ["claude-sonnet-4-5", "claude-sonnet-4-5", "claude-haiku-4-5", "mystery-model"],
            "cost_usd": [0.006, 0.078, 0.002, np.nan],
            "input_tokens": [1000, 1000, 1000, 1000],
            "output_tokens": [200, 5000, 200, 200],
            "cache_read_tokens": [0, 0, 0, 0],
            "cache_write_5m_tokens": [0, 0, 0, 0],
            "cache_write_1h_tokens": [0, 0, 0, 0],
        }
    )
    e = efficiency_score(req)
    # light on sonnet ($0.006, $0.002 on haiku) is the only spend not on its cheapest adequate model
    assert e.spend == pytest.approx(0.086)
    assert e.adequate_spend == pytest.approx(0.080)
    assert e.score == pytest.approx(0.080 / 0.086)
    assert e.potential_savings == pytest.approx(0.004)
    assert (e.n_requests, e.n_light, e.n_light_on_dearer, e.n_unpriced) == (3, 2, 1, 1)
    assert "1,000 output tokens" in e.definition
    strict = efficiency_score(req, max_output_tokens=100)
    assert (strict.score, strict.n_light) == (1.0, 0)
    assert efficiency_score(req.iloc[3:]) is None
    assert efficiency_score(req, cheap_model="no-such-model") is None


# ---------------------------------------------------------------------------
# reconciliation
def test_reconcile_sources(empty_store):
    insert(
        empty_store,
        {
            "ts": "2025-01-01 10:00",
            "request_id": "r1",
            "cost_usd": 1.00,
            "input_tokens": 5,
            "output_tokens": 10,
        },
        {"ts": "2025-01-01 10:05", "request_id": "r2", "cost_usd": 0.50, "output_tokens": 3},
    )
    logs = [
        (
            "2025-01-01 10:00:01",
            {"request_id": "r1", "cost_usd": "1.01", "input_tokens": "5", "output_tokens": "12"},
        ),
        ("2025-01-01 10:09:00", {"request_id": "r3", "cost_usd": "0.25", "output_tokens": "1"}),
    ]
    empty_store.insert_rows(
        "otel_logs",
        [
            [
                pd.Timestamp(t, tz="UTC").to_pydatetime(),
                "claude-code",
                "claude_code.api_request",
                {**a, "model": "claude-sonnet-4-5"},
            ]
            for t, a in logs
        ],
        ["Timestamp", "ServiceName", "Body", "LogAttributes"],
    )
    r = reconcile_sources(empty_store, Filters())
    assert (r.n_jsonl, r.n_otel, r.n_matched, r.n_jsonl_only, r.n_otel_only, r.n_compared) == (
        2,
        2,
        1,
        1,
        1,
        1,
    )
    assert (r.computed_total, r.reported_total) == (1.0, 1.01)
    assert r.cost_diff_total == pytest.approx(0.01)
    assert r.cost_diff_percent == pytest.approx(1.0)
    assert r.share_within_1pct == 1.0
    assert r.n_token_mismatch == 1
    row = r.frame.set_index("request_id").loc["r1"]
    assert (row["output_tokens_diff"], row["input_tokens_diff"]) == (2, 0)
    assert r.frame["request_id"].tolist() == ["r1", "r2", "r3"]
    assert r.frame["in_otel"].tolist() == [True, False, True]
    assert np.isnan(r.frame.set_index("request_id").loc["r2", "cost_diff"])
    assert reconcile_sources(empty_store, Filters(start=at("2030-01-01"))) is None


# ---------------------------------------------------------------------------
# provenance and the dedup audit
def test_cost_provenance_counts_sources_and_names_unpriced_models(empty_store):
    ev.insert(
        empty_store,
        ev.req("2025-03-10 10:00", 1.0, input_tokens=100),
        ev.req("2025-03-10 10:01", 2.0, output_tokens=10),
        {**ev.req("2025-03-10 10:02", 0.5), "cost_source": "reported"},
        ev.req("2025-03-10 10:03", model="mystery-model", input_tokens=7),
    )
    p = cost_provenance(load_cost_provenance(empty_store, ev.MARCH))
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
    assert audit.iloc[0][DEDUP_COLUMNS[3:]].isna().all()


def test_block_limits_against_the_p90_of_past_blocks():
    ev = frame(
        ("2025-01-01 01:10", 1.0, 100),  # block 01:00-06:00
        ("2025-01-01 08:00", 2.0, 200),  # block 08:00-13:00
        ("2025-01-01 14:30", 3.0, 300),  # block 14:00-19:00
        ("2025-01-01 20:00", 4.0, 400),  # block 20:00-01:00
        ("2025-01-02 02:15", 0.5, 50),  # active block 02:00-07:00 at 03:00
        ("2025-01-02 02:45", np.nan, 70),  # unpriced: tokens count, cost does not
    )
    lim = block_limits(usage_blocks(ev, at("2025-01-02 03:00")))
    assert (lim.active, lim.tokens, lim.cost_usd, lim.unpriced_requests, lim.n_past) == (True, 120, 0.5, 1, 4)
    assert lim.start == at("2025-01-02 02:00") and lim.resets_at == at("2025-01-02 07:00")
    # completed tokens 100, 200, 300, 400: the 90% quantile at position 0.9 x 3 = 2.7 is 300 + 0.7 x 100 = 370
    assert lim.p90_tokens == pytest.approx(370.0) and lim.p90_cost_usd == pytest.approx(3.7)
    assert lim.token_share == pytest.approx(120 / 370) and lim.cost_share == pytest.approx(0.5 / 3.7)
    later = block_limits(usage_blocks(ev, at("2025-01-02 09:00")))  # the last block has ended
    assert (later.active, later.resets_at, later.tokens, later.n_past) == (False, None, 0, 5)
    few = block_limits(usage_blocks(ev.iloc[:3], at("2025-01-01 15:00")))
    assert (few.n_past, few.p90_tokens, few.token_share) == (2, None, None)
