"""The hourly totals kept at ingest answer exactly as the raw events do, through every kind of write.

Each ``<name>_rollup`` query is compared with ``<name>`` itself on the same parameters: on the demo
(several zones, windows and filters), and on stores built step by step — a JSONL ingest, lines
appended that replace a stored request, an OpenTelemetry import of the same requests (one count
per request), a re-seeded demo (deleted rows) — and on the shared real transcripts when present.
"""

from __future__ import annotations

import json
import os
from dataclasses import astuple
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path

import numpy as np
import otlp_fixtures as otlp
import pandas as pd
import pytest
from jsonl_fixtures import SONNET, api_error, assistant, tool_result, tool_use, usage, user_prompt, write

from analytics import costs, errors, models, pricing, rollups, sessions, tools
from analytics.filters import Filters
from analytics.ingest.demo import load_demo
from analytics.ingest.jsonl import ingest_jsonl
from analytics.ingest.otel import import_otel
from analytics.store import Store

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "claude-projects"
QUERIES = (
    "costs_series",
    "costs_request_hours",
    "costs_provenance",
    "errors_series",
    "errors_failures",
    "monitor_daily",
    "monitor_week_changes",
    "tools_sequences",
    "errors_recovery",
    "models_unpriced",
    "errors_attempts",
    "errors_decisions",
    "errors_by_type",
    "errors_tools",
    "errors_latency",
    "models_token_mix",
    "models_usage",
    "models_totals",
    "tools_usage",
    "tools_totals",
    "errors_duration_histogram",
)
DAY = datetime(2026, 1, 5, 9, tzinfo=UTC)


def params(name: str, filters: Filters) -> dict:
    extra = {"freq": "hour"} if name in ("costs_series", "errors_series") else {}
    extra["idle_ms"] = rollups.SESSION_IDLE_MS
    extra["threshold_ms"] = 2500.0
    extra["bounds"] = pricing.tier_bounds(list(pricing.DEFAULT_ALTERNATIVES))
    extra["small_output"] = pricing.SMALL_OUTPUT
    extra["per_decade"] = 10
    if name == "monitor_week_changes":
        extra["split"] = (
            (filters.start + (filters.end - filters.start) / 2)
            .astimezone(UTC)
            .replace(minute=0, second=0, microsecond=0, tzinfo=None)
        )
    return extra | filters.params()


def frame(store, name: str, p: dict) -> pd.DataFrame:
    df = store.query(name, **p)
    for col in df.columns:  # per-session call lists compare as tuples
        if df[col].dtype == object and len(df) and not isinstance(df[col].iloc[0], str):
            df[col] = df[col].map(tuple)
    return df.sort_values(list(df.columns[:2])).reset_index(drop=True)


def assert_same(store, filters: Filters) -> int:
    """Every rollup query equals its raw twin on ``filters``; returns the rows compared."""
    assert rollups.query_name(store, filters, "costs_series") == "costs_series_rollup"
    mix = rollups.token_mix_query(
        store, filters, pricing.tier_bounds(list(pricing.DEFAULT_ALTERNATIVES)), pricing.SMALL_OUTPUT
    )
    assert mix == "models_token_mix_rollup"
    compared = 0
    for name in QUERIES:
        for p in (params(name, filters), params(name, filters) | {"freq": "day"}):
            raw, rolled = frame(store, name, p), frame(store, f"{name}_rollup", p)
            pd.testing.assert_frame_equal(raw, rolled, check_dtype=False, rtol=1e-9)
            compared += len(raw)
    for tz in ("UTC", filters.tz):
        raw = store.query("overview_bounds", tz=tz, users=list(filters.users))
        pd.testing.assert_frame_equal(raw, store.query("overview_bounds_rollup", tz=tz, users=list(filters.users)),
                                      check_dtype=False)  # fmt: skip
    pd.testing.assert_frame_equal(
        store.query("health_events"), store.query("health_events_rollup"), check_dtype=False
    )
    for users in ((), filters.users):
        raw = store.query("overview_options", users=list(users))
        pd.testing.assert_frame_equal(
            raw, store.query("overview_options_rollup", users=list(users)), check_dtype=False
        )
        compared += len(raw)
    for by in ("", "model", "project", "repository", "user", "week", "session"):  # what the spend bought
        p = filters.params() | {"by": by}
        raw = store.query("outcomes_by", **p).sort_values("key", ignore_index=True)
        rolled = store.query("outcomes_by_rollup", **p).sort_values("key", ignore_index=True)
        pd.testing.assert_frame_equal(raw, rolled, check_dtype=False, rtol=1e-9)
        compared += len(raw)
    for period in ("day", "week", "month"):  # the Costs page's spend per period and key
        for by in ("", "model", "project", "repository", "user"):
            p = filters.params() | {"period": period, "by": by}
            raw = store.query("costs_by", **p).sort_values(["bucket", "key"], ignore_index=True)
            rolled = store.query("costs_by_rollup", **p).sort_values(["bucket", "key"], ignore_index=True)
            pd.testing.assert_frame_equal(raw, rolled, check_dtype=False, rtol=1e-9)
            compared += len(raw)
    for by in ("day", "week", "month", "model", "project", "repository"):
        p = filters.params() | {"by": by}
        raw = store.query("costs_report", **p)
        pd.testing.assert_frame_equal(
            raw, store.query("costs_report_rollup", **p), check_dtype=False, rtol=1e-9
        )
        compared += len(raw)
    # the session table: from the rollup unless a session has two rows in one hour (then raw)
    p = params("sessions_metrics", filters)
    used = session_table(store, filters)
    raw = frame(store, "sessions_metrics", p)
    pd.testing.assert_frame_equal(raw, frame(store, used, p), check_dtype=False, rtol=1e-9)
    compared += len(raw)
    compared += same_calls(store, filters)
    # the headline figures aggregated in the store equal those of the session rows
    half = filters.with_window(filters.start, filters.start + (filters.end - filters.start) / 2)
    for window in (filters, half, filters.previous()):
        expected = sessions.session_totals(sessions.load_sessions(store, window))
        totals = sessions.load_session_totals(store, window)
        assert (totals is None) == (expected is None)
        if expected is not None:
            assert astuple(totals) == pytest.approx(astuple(expected), rel=1e-12, nan_ok=True)
            compared += 1
    for split in (filters.start, filters.start + (filters.end - filters.start) / 2, filters.end):
        p = filters.params() | {"split": split.astimezone(UTC).replace(minute=0, second=0, tzinfo=None)}
        raw = store.query("monitor_last_activity", **p)
        pd.testing.assert_frame_equal(
            raw, store.query("monitor_last_activity_rollup", **p), check_dtype=False
        )
        compared += int(raw["events"].iloc[0] > 0)
    ((last,),) = store.rows_sql("SELECT toStartOfHour(max(ts)) + INTERVAL 1 HOUR FROM telemetry")
    assert rollups.rows_since(store, last - timedelta(hours=1)) and not rollups.rows_since(store, last)
    p = filters.params() | {"split": last}  # nothing stored after `last`: the totals alone answer
    pd.testing.assert_frame_equal(
        store.query("monitor_last_activity", **p),
        store.query("monitor_last_activity_totals", **p),
        check_dtype=False,
    )
    # a window ending inside an hour (today's failures): whole hours from the totals, the rest raw
    for end in (filters.end, filters.end - timedelta(minutes=17, milliseconds=123)):
        window = filters.with_window(filters.start, end)
        split = rollups.split_hour(store, window)
        assert split == end.astimezone(UTC).replace(minute=0, second=0, microsecond=0, tzinfo=None)
        on_the_hour = [
            t
            for (t,) in store.rows_sql(
                "SELECT DISTINCT ts FROM telemetry WHERE ts = toStartOfHour(ts) LIMIT 3"
            )
        ]
        for at in (split, filters.start.astimezone(UTC).replace(tzinfo=None), *on_the_hour):
            p = window.params() | {"split": at}
            raw = store.query("errors_failures", **p)
            pd.testing.assert_frame_equal(raw, store.query("errors_failures_split", **p), check_dtype=False)
            compared += len(raw)
    # the 5-hour blocks' hours of windows cut inside hours (the last 30 days up to now): whole hours
    # from the totals, the partial ones at either end from the events
    ((lo, hi),) = store.rows_sql("SELECT min(ts), max(ts) FROM telemetry WHERE event = 'api_request'")
    lo, hi = (pd.Timestamp(t).tz_localize("UTC").to_pydatetime() for t in (lo, hi))
    cut = timedelta(minutes=17, milliseconds=123)
    for start, end in ((lo + cut, hi - cut), (lo + cut, hi + cut), (filters.start + cut, filters.end)):
        window = filters.with_window(start, end)
        inside = rollups.whole_hours_inside(store, window)
        if end - start > timedelta(hours=2):  # its first whole hour, and up to the end's hour at most
            assert inside is not None
            first = inside[0] - start.astimezone(UTC).replace(tzinfo=None)
            assert inside[0].minute == 0 and timedelta(0) <= first < timedelta(hours=1)
            assert inside[1] <= end.astimezone(UTC).replace(tzinfo=None)
        if inside is not None:
            p = window.params() | dict(zip(("first", "split"), inside, strict=True))
            raw = store.query("costs_request_hours", **p)
            pd.testing.assert_frame_equal(
                raw, store.query("costs_request_hours_split", **p), check_dtype=False, rtol=1e-9
            )
            compared += len(raw)
    return compared


def same_calls(store, filters: Filters) -> int:
    """The tool calls read flat equal those of the raw per-session query; returns the calls compared."""
    raw = tools.tool_calls(store.query("tools_sequences", **params("tools_sequences", filters)))
    got = tools.load_tool_calls(store, filters)
    assert (got is None) == (raw is None)
    if raw is None:
        return 0
    for name in ("codes", "session", "failed", "priced", "tail", "names"):
        np.testing.assert_array_equal(getattr(got, name), getattr(raw, name), err_msg=name)
    assert got.n_sessions == raw.n_sessions
    np.testing.assert_allclose(got.call_cost, raw.call_cost, rtol=1e-9)
    np.testing.assert_allclose(got.session_cost, raw.session_cost, rtol=1e-9)
    return len(raw.codes)


def session_table(store, filters: Filters) -> str:
    """The query the session table reads for ``filters``: the rollup's, or the raw one."""
    return sessions._metrics_query(store, filters, rollups.SESSION_IDLE_MS)


def whole(store, tz: str = "UTC", **kw) -> Filters:
    """A window of whole local days around all the data."""
    (lo, hi), = store.rows_sql("SELECT min(ts), max(ts) FROM telemetry")  # fmt: skip
    start = pd.Timestamp(lo).tz_localize("UTC").tz_convert(tz).normalize() - pd.Timedelta(days=1)
    end = pd.Timestamp(hi).tz_localize("UTC").tz_convert(tz).normalize() + pd.Timedelta(days=2)
    return Filters(start=start.to_pydatetime(), end=end.to_pydatetime(), tz=tz, **kw)


@pytest.mark.parametrize("tz", ["UTC", "Europe/Berlin", "America/New_York"])
def test_the_demo_totals_equal_the_raw_answers(demo_store, tz):
    assert rollups.current(demo_store)
    f = whole(demo_store, tz)
    assert assert_same(demo_store, f) > 100
    (project, model, user), = demo_store.rows_sql(
        "SELECT any(project), anyIf(model, model != ''), any(user) FROM telemetry")  # fmt: skip
    assert assert_same(demo_store, whole(demo_store, tz, projects=(project,)))
    assert assert_same(demo_store, whole(demo_store, tz, models=(model,), users=(user,)))
    assert session_table(demo_store, f) == "sessions_metrics_rollup"
    assert session_table(demo_store, whole(demo_store, tz, projects=(project,))) == "sessions_metrics_rollup"
    assert session_table(demo_store, whole(demo_store, tz, models=(model,))) == "sessions_metrics"


def test_the_demo_tool_calls_are_read_flat(demo_store, monkeypatch):
    f = whole(demo_store)
    expected = tools.tool_calls(tools.load_tool_sequences(demo_store, f))
    monkeypatch.setattr(tools, "load_tool_sequences", None)  # no session hour holds two rows with calls
    calls = tools.load_tool_calls(demo_store, f)
    assert calls.n_sessions == expected.n_sessions and np.array_equal(calls.tail, expected.tail)
    assert float(np.nansum(calls.session_cost)) == pytest.approx(float(np.nansum(expected.session_cost)))


def test_only_whole_hours_in_whole_hour_zones_use_the_totals(demo_store, empty_store):
    f = whole(demo_store, "Europe/Berlin")
    assert rollups.query_name(demo_store, f, "monitor_daily") == "monitor_daily_rollup"
    assert (
        rollups.query_name(demo_store, whole(demo_store, "Asia/Kolkata"), "monitor_daily") == "monitor_daily"
    )
    live = f.with_window(f.start, f.end - timedelta(minutes=17))
    assert rollups.query_name(demo_store, live, "monitor_daily") == "monitor_daily"
    # a window ending inside an hour: its whole hours from the totals, the last one from the events
    assert rollups.split_hour(demo_store, live) == (f.end - timedelta(hours=1)).astimezone(UTC).replace(
        tzinfo=None
    )
    assert (
        rollups.split_hour(demo_store, live.with_window(live.start, live.start + timedelta(minutes=5)))
        is None
    )
    assert rollups.split_hour(demo_store, whole(demo_store, "Asia/Kolkata")) is None  # starts at :30 UTC
    assert not rollups.current(empty_store)  # never built: the raw queries answer
    assert rollups.query_name(empty_store, f, "monitor_daily") == "monitor_daily"
    assert rollups.split_hour(empty_store, f) is None


@pytest.mark.parametrize("minutes", [77, 17 - 48 * 60], ids=["after the data", "inside the data"])
def test_a_window_ending_inside_an_hour_counts_its_failures_exactly(demo_store, minutes):
    ((hour,),) = demo_store.rows_sql("SELECT toStartOfHour(max(ts)) FROM telemetry")  # the data's last hour
    f = whole(demo_store, "Europe/Berlin")
    end = pd.Timestamp(hour).tz_localize("UTC").to_pydatetime() + timedelta(minutes=minutes)
    live = f.with_window(f.start, end)
    split = rollups.split_hour(demo_store, live)
    assert split is not None and rollups.rows_since(demo_store, split) == (minutes < 0)
    counts = dict(demo_store.rows("errors_failures", **live.params()))  # the raw answer
    got = errors.load_failures(demo_store, live)
    errors_by_class = {
        k.removeprefix("api_error:"): n for k, n in counts.items() if k.startswith("api_error:")
    }
    assert dict(got.error_classes) == errors_by_class and got.api.errors == sum(errors_by_class.values())
    assert (got.api.requests, got.tool_failed, got.rejected) == (
        counts["api_request"],
        counts["tool_failed"],
        counts.get("decision:reject", 0),
    )
    assert got.tool_calls == counts["tool_result"] + counts["tool_failed"]


def session(root: Path, n: int, minute: int = 0) -> None:
    s = f"s{n}"

    def at(sec: int) -> str:
        return (DAY + timedelta(days=n % 3, minutes=minute, seconds=sec)).isoformat().replace("+00:00", "Z")

    lines = [
        user_prompt(at(0), "fix it", session=s, uuid=f"{s}-u"),
        assistant(at(4), f"m{n}a", f"r{n}a", usage(1000 + n, 50), session=s, uuid=f"{s}-a1", parentUuid=f"{s}-u",
                  content=[tool_use(f"t{n}", "Bash", {"command": "make"})]),
        tool_result(at(7), f"t{n}", "boom" if n % 2 else "ok", is_error=bool(n % 2), session=s, uuid=f"{s}-r",
                    parentUuid=f"{s}-a1"),
        assistant(at(3590), f"m{n}b", f"r{n}b", usage(2000, 70 * n), session=s, uuid=f"{s}-a2", parentUuid=f"{s}-r"),
    ]  # fmt: skip
    if n == 2:
        lines.append(api_error(at(3600), 529, "Overloaded", session=s, uuid=f"{s}-e"))
    write(root / "-home-dev-shop" / f"{s}.jsonl", lines)


def test_every_kind_of_write_keeps_the_totals_equal(store_factory, tmp_path, monkeypatch):
    store = store_factory()
    rollups.ensure(store)
    root = tmp_path / "projects"
    for n in range(1, 4):
        session(root, n)
    ingest_jsonl(store, [root])
    assert assert_same(store, whole(store, "Europe/Berlin"))

    with (root / "-home-dev-shop" / "s1.jsonl").open("a") as fh:  # a bigger usage for m1b: a replacement
        fh.write(json.dumps(assistant((DAY + timedelta(days=1, seconds=3591)).isoformat().replace("+00:00", "Z"),
                                      "m1b", "r1b", usage(2000, 999), session="s1", uuid="s1-a3")) + "\n")  # fmt: skip
    session(root, 4, minute=59)  # a new session across an hour boundary
    assert ingest_jsonl(store, [root]).dedup["already_in_store"] == 1
    f = whole(store, "UTC")
    assert assert_same(store, f)
    assert session_table(store, f) == "sessions_metrics_rollup"  # s4's two hours: the gap between them counts
    (active,) = store.query("sessions_metrics_rollup", **params("sessions_metrics", f)).query(
        "session_id == 's4'"
    )["active_s"]
    assert active == 7  # 0 -> 4 -> 7 s; the reply an hour later is past the idle bound
    daily = store.query("monitor_daily_rollup", **f.params())
    assert int(daily["requests"].sum()) == 8 and int(daily["tool_failed"].sum()) == 2

    records = [otlp.record(DAY + timedelta(days=n % 3, seconds=4), "api_request", f"s{n}", request_id=f"r{n}a",
                           model=SONNET, cost_usd="0.5", input_tokens=str(1000 + n), output_tokens="50",
                           cache_read_tokens="0", cache_creation_tokens="0", duration_ms="3000")
               for n in range(1, 4)]  # fmt: skip
    # a tool call of s1 recorded by OpenTelemetry only, in the hour of its transcript call (two rows
    # with calls in one session hour: merged by time), and an OTel API error in s3 that the
    # transcript's next request (another row of that hour) answers
    records += [
        otlp.record(DAY + timedelta(days=1, seconds=6), "tool_result", "s1", tool_name="Read", success="true"),
        otlp.record(DAY + timedelta(seconds=5), "api_error", "s3", model=SONNET, status_code="529",
                    error="Overloaded", attempt="1"),
    ]  # fmt: skip
    import_otel(store, [otlp.write(tmp_path / "otel.jsonl", records)])
    assert assert_same(store, f)
    costs = store.query("costs_series_rollup", **params("costs_series", f) | {"freq": "day"})
    assert int(costs["requests"].sum()) == 8  # the three OTel requests count once
    assert int(store.query("monitor_daily_rollup", **f.params())["timed_requests"].sum()) >= 3

    # s5: an error answered in the next hour, then one answered in the same hour
    def at(minute: int, sec: int) -> str:
        return (DAY + timedelta(hours=1, minutes=minute, seconds=sec)).isoformat().replace("+00:00", "Z")

    write(root / "-home-dev-shop" / "s5.jsonl", [
        user_prompt(at(59, 50), "go", session="s5", uuid="s5-u"),
        api_error(at(59, 58), 529, "Overloaded", session="s5", uuid="s5-e1"),
        assistant(at(60, 3), "m5a", "r5a", usage(10, 5), session="s5", uuid="s5-a1"),
        api_error(at(70, 0), 500, "Internal", session="s5", uuid="s5-e2"),
        assistant(at(70, 30), "m5b", "r5b", usage(10, 5), session="s5", uuid="s5-a2"),
    ])  # fmt: skip
    ingest_jsonl(store, [root])
    assert assert_same(store, f)
    (rec,) = store.query("errors_recovery_rollup", **f.params()).to_dict("records")
    # errors: s2 at 10:00 (nothing after it), s3's OTel error (answered at 09:59:50), s5's two
    assert (rec["errors"], rec["errors_followed_by_success"]) == (4, 3)
    assert (rec["sessions_with_error"], rec["sessions_recovered"]) == (3, 2)
    assert (rec["median_wait_ms"], rec["p90_wait_ms"]) == (30_000, 3_585_000)  # waits 5 s, 30 s, 3,585 s
    # s5's rows (one per hour): 8 s, then 5 s across the hour, then 30 s; 597 s is past the idle bound
    for name in ("sessions_metrics", "sessions_metrics_rollup"):
        table = store.query(name, **params("sessions_metrics", f)).set_index("session_id")
        assert table.loc["s5", "active_s"] == 43 and table.loc["s5", "duration_s"] == 640
    seqs = store.query("tools_sequences_rollup", **f.params()).set_index("session_id")
    # the OTel call at :06 comes before the transcript's at :07
    assert list(seqs.loc["s1", "tools"]) == ["Read", "Bash"]
    # s1's hour has two rows with calls: the flat read steps aside for the per-session query
    per_session = []
    monkeypatch.setattr(tools, "load_tool_sequences", lambda *a: per_session.append(a) or seqs.reset_index())
    calls = tools.load_tool_calls(store, f)
    assert len(per_session) == 1 and list(calls.names[calls.codes[calls.session == 0]]) == ["Read", "Bash"]
    monkeypatch.undo()
    assert list(seqs.loc["s2", "failed"]) == [0] and list(seqs.loc["s1", "failed"]) == [0, 1]

    # a later OpenTelemetry import rejects s2's stored Bash call (09:00:07 on day 3) at 08:59:50: an
    # hour no other record of the import touches, so the result's hour must be recomputed for it
    def bash(filters: Filters) -> tuple:
        rows = store.query(rollups.query_name(store, filters, "errors_tools"), **filters.params())
        return tuple(rows.set_index("tool").loc["Bash", ["results", "errors"]])

    assert bash(f) == (4, 2)  # t1..t4, t1 and t3 failed
    decided = DAY + timedelta(days=2, seconds=-10)  # beyond the 6 s a record widens its hours by
    import_otel(store, [otlp.write(tmp_path / "reject.jsonl", [
        otlp.record(decided, "tool_decision", "s2", tool_name="Bash", tool_use_id="t2", decision="reject",
                    source="user_reject"),
    ])])  # fmt: skip
    assert assert_same(store, f)
    assert bash(f) == (3, 2)
    # a window from the result's hour leaves the decision out: the result counts again, both ways
    day3 = Filters(start=DAY + timedelta(days=2), end=DAY + timedelta(days=3), tz="UTC")
    assert rollups.query_name(store, day3, "errors_tools") == "errors_tools_rollup"
    assert bash(day3) == (1, 0)
    assert assert_same(store, day3)
    # a later write to the result's hour only: the stored rejection, an hour earlier, still counts
    prompt_at = (DAY + timedelta(days=2, minutes=30)).isoformat().replace("+00:00", "Z")
    write(root / "-home-dev-shop" / "s6.jsonl", [user_prompt(prompt_at, "again", session="s6", uuid="s6-u")])
    ingest_jsonl(store, [root])
    assert assert_same(store, f)
    assert bash(f) == (3, 2)


def test_a_new_tier_start_in_the_price_book_rebuilds_the_token_mix(store_factory, tmp_path):
    store = store_factory()
    rollups.ensure(store)
    root = tmp_path / "projects"
    for n in (1, 2):
        session(root, n)  # requests of 1,001-2,000 total input tokens, on two days
    ingest_jsonl(store, [root])
    f = whole(store, "UTC")
    bounds, small = pricing.tier_bounds(list(pricing.DEFAULT_ALTERNATIVES)), pricing.SMALL_OUTPUT

    def mix(name: str) -> pd.DataFrame:
        return store.query(name, bounds=bounds, small_output=small, **f.params())

    assert rollups.token_mix_query(store, f, bounds, small) == "models_token_mix_rollup"
    # the defaults' tier starts are kept for the next refreshes, which then load no price data
    assert store.rows("meta_value", key=f"mix_default_bounds:{version('genai-prices')}") == [
        (",".join(map(str, bounds)),)
    ]
    assert rollups.token_mix_query(store, f, bounds, small + 1) == "models_token_mix"  # built for 500
    assert rollups.token_mix_query(
        store, f.with_window(f.start, f.end - timedelta(minutes=1)), bounds, small
    ) == ("models_token_mix")
    assert set(mix("models_token_mix")["bucket"]) == {1}
    # a model with a tier from 1,500 tokens joins the price book: the rows were built without that bound
    store.insert_rows(
        "prices", [["claude-tiered-test", 1500, *[1e-6] * 5]], ["model", "tier_start", *pricing.COMPONENTS]
    )
    assert rollups.token_mix_query(store, f, bounds, small) == "models_token_mix"
    assert set(mix("models_token_mix")["bucket"]) == {1, 2}
    session(root, 3)  # the next write touches one day only, and recomputes every hour's mix
    ingest_jsonl(store, [root])
    assert store.rows("rollup_token_mix_bounds") == [(rollups.mix_bounds(store, bounds),)]
    assert 1500 in rollups.mix_bounds(store, bounds)
    assert rollups.token_mix_query(store, f, bounds, small) == "models_token_mix_rollup"
    raw = mix("models_token_mix")
    assert set(raw["bucket"]) == {1, 2} and raw["requests"].sum() == 6
    pd.testing.assert_frame_equal(raw, mix("models_token_mix_rollup"), check_dtype=False, rtol=1e-9)
    pd.testing.assert_frame_equal(raw, models.load_token_mix(store, f), check_dtype=False, rtol=1e-9)


def test_a_reseeded_demo_leaves_no_stale_hours(store_factory):
    store = store_factory()
    load_demo(store, n_events=800, days=4)
    first = store.query("costs_series_rollup", **params("costs_series", whole(store)))
    load_demo(store, n_events=300, days=2)  # fewer rows and days: the rest are deleted
    f = whole(store)
    assert assert_same(store, f)
    for table in rollups.TABLES:  # a full rebuild merges away the old generation it deleted
        ((stored,),) = store.rows("rollup_stored_rows", table=table)
        assert stored == store.count_rows(table) > 0
    assert int(store.query("costs_series_rollup", **params("costs_series", f))["requests"].sum()) < int(
        first["requests"].sum()
    )


def test_a_store_of_an_earlier_format_gains_the_new_columns_and_is_rebuilt(chdb_path, tmp_path):
    """A store whose ``rollup_latency`` predates ``ttfts`` and whose ``rollup_hourly`` predates
    ``cost_source`` (rollup version 6): the next writable open adds the columns and rebuilds every
    hour; the Models page's usage and the Costs page's provenance then come from the totals."""
    name = f"v6_{os.getpid()}_{tmp_path.name}"
    store = Store.open_embedded(chdb_path, database=name)
    store.ensure_schema()
    rollups.ensure(store)
    records = [otlp.record(DAY + timedelta(minutes=n), "api_request", "s1", request_id=f"r{n}", model=SONNET,
                           cost_usd="0.5", input_tokens="10", output_tokens="5", cache_read_tokens="0",
                           cache_creation_tokens="0", duration_ms=str(1000 * n), ttft_ms=str(100 * n))
               for n in (1, 2, 3, 4)]  # fmt: skip
    import_otel(store, [otlp.write(tmp_path / "otel.jsonl", records)])
    store.command_sql("ALTER TABLE rollup_latency DROP COLUMN ttfts")
    store.command_sql("ALTER TABLE rollup_hourly DROP COLUMN cost_source")
    store.insert_rows(
        "meta",
        [["rollup_version", f"6-idle{rollups.SESSION_IDLE_MS}"], ["schema_digest", "older"]],
        ["key", "value"],
    )
    store.close()
    store = Store.open_embedded(chdb_path, database=name)
    try:
        store.ensure_schema()
        rollups.ensure(store)
        f = whole(store)
        assert rollups.query_name(store, f, "models_usage") == "models_usage_rollup"
        (row,) = models.load_model_usage(store, f).to_dict("records")
        # durations 1-4 s and times to first token 100-400 ms: exact medians take the upper middle value
        assert (row["requests"], row["timed_requests"], row["sessions"]) == (4, 4, 1)
        assert (row["p50_ms"], row["ttft_p50_ms"], row["cost_usd"]) == (3000.0, 300.0, 2.0)
        assert rollups.query_name(store, f, "costs_provenance") == "costs_provenance_rollup"
        (source,) = costs.load_cost_provenance(store, f).to_dict("records")
        assert source == {"cost_source": "reported", "model": SONNET, "requests": 4, "unpriced_requests": 0,
                          "cost_usd": 2.0, "tokens": 60}  # fmt: skip
        assert assert_same(store, f)
    finally:
        store.close()


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared real transcripts are not beside the repository")
def test_the_real_transcripts_totals_equal_the_raw_answers(store_factory):
    store = store_factory()
    rollups.ensure(store)
    ingest_jsonl(store, [SHARED])
    for tz in ("UTC", "Europe/Paris", "America/Los_Angeles"):
        assert assert_same(store, whole(store, tz)) > 10


def test_tool_calls_read_flat_follow_each_session_across_hours(store_factory, tmp_path, monkeypatch):
    # "zz" starts first but sorts last; each session's calls lie in two or three hours, and aa's first
    # hour comes in a later ingest (a later part): the loader puts the rows in session then hour order
    store = store_factory()
    rollups.ensure(store)
    root = tmp_path / "projects"

    def at(minutes: int) -> str:
        return (DAY + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")

    def call(s: str, minutes: int, n: int, tool: str, tokens: int, failed: bool = False) -> list[dict]:
        return [
            assistant(at(minutes), f"{s}-m{n}", f"{s}-q{n}", usage(tokens, 0), session=s, uuid=f"{s}-a{n}",
                      content=[tool_use(f"{s}-t{n}", tool, {})]),
            tool_result(at(minutes + 1), f"{s}-t{n}", "boom" if failed else "ok", is_error=failed, session=s,
                        uuid=f"{s}-r{n}"),
        ]  # fmt: skip

    write(
        root / "-home-dev-shop" / "zz.jsonl",
        call("zz", 10, 1, "Read", 100_000) + call("zz", 70, 2, "Edit", 0),
    )
    aa = write(root / "-home-dev-shop" / "aa.jsonl", call("aa", 130, 2, "Bash", 0, failed=True))
    ingest_jsonl(store, [root])
    with aa.open("a") as fh:
        fh.writelines(
            json.dumps(line) + "\n"
            for line in call("aa", 20, 1, "Read", 200_000) + call("aa", 190, 3, "Grep", 100_000)
        )
    ingest_jsonl(store, [root])
    f = whole(store)
    assert same_calls(store, f) == 5
    monkeypatch.setattr(tools, "load_tool_sequences", None)  # the flat read answers alone
    got = tools.load_tool_calls(store, f)
    assert list(got.names) == ["Bash", "Edit", "Grep", "Read"]
    assert [list(got.names[got.codes[got.session == s]]) for s in (0, 1)] == [
        ["Read", "Bash", "Grep"],
        ["Read", "Edit"],
    ]
    assert list(got.failed) == [False, True, False, False, False] and list(got.tail) == [2, 1, 0, 1, 0]
    # Sonnet 4.5 input at $3 per million tokens: aa 300k tokens $0.90 over 3 calls, zz 100k $0.30 over 2
    np.testing.assert_allclose(got.session_cost, [0.90, 0.30], rtol=1e-12)
    np.testing.assert_allclose(got.call_cost, [0.30, 0.30, 0.30, 0.15, 0.15], rtol=1e-12)
