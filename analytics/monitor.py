"""The live monitor: spend against budgets, the error monitor and the overview's five widgets.

The Overview, Costs and Errors pages and the JSON API (``analytics.api``, which
only serialises what is built here) show the same numbers:

* :func:`cost_burnrate` - spend today, burn rate, projections and budget alerts
  (a :class:`BudgetReport`; a page that moves budget sliders keeps the
  :class:`SpendSnapshot` and calls only :func:`budget_report`);
* :func:`error_monitor` - error rate, its trend, taxonomy, retries, recovery and
  timeout risk (an :class:`ErrorReport`);
* :func:`telemetry_widgets` - the five overview widgets and what changed since
  last week (:class:`Widgets`).

*Now.* The current figures (spent today, the burn rate, the active 5-hour
block, today's error rate, the week's changes) are judged at ``now``: the wall
clock unless the caller passes an instant. Callers pick it with
:func:`analytics.clock.judged_at`: now for a live view, the window's last
millisecond for a past window. The history figures (trends, daily series,
tool sequences, models) cover the filters' window whatever ``now`` is; a
live view whose window ends before today (its last days with data) therefore
shows today as empty and :func:`load_last_activity` says when the data ends.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from analytics import costs, errors, fmt, models, outcomes, rollups, tools
from analytics.clock import index_utc, instant, local_day, local_midnight, to_datetime, utc
from analytics.filters import Filters
from analytics.fmt import finite
from analytics.trends import TrendFit, fit_trend, ols_sum_interval
from analytics.view import DEFAULT_THRESHOLD_MS, WINDOW_HOURS

BUDGET_LABELS = {"day": "Daily budget", "month": "Monthly budget", "session": "Per-session budget"}
ERROR_RATE_LEVELS = ((0.10, "CRITICAL"), (0.05, "WARNING"), (0.02, "INFO"))
ERROR_RATE_RULE = (
    "share of API calls that failed on the last day (today so far, or the range's last day): OK below 2%, "
    "INFO from 2%, WARNING from 5%, CRITICAL from 10%"
)
LOOP_LEVELS = ((0.10, "WARNING"), (0.05, "INFO"))
LOOP_RULE = "share of tool-session spend attributed to the costliest loop: OK below 5%, INFO from 5%, WARNING from 10%"
SAVINGS_LEVELS = ((0.20, "WARNING"), (0.05, "INFO"))
SAVINGS_RULE = (
    "potential savings as a share of the price-book cost of all requests: OK below 5%, INFO from 5%, "
    "WARNING from 20%"
)
CHANGE_DAYS = 7


def level_by(value: float | None, levels: tuple[tuple[float, str], ...]) -> str:
    """The first level whose threshold ``value`` reaches (thresholds highest first); OK otherwise."""
    if value is None:
        return "OK"
    for threshold, level in levels:
        if value >= threshold:
            return level
    return "OK"


# ---------------------------------------------------------------------------
# spend against budgets
@dataclass(frozen=True)
class SpendSnapshot:
    """What the cost builders need, loaded once (:func:`load_spend_snapshot`).

    ``requests``: api_requests (:func:`analytics.costs.load_request_costs`) from
    ``load_start`` to ``now``; ``daily``: daily totals (USD) of the history
    days before today (local midnights, tz-aware), the input of the month
    projection; ``spent_today`` (USD) from local midnight to ``now``;
    ``month_to_date`` (USD) from the first of the month to ``now``;
    ``last_activity`` the latest event up to ``now`` (None without any).
    """

    now: pd.Timestamp
    tz: str
    window_hours: float
    load_start: pd.Timestamp
    spent_today: float
    today_requests: int
    today_unpriced: int
    month_to_date: float
    projection: costs.SpendProjection | None
    last_activity: pd.Timestamp | None
    requests: pd.DataFrame = field(compare=False, repr=False)
    daily: pd.Series = field(compare=False, repr=False)


def load_last_activity(store, filters: Filters, now: datetime | None = None) -> pd.Timestamp | None:
    """The latest event up to ``now`` (default the wall clock) under the filters' allow-lists, whatever
    their window (UTC); None without any."""
    end = instant(now) + pd.Timedelta(milliseconds=1)
    params = filters.with_window(datetime(2000, 1, 1, tzinfo=UTC), to_datetime(end)).params()
    if rollups.built(store):
        # whole hours from the hourly rollup, the last partial (or pending) ones from the events
        split = rollups.answered_until(store, to_datetime(end))
        name = (
            "monitor_last_activity_rollup"
            if rollups.rows_since(store, split)
            else "monitor_last_activity_totals"
        )
        ((last_ms, events),) = store.rows(name, split=split, **params)
    else:
        ((last_ms, events),) = store.rows("monitor_last_activity", **params)
    return pd.Timestamp(int(last_ms), unit="ms", tz="UTC") if events else None


def load_spend_snapshot(
    store, filters: Filters, window_hours: float = WINDOW_HOURS, now: datetime | None = None
) -> SpendSnapshot:
    """Load the requests and daily history behind :func:`cost_burnrate` and project spend.

    Only what is needed is read: the requests since ``min(now - window, local
    midnight, now - 10 h)`` (the burn window, today and the current 5-hour
    block) and the daily totals since ``min(first of the month, today - 28
    days)``. The burn window is not cut at the filters' start (a rate over 24 h
    needs the 24 h); project, model, user and source filters apply.

    Parameters
    ----------
    window_hours : float
        Burn-rate window (hours, > 0); its rate is cut into sub-windows of at
        most one hour for the interval.
    now : datetime, optional
        The instant to judge at; default the wall clock.
    """
    if not (window_hours > 0 and math.isfinite(window_hours)):
        raise ValueError("window_hours must be a positive number")
    tz = filters.tz
    now_ = instant(now)
    today = local_day(now_, tz)
    day_start = local_midnight(today, tz)
    hist_start = local_midnight(min(today.replace(day=1), today - pd.Timedelta(days=costs.HISTORY_DAYS)), tz)
    window = timedelta(hours=window_hours)
    load_start = min(now_ - pd.Timedelta(window), day_start, now_ - pd.Timedelta(hours=2 * costs.BLOCK_HOURS))
    requests = costs.load_request_costs(
        store, filters.with_window(to_datetime(load_start), to_datetime(now_ + pd.Timedelta(milliseconds=1)))
    )
    series = costs.load_cost_series(
        store, filters.with_window(to_datetime(hist_start), to_datetime(day_start)), "day"
    )
    daily = (
        series.set_index("bucket")["cost_usd"].astype("float64")
        if not series.empty
        else pd.Series([], dtype="float64", index=pd.DatetimeIndex([], tz=tz))
    )
    projection = costs.project_spend(requests, daily, to_datetime(now_), tz, window=window, bin_minutes=60.0)
    today_rows = requests[(requests["ts"] >= day_start).to_numpy()] if not requests.empty else requests
    cost = pd.to_numeric(today_rows["cost_usd"], errors="coerce")
    spent_today = float(cost.sum()) if len(cost) else 0.0
    month_start = local_midnight(today.replace(day=1), tz)
    earlier = float(daily[index_utc(daily.index) >= month_start].sum()) if len(daily) else 0.0
    return SpendSnapshot(
        now=now_,
        tz=tz,
        window_hours=float(window_hours),
        load_start=load_start,
        spent_today=spent_today,
        today_requests=len(today_rows),
        today_unpriced=int(cost.isna().sum()),
        month_to_date=earlier + spent_today,
        projection=projection,
        last_activity=load_last_activity(store, filters, to_datetime(now_)),
        requests=requests,
        daily=daily,
    )


@dataclass(frozen=True)
class BudgetAlert:
    """A budget at INFO or above: its ``level``, the ``budget`` key and the sentence to show."""

    level: str
    budget: str
    message: str


@dataclass(frozen=True)
class BudgetReport:
    """Spend of a :class:`SpendSnapshot` against budgets (:func:`budget_report`).

    ``burn_rate`` is USD per hour over the window (0 when it holds no request;
    ``burn`` has its interval, None then); ``requests_in_window`` counts the
    window's requests; ``budgets`` the budgets evaluated (USD; None when not
    set) and ``statuses`` their :class:`~analytics.costs.BudgetStatus` (None
    when not evaluated); ``status`` is the worst level of the daily and
    monthly budgets; ``alerts`` the budgets at INFO or above, each with the
    sentence to show beside its level; ``last_activity`` the latest event up
    to ``now`` (None without any).
    """

    now: pd.Timestamp
    tz: str
    window_hours: float
    spent_today: float
    month_to_date: float
    requests_today: int
    unpriced_requests_today: int
    burn_rate: float
    requests_in_window: int
    budgets: Mapping[str, float | None]
    statuses: Mapping[str, costs.BudgetStatus | None]
    status: str
    alerts: tuple[BudgetAlert, ...]
    last_activity: pd.Timestamp | None
    burn: costs.BurnRate | None = field(compare=False, repr=False)
    projection: costs.SpendProjection | None = field(compare=False, repr=False)

    @property
    def window_start(self) -> pd.Timestamp:
        return self.now - pd.Timedelta(hours=self.window_hours)


def _worst(levels) -> str:
    levels = [lv for lv in levels if lv]
    return max(levels, key=costs.LEVELS.index) if levels else "OK"


def budget_report(snapshot: SpendSnapshot, budgets: Mapping[str, float | None]) -> BudgetReport:
    """The budget report of a :class:`SpendSnapshot` against ``budgets``: pure and instant.

    Parameters
    ----------
    budgets : mapping
        ``day``, ``month``, ``session`` (USD); a missing, zero or negative
        budget is not evaluated (its status is None). The session budget is
        measured against the active 5-hour block.
    """
    proj = snapshot.projection
    burn = proj.burn if proj is not None else None
    rate = burn.per_hour if burn is not None else 0.0
    used = {k: finite(budgets.get(k)) for k in ("day", "month", "session")}
    session_spent = proj.session.spent if proj is not None and proj.session is not None else None
    spends = {"day": snapshot.spent_today, "month": snapshot.month_to_date, "session": session_spent}
    statuses: dict[str, costs.BudgetStatus | None] = {}
    for key in ("day", "month", "session"):
        b, spent = used[key], spends[key]
        statuses[key] = (
            costs.budget_status(spent, b, rate, now=to_datetime(snapshot.now))
            if b is not None and b > 0 and spent is not None
            else None
        )
    alerts = [
        BudgetAlert(
            status.level,
            key,
            f"{BUDGET_LABELS[key]}: ${status.spend:,.2f} of ${status.budget:,.2f} used ({status.percent_used:.0f}%)",
        )
        for key, status in statuses.items()
        if status is not None and status.level != "OK"
    ]
    window_start = snapshot.now - pd.Timedelta(hours=snapshot.window_hours)
    in_window = (
        (snapshot.requests["ts"] > window_start).to_numpy()
        if not snapshot.requests.empty
        else np.zeros(0, bool)
    )
    day, month = statuses["day"], statuses["month"]
    return BudgetReport(
        now=snapshot.now,
        tz=snapshot.tz,
        window_hours=snapshot.window_hours,
        spent_today=snapshot.spent_today,
        month_to_date=snapshot.month_to_date,
        requests_today=snapshot.today_requests,
        unpriced_requests_today=snapshot.today_unpriced,
        burn_rate=rate,
        requests_in_window=int(in_window.sum()),
        budgets=used,
        statuses=statuses,
        status=_worst([day and day.level, month and month.level]),
        alerts=tuple(alerts),
        last_activity=snapshot.last_activity,
        burn=burn,
        projection=proj,
    )


def cost_burnrate(
    store,
    filters: Filters,
    budgets: Mapping[str, float | None],
    window_hours: float = WINDOW_HOURS,
    now: datetime | None = None,
) -> BudgetReport:
    """Spend today, burn rate, projections and budget alerts: :func:`load_spend_snapshot`, then
    :func:`budget_report`.

    Examples
    --------
    $3.00 spent in the last 90 minutes of a 24-hour window is a burn rate of
    $0.125 per hour.
    """
    return budget_report(load_spend_snapshot(store, filters, window_hours, now), budgets)


def _history_days(snapshot: SpendSnapshot, today: pd.Timestamp) -> pd.Series:
    """The snapshot's daily totals on naive local days before today, missing days as 0."""
    daily = snapshot.daily
    if not len(daily):
        return pd.Series([], dtype="float64")
    idx = pd.DatetimeIndex(daily.index)
    idx = (idx.tz_convert(snapshot.tz) if idx.tz is not None else idx).tz_localize(None).normalize()
    hist = pd.Series(daily.to_numpy(dtype="float64"), index=idx).groupby(level=0).sum()
    hist = hist[hist.index < today]
    if len(hist):
        hist = hist.reindex(
            pd.date_range(hist.index[0], today - pd.Timedelta(days=1), freq="D"), fill_value=0.0
        )
    return hist


def _month_forecast(
    snapshot: SpendSnapshot, train: pd.Series, today: pd.Timestamp, spent: float, level: float
) -> list[tuple]:
    """Forecast points from ``now`` to the month's end: the OLS line through ``train`` (daily totals),
    today weighted by the share of its hours left, each later day whole; cumulative from ``spent``."""
    now_naive = snapshot.now.tz_convert(snapshot.tz).tz_localize(None)
    x = ((train.index - train.index[0]) / pd.Timedelta(days=1)).to_numpy(dtype="float64")
    month_end = (today + pd.offsets.MonthBegin(1)).normalize()
    days_left = int((month_end - today) / pd.Timedelta(days=1))
    future = x[-1] + (today - train.index[-1]) / pd.Timedelta(days=1) + np.arange(days_left)
    tomorrow = local_midnight(today + pd.Timedelta(days=1), snapshot.tz)
    hours_left = (tomorrow - snapshot.now).total_seconds() / 3600.0
    weights = np.ones(days_left)
    weights[0] = max(0.0, min(1.0, hours_left / 24.0))
    rows = [(now_naive, "forecast", spent, spent, spent)]
    for k in range(1, days_left + 1):
        r = ols_sum_interval(x, train.to_numpy(), future[:k], weights[:k], level=level)
        if r is None:
            break
        add, lo, hi = (max(0.0, float(v)) for v in r)
        rows.append((today + pd.Timedelta(days=k), "forecast", spent + add, spent + lo, spent + hi))
    return rows


def month_to_date(
    snapshot: SpendSnapshot, level: float = 0.95, history_days: int = costs.HISTORY_DAYS
) -> pd.DataFrame:
    """Cumulative spend of the month so far and its forecast to the month's end, with the band.

    The forecast is :func:`analytics.costs.project_spend`'s month model: the OLS
    line through the last ``history_days`` daily totals before today, for the
    rest of today (pro rata of the hours left) and each later day, with the
    prediction interval of each cumulative sum; its last point is the month
    projection.

    Returns
    -------
    DataFrame
        ``at`` (naive local time: the end of each past day, ``now`` for today so
        far, then the end of each forecast day), ``kind`` ("actual" or
        "forecast"; the forecast starts at ``now`` with the spend so far),
        ``cumulative``, ``low``, ``high`` (USD; the band is the spend itself for
        actual points). Only actual points with fewer than 3 history days;
        empty when nothing was spent this month and there is no history.
    """
    cols = ["at", "kind", "cumulative", "low", "high"]
    now_naive = snapshot.now.tz_convert(snapshot.tz).tz_localize(None)
    today = now_naive.normalize()
    month_start = today.replace(day=1)
    hist = _history_days(snapshot, today)
    this_month = hist[hist.index >= month_start] if len(hist) else hist
    days = pd.date_range(month_start, today - pd.Timedelta(days=1), freq="D")
    past = this_month.reindex(days, fill_value=0.0) if len(days) else pd.Series([], dtype="float64")
    if not len(hist) and snapshot.spent_today == 0 and past.sum() == 0:
        return pd.DataFrame(columns=cols)
    cum = past.cumsum()
    rows = [(d + pd.Timedelta(days=1), "actual", v, v, v) for d, v in cum.items()]
    mtd = float(past.sum()) + snapshot.spent_today
    rows.append((now_naive, "actual", mtd, mtd, mtd))
    train = hist.iloc[-history_days:] if len(hist) else hist
    if len(train) >= 3:
        rows += _month_forecast(snapshot, train, today, mtd, level)
    return pd.DataFrame(rows, columns=cols)


def hourly_spend(snapshot: SpendSnapshot) -> pd.DataFrame:
    """Spend per local hour over the snapshot's burn window ``(now - window, now]``, for the burn-rate chart.

    Returns
    -------
    DataFrame
        ``hour`` (naive local start of the hour; every hour of the window,
        empty ones with 0), ``cost_usd`` (USD, priced requests), ``requests``.
    """
    tz = snapshot.tz
    start = snapshot.now - pd.Timedelta(hours=snapshot.window_hours)
    local = lambda t: t.tz_convert(tz).tz_localize(None).floor("h")  # noqa: E731
    hours = pd.date_range(local(start), local(snapshot.now), freq="h", name="hour")
    req = snapshot.requests
    if req.empty:
        return pd.DataFrame({"hour": hours, "cost_usd": 0.0, "requests": 0})
    inside = req[(req["ts"] > start).to_numpy() & (req["ts"] <= snapshot.now).to_numpy()]
    hour = inside["ts"].dt.tz_convert(tz).dt.tz_localize(None).dt.floor("h")
    g = inside.assign(hour=hour, cost=pd.to_numeric(inside["cost_usd"], errors="coerce")).groupby("hour")
    out = pd.DataFrame({"cost_usd": g["cost"].sum(), "requests": g.size()}).reindex(hours, fill_value=0)
    out["cost_usd"] = out["cost_usd"].astype("float64")
    out["requests"] = out["requests"].astype("int64")
    return out.reset_index()


# ---------------------------------------------------------------------------
# error monitor
@dataclass(frozen=True)
class ErrorSnapshot:
    """What :func:`error_monitor` reports, loaded once (:func:`load_error_snapshot`) except timeout risk.

    ``series``: :func:`analytics.errors.load_error_series` per ``freq``;
    ``fit``: its :func:`analytics.errors.error_trend`; ``attempts``:
    :func:`analytics.errors.load_attempts`; ``today``: what failed from the
    local midnight before ``now`` to ``now`` (:func:`load_today`), whatever
    the window; ``last_activity`` the latest event up to ``now``.
    """

    now: pd.Timestamp
    tz: str
    freq: str
    start: pd.Timestamp
    end: pd.Timestamp
    today: errors.Failures
    last_activity: pd.Timestamp | None
    fit: TrendFit | None
    taxonomy: errors.ErrorTaxonomy | None
    retries: tuple[errors.RetryStats, ...]
    recovery: errors.Recovery | None
    series: pd.DataFrame = field(compare=False, repr=False)
    attempts: pd.DataFrame = field(compare=False, repr=False)


def load_today(store, filters: Filters, now: datetime | None = None) -> errors.Failures:
    """What failed today: from the local midnight (``filters.tz``) before ``now`` to ``now`` (default the
    wall clock), under the filters' allow-lists whatever their window."""
    now_ = instant(now)
    midnight = local_midnight(local_day(now_, filters.tz), filters.tz)
    end = now_ + pd.Timedelta(milliseconds=1)
    failures = errors.load_failures(store, filters.with_window(to_datetime(midnight), to_datetime(end)))
    return dataclasses.replace(failures, api=dataclasses.replace(failures.api, end=now_))


def load_error_snapshot(store, filters: Filters, now: datetime | None = None) -> ErrorSnapshot:
    """Load the error series (per :func:`analytics.errors.error_freq`), taxonomy, retries and recovery of the
    window, and what failed today (judged at ``now``, default the wall clock).

    The eight loaders are independent and run at once (:func:`_parallel`): each pays the engine's
    fixed cost of planning a query over the ``telemetry`` view, which then overlaps.
    """
    freq = errors.error_freq(filters)
    now_ = instant(now)
    series, attempts, today, last_activity, types, tool_errors, decisions, recovery = _parallel(
        lambda: errors.load_error_series(store, filters, freq),
        lambda: errors.load_attempts(store, filters),
        lambda: load_today(store, filters, to_datetime(now_)),
        lambda: load_last_activity(store, filters, to_datetime(now_)),
        lambda: errors.load_error_types(store, filters),
        lambda: errors.load_tool_errors(store, filters),
        lambda: errors.load_tool_decisions(store, filters),
        lambda: errors.load_recovery(store, filters),
    )
    return ErrorSnapshot(
        now=now_,
        tz=filters.tz,
        freq=freq,
        start=utc(filters.start),
        end=utc(filters.end),
        today=today,
        last_activity=last_activity,
        fit=errors.error_trend(series),
        taxonomy=errors.error_taxonomy(types, tool_errors, decisions),
        retries=errors.retry_stats(attempts),
        recovery=errors.recovery_summary(recovery),
        series=series,
        attempts=attempts,
    )


@dataclass(frozen=True)
class ErrorReport:
    """The error monitor (:func:`error_report`): today's and the window's calls, level, trend and the rest.

    ``last_day`` is the local day containing ``snapshot.now``, from its
    midnight to now; ``window`` the whole window; ``level`` follows
    :data:`ERROR_RATE_RULE` on the last day's rate and ``reason`` says why in
    one sentence; ``risk`` is None without durations (or when not assessed).
    """

    snapshot: ErrorSnapshot
    last_day: errors.CallCounts
    window: errors.CallCounts
    level: str
    reason: str
    risk: errors.TimeoutRisk | None
    threshold_ms: float
    rule: ClassVar[str] = ERROR_RATE_RULE

    @property
    def trend_of(self) -> str:
        return f"API error rate per {self.snapshot.freq}"


LEVEL_FLOORS = {"OK": "below 2%", "INFO": "2% or more", "WARNING": "5% or more", "CRITICAL": "10% or more"}
"""How the error-rate level of :data:`ERROR_RATE_LEVELS` reads in a sentence."""


def error_rate_reason(level: str, today: errors.Failures, last_activity: pd.Timestamp | None, tz: str) -> str:
    """Why the Error Rate Monitor shows ``level``, in one sentence: today's API calls and what failed,
    tool failures beside them, or that nothing ran today and when the last activity was."""
    api = today.api
    tools = (
        f"; {today.tool_failed:,} of {today.tool_calls:,} tool calls failed ({fmt.pct(today.tool_failure_rate)})"
        if today.tool_calls
        else ""
    )
    if api.calls:
        return (
            f"{api.errors:,} of {api.calls:,} API calls failed today ({fmt.pct(api.error_rate)}, "
            f"{LEVEL_FLOORS[level]}){tools}."
        )
    if today.tool_calls:
        return f"No API call today{tools}."
    if last_activity is None:
        return "No activity recorded."
    return f"No activity today; the last was at {last_activity.tz_convert(tz):%Y-%m-%d %H:%M}."


def error_report(
    snapshot: ErrorSnapshot, risk: errors.TimeoutRisk | None, threshold_ms: float
) -> ErrorReport:
    """The error monitor of a snapshot and a timeout assessment: pure and instant."""
    last = snapshot.today.api
    level = level_by(last.error_rate, ERROR_RATE_LEVELS)
    return ErrorReport(
        snapshot=snapshot,
        last_day=last,
        window=errors.call_counts(snapshot.series),
        level=level,
        reason=error_rate_reason(level, snapshot.today, snapshot.last_activity, snapshot.tz),
        risk=risk,
        threshold_ms=float(threshold_ms),
    )


def error_monitor(
    store, filters: Filters, threshold_ms: float = DEFAULT_THRESHOLD_MS, now: datetime | None = None
) -> ErrorReport:
    """Error rate today and over the window, its trend, taxonomy, retries, recovery and timeout risk.

    The series is per day for windows of 7 days or more, else per hour;
    error rate = errors / (requests + errors) (:func:`analytics.errors.error_rate`).
    """
    snapshot, risk = _parallel(
        lambda: load_error_snapshot(store, filters, now),
        lambda: errors.timeout_risk(store, filters, threshold_ms),
    )
    return error_report(snapshot, risk, threshold_ms)


# ---------------------------------------------------------------------------
# daily activity and trends of the widgets
DAILY_COLUMNS = [
    "bucket",
    "requests",
    "errors",
    "unpriced_requests",
    "cost_usd",
    "timed_requests",
    "p95_ms",
    "tool_calls",
    "tool_failed",
]


def load_daily_activity(store, filters: Filters) -> pd.DataFrame:
    """Per local day (``monitor_daily.sql``): :data:`DAILY_COLUMNS`.

    ``bucket`` is the tz-aware local midnight, ``cost_usd`` the priced spend
    (USD), ``p95_ms`` the exact p95 of request durations (NaN without any),
    ``tool_failed`` the failed tool calls. Days without any API call or tool
    call are absent.
    """
    df = store.query(rollups.query_name(store, filters, "monitor_daily"), **filters.params())
    if df.empty:
        return pd.DataFrame(columns=DAILY_COLUMNS)
    df["bucket"] = pd.to_datetime(df["bucket"].astype("int64"), unit="s", utc=True).dt.tz_convert(filters.tz)
    df["p95_ms"] = pd.to_numeric(df["p95_ms"], errors="coerce").astype("float64")
    df["cost_usd"] = df["cost_usd"].astype("float64")
    return df[DAILY_COLUMNS]


def _daily(index, values) -> pd.Series:
    return pd.Series(np.asarray(values, dtype="float64"), index=pd.DatetimeIndex(index))


def spend_series(daily: pd.DataFrame) -> pd.Series:
    """Spend per day (USD) on naive local days, from the first to the last day with activity, days
    without spend as 0."""
    s = _daily(daily["bucket"], daily["cost_usd"])
    if s.empty:
        return s
    s.index = s.index.tz_localize(None).normalize()
    s = s.groupby(level=0).sum()
    return s.reindex(pd.date_range(s.index[0], s.index[-1], freq="D"), fill_value=0.0)


def p95_series(daily: pd.DataFrame) -> pd.Series:
    """The exact p95 request duration (ms) per day with timed requests (tz-aware local midnights)."""
    timed = daily[daily["timed_requests"] > 0]
    return _daily(timed["bucket"], timed["p95_ms"])


def tool_failure_series(daily: pd.DataFrame) -> pd.Series:
    """The share of tool calls that failed per day with tool calls (tz-aware local midnights)."""
    used = daily[daily["tool_calls"] > 0]
    return _daily(used["bucket"], used["tool_failed"] / used["tool_calls"])


def cost_per_request_series(daily: pd.DataFrame) -> pd.Series:
    """Cost (USD) per priced request per day with priced requests (tz-aware local midnights)."""
    priced = daily["requests"] - daily["unpriced_requests"]
    keep = (priced > 0).to_numpy()
    return _daily(daily["bucket"][keep], (daily["cost_usd"] / priced.where(priced > 0))[keep])


def daily_trend(series: pd.Series) -> TrendFit | None:
    """fit_trend (lower is better) of a daily series; None when it is empty or too short."""
    return fit_trend(series, polarity="lower_is_better") if len(series) else None


def spend_trend(daily: pd.DataFrame) -> TrendFit | None:
    """Trend of :func:`spend_series`."""
    return daily_trend(spend_series(daily))


def p95_trend(daily: pd.DataFrame) -> TrendFit | None:
    """Trend of :func:`p95_series`."""
    return daily_trend(p95_series(daily))


def tool_failure_trend(daily: pd.DataFrame) -> TrendFit | None:
    """Trend of :func:`tool_failure_series`."""
    return daily_trend(tool_failure_series(daily))


def cost_per_request_trend(daily: pd.DataFrame) -> TrendFit | None:
    """Trend of :func:`cost_per_request_series`."""
    return daily_trend(cost_per_request_series(daily))


# ---------------------------------------------------------------------------
# tool sequences
@dataclass(frozen=True)
class Loop:
    """A loop of tool calls: ``kind`` (back-and-forth, repeat or edit-fail-edit), how often, what it cost."""

    kind: str
    label: str
    occurrences: int
    sessions: int
    cost_usd: float | None


def costliest_loop(mining: tools.SequenceMining, loops: tools.LoopReport) -> Loop | None:
    """The loop with the largest attributed cost (then occurrences): back-and-forth, repeat or edit-fail-edit."""
    cands = []
    t = mining.ngrams
    if not t.empty:
        ping = t[(t["length"] == 3) & t["pattern"].map(lambda p: p[0] == p[2] and p[0] != p[1])]
        for r in ping.itertuples():
            cands.append(Loop("back-and-forth", r.label, int(r.count), int(r.sessions), finite(r.cost_usd)))
    for r in loops.repeats.itertuples():
        label = f"{r.tool} {loops.min_repeat}+ times in a row"
        cands.append(Loop("repeat", label, int(r.runs), int(r.sessions), finite(r.cost_usd)))
    if loops.edit_fail_edit:
        cands.append(
            Loop(
                "edit-fail-edit",
                "Edit → failed Bash → Edit",
                int(loops.edit_fail_edit),
                int(loops.edit_fail_edit_sessions),
                finite(loops.edit_fail_edit_cost_usd),
            )
        )
    if not cands:
        return None
    return max(cands, key=lambda c: (c.cost_usd is not None, c.cost_usd or 0.0, c.occurrences))


@dataclass(frozen=True)
class ToolWidget:
    """Tool Sequence Optimizer: the top workflow, the costliest loop and suggestions.

    ``top_workflow`` is the first row of :func:`analytics.tools.common_workflows`
    (None without one); ``loop_share`` the loop's share of the spend of
    sessions with tool calls (None without a priced loop or spend).
    """

    top_workflow: pd.Series | None
    loop: Loop | None
    loop_share: float | None
    suggestions: tuple[str, ...]
    tool_calls: int
    sessions: int
    level: str
    trend: TrendFit | None
    title: ClassVar[str] = "Tool Sequence Optimizer"
    rule: ClassVar[str] = LOOP_RULE
    trend_of: ClassVar[str] = "share of tool calls failing per day"

    @property
    def suggestion(self) -> str | None:
        return self.suggestions[0] if self.suggestions else None

    @property
    def reason(self) -> str:
        """Why the level, in one sentence: the costliest loop's share of tool-session spend."""
        if self.loop is None:
            return "No loop of tool calls found."
        if self.loop_share is None:
            return f"The costliest loop ({self.loop.label}) has no priced cost."
        return (
            f"The costliest loop ({self.loop.label}) took {fmt.pct(self.loop_share, 0)} of the spend of "
            "sessions with tool calls."
        )


def tool_widget(store, filters: Filters, daily: pd.DataFrame | None = None) -> ToolWidget:
    """Tool Sequence Optimizer (see :func:`telemetry_widgets`)."""
    daily = load_daily_activity(store, filters) if daily is None else daily
    calls = tools.load_tool_calls(store, filters)
    mining = tools.mine_ngrams(calls, min_length=3, max_length=4, filters=filters)
    workflows = tools.common_workflows(mining, top=1)
    loops = tools.find_loops(calls, filters=filters)
    loop = costliest_loop(mining, loops)
    spend = float(np.nansum(calls.session_cost)) if calls is not None else 0.0
    loop_share = loop.cost_usd / spend if loop and loop.cost_usd is not None and spend > 0 else None
    return ToolWidget(
        top_workflow=workflows.table.iloc[0] if not workflows.table.empty else None,
        loop=loop,
        loop_share=loop_share,
        suggestions=tuple(tools.suggestions(None, mining, loops)),
        tool_calls=int(mining.n_calls),
        sessions=int(mining.n_sessions),
        level=level_by(loop_share, LOOP_LEVELS),
        trend=tool_failure_trend(daily),
    )


# ---------------------------------------------------------------------------
# models
SHARE_COLUMNS = ["model", "requests", "cost_usd", "share_of_cost", "pricing"]


def spend_shares(mix: pd.DataFrame) -> pd.DataFrame:
    """Spend share per model from :func:`analytics.models.load_token_mix`.

    Returns
    -------
    DataFrame
        ``model``, ``requests``, ``cost_usd`` (USD, priced requests; NaN when
        none is priced), ``share_of_cost`` (of all priced spend; NaN for
        unpriced models), ``pricing`` ("priced", "partly priced" or
        "unpriced", as :func:`analytics.models.model_summary` labels them);
        dearest first, unpriced last.
    """
    if mix is None or mix.empty:
        return pd.DataFrame(columns=SHARE_COLUMNS)
    g = mix.groupby("model", sort=True)
    t = pd.DataFrame(
        {
            "requests": g["requests"].sum().astype("int64"),
            "priced": g["priced_requests"].sum().astype("int64"),
            "cost_usd": g["cost_usd"].sum(min_count=1).astype("float64"),
        }
    ).reset_index()
    t.loc[t["priced"] == 0, "cost_usd"] = np.nan
    total = float(t["cost_usd"].sum())
    t["share_of_cost"] = t["cost_usd"] / total if total > 0 else np.nan
    t["pricing"] = np.select(
        [t["priced"] == 0, t["priced"] < t["requests"]], ["unpriced", "partly priced"], "priced"
    )
    t = t.sort_values(["cost_usd", "model"], ascending=[False, True], na_position="last")
    return t[SHARE_COLUMNS].reset_index(drop=True)


@dataclass(frozen=True)
class ModelWidget:
    """Model Efficiency Tracker: spend share per model (:func:`spend_shares`) and potential savings."""

    shares: pd.DataFrame
    savings: models.SavingsRecommendation | None
    level: str
    trend: TrendFit | None
    outcome_costs: pd.DataFrame | None = None
    """Per model (``key``): :func:`analytics.outcomes.with_unit_costs`; None when not loaded."""
    title: ClassVar[str] = "Model Efficiency Tracker"
    rule: ClassVar[str] = SAVINGS_RULE
    trend_of: ClassVar[str] = "cost per priced request per day"

    @property
    def top(self) -> pd.Series | None:
        """The dearest model's row, None when no model is priced."""
        return self.shares.iloc[0] if len(self.shares) and pd.notna(self.shares["cost_usd"].iloc[0]) else None

    @property
    def unpriced_models(self) -> list[str]:
        return self.shares.loc[self.shares["pricing"] == "unpriced", "model"].tolist()

    @property
    def savings_share(self) -> float | None:
        return finite(self.savings.savings_share) if self.savings is not None else None

    @property
    def outcome_line(self) -> str | None:
        """Cost per accepted edit and per commit of each priced model that has either; None without any."""
        t = self.outcome_costs
        if t is None or t.empty:
            return None
        priced = set(self.shares.loc[self.shares["pricing"] != "unpriced", "model"])
        t = t[t["key"].isin(priced) & (t["accepted_edits"].gt(0) | t["commits"].gt(0))]
        if t.empty:
            return None
        show = fmt.money
        return (
            "Cost per accepted edit / per commit: "
            + ", ".join(
                f"{r.key} {show(r.cost_per_accepted_edit, '–')} / {show(r.cost_per_commit, '–')}"
                for r in t.itertuples()
            )
            + "."
        )

    @property
    def reason(self) -> str:
        """Why the level, in one sentence: what moving small requests to a cheaper model would save."""
        rec = self.savings
        if rec is None:
            return "No saving found from moving small requests to a cheaper model."
        return (
            f"Moving {rec.requests_moved:,} small requests to {rec.target_model} would save "
            f"{fmt.money(rec.savings_usd)} ({fmt.pct(self.savings_share, 0)} of the price-book cost)."
        )


def model_widget(store, filters: Filters, daily: pd.DataFrame | None = None) -> ModelWidget:
    """Model Efficiency Tracker (see :func:`telemetry_widgets`)."""
    daily = load_daily_activity(store, filters) if daily is None else daily
    mix = models.load_token_mix(store, filters)
    rec = models.recommend_savings(mix, filters=filters)
    share = finite(rec.savings_share) if rec is not None else None
    return ModelWidget(
        shares=spend_shares(mix),
        savings=rec,
        level=level_by(share, SAVINGS_LEVELS),
        trend=cost_per_request_trend(daily),
        outcome_costs=(
            outcomes.with_unit_costs(outcomes.load_outcomes_by(store, filters, "model"))
            if outcomes.any_outcome(store, filters)
            else None
        ),
    )


# ---------------------------------------------------------------------------
# what changed since last week
WEEK_COLUMNS = ["week", "model", "requests", "errors", "cost_usd"]


def load_week_activity(store, filters: Filters, now: datetime | None = None) -> pd.DataFrame:
    """API calls and spend per model in the 7 days up to ``now`` ("this") and the 7 before ("last").

    ``now`` is the instant to judge at (default the wall clock). The two weeks are not
    cut by the filters' dates; the other filters apply. Columns
    :data:`WEEK_COLUMNS` (``cost_usd`` NaN when no request of the model is priced).
    """
    end = instant(now) + pd.Timedelta(milliseconds=1)
    split = end - pd.Timedelta(days=CHANGE_DAYS)
    weeks = filters.with_window(to_datetime(split - pd.Timedelta(days=CHANGE_DAYS)), to_datetime(end))
    df = store.query(
        rollups.query_name(store, weeks, "monitor_week_changes"),
        split=to_datetime(split).replace(tzinfo=None),
        **weeks.params(),
    )
    if df.empty:
        return pd.DataFrame(columns=WEEK_COLUMNS)
    df["cost_usd"] = pd.to_numeric(df["cost_usd"], errors="coerce").astype("float64")
    return df[WEEK_COLUMNS]


@dataclass(frozen=True)
class Change:
    """One thing that changed between two weeks: the ``metric``, both values, the ``change`` and a sentence.

    ``change`` is relative for spend and requests, a difference for the error
    rate and the top model's share; None when the previous value is 0 or
    undefined. ``model`` names the top model (``top_model_share`` only).
    """

    metric: str
    current: float
    previous: float | None
    change: float | None
    sentence: str
    model: str | None = None


def _updown(cur: float, prev: float, shown_prev: str) -> str:
    days = f"in the {CHANGE_DAYS} days before"
    if prev == 0:
        return f"none {days}" if cur else f"none {days} either"
    if cur == prev:
        return f"the same as {days}"
    return f"{'up' if cur > prev else 'down'} {abs(cur - prev) / prev:.0%} from {shown_prev} {days}"


def _spend_change(cost: float, prev: float) -> Change:
    return Change(
        "spend",
        cost,
        prev,
        (cost - prev) / prev if prev else None,
        f"Spend: {fmt.money(cost)} in the last {CHANGE_DAYS} days, {_updown(cost, prev, fmt.money(prev))}.",
    )


def _requests_change(req: int, prev: int) -> Change:
    return Change(
        "requests",
        req,
        prev,
        (req - prev) / prev if prev else None,
        f"Requests: {req:,} in the last {CHANGE_DAYS} days, {_updown(req, prev, f'{prev:,}')}.",
    )


def _error_rate_change(rate: float, prev: float | None) -> Change:
    if prev is None:
        tail = f"no API calls in the {CHANGE_DAYS} days before"
    elif rate == prev:
        tail = f"the same as in the {CHANGE_DAYS} days before"
    else:
        tail = (
            f"{'up' if rate > prev else 'down'} {abs(rate - prev) * 100:.2f} percentage points "
            f"from {fmt.pct(prev)} in the {CHANGE_DAYS} days before"
        )
    return Change(
        "error_rate",
        rate,
        prev,
        None if prev is None else rate - prev,
        f"Error rate: {fmt.pct(rate)} of API calls failed in the last {CHANGE_DAYS} days, {tail}.",
    )


def _top_model_change(this: pd.DataFrame, last: pd.DataFrame, cost: float, prev_cost: float) -> Change | None:
    priced = this[(this["model"] != "") & this["cost_usd"].notna()].sort_values(
        ["cost_usd", "model"], ascending=[False, True]
    )
    if cost <= 0 or priced.empty:
        return None
    model = str(priced["model"].iloc[0])
    share = float(priced["cost_usd"].iloc[0]) / cost
    prev = float(last.loc[last["model"] == model, "cost_usd"].sum()) / prev_cost if prev_cost > 0 else None
    if prev is None:
        tail = f"no priced spend in the {CHANGE_DAYS} days before"
    else:
        word = "up" if share > prev else "down" if share < prev else "unchanged"
        tail = f"{word} from {prev:.0%} in the {CHANGE_DAYS} days before"
    return Change(
        "top_model_share",
        share,
        prev,
        None if prev is None else share - prev,
        f"Top model by spend: {model} with {share:.0%} of spend in the last {CHANGE_DAYS} days, {tail}.",
        model=model,
    )


def week_changes(weeks: pd.DataFrame) -> list[Change]:
    """What changed between the two weeks of :func:`load_week_activity`, as sentences with their numbers.

    Spend, requests, error rate (when this week has API calls) and the share
    of spend of this week's top model (when this week has priced spend).
    Empty when neither week has an API call.
    """
    if weeks is None or weeks.empty:
        return []
    this, last = weeks[weeks["week"] == "this"], weeks[weeks["week"] == "last"]
    c_cost, p_cost = float(this["cost_usd"].sum()), float(last["cost_usd"].sum())
    c_req, p_req = int(this["requests"].sum()), int(last["requests"].sum())
    c_err, p_err = int(this["errors"].sum()), int(last["errors"].sum())
    if c_req + c_err + p_req + p_err == 0:
        return []
    out = [_spend_change(c_cost, p_cost), _requests_change(c_req, p_req)]
    c_rate = errors.error_rate(c_err, c_req)
    if c_rate is not None:
        out.append(_error_rate_change(c_rate, errors.error_rate(p_err, p_req)))
    top = _top_model_change(this, last, c_cost, p_cost)
    return out + ([top] if top else [])


# ---------------------------------------------------------------------------
# the five widgets
@dataclass(frozen=True)
class ErrorRateWidget:
    """Error Rate Monitor: the last day's and the window's API calls, and beside them what else failed
    (``today`` and ``window_failures``: tool failures, rejections, interruptions, API error classes),
    recovery, level with its ``reason``, and trend."""

    last_day: errors.CallCounts
    window: errors.CallCounts
    today: errors.Failures
    window_failures: errors.Failures
    recovery: errors.Recovery | None
    level: str
    reason: str
    trend: TrendFit | None
    trend_of: str
    title: ClassVar[str] = "Error Rate Monitor"
    rule: ClassVar[str] = ERROR_RATE_RULE


@dataclass(frozen=True)
class CostWidget:
    """Cost Burn Rate Tracker: the :class:`BudgetReport` of the daily budget and the trend of daily spend."""

    report: BudgetReport
    trend: TrendFit | None
    title: ClassVar[str] = "Cost Burn Rate Tracker"
    trend_of: ClassVar[str] = "spend per day"

    @property
    def level(self) -> str:
        """The worst level of the daily and monthly budgets."""
        return self.report.status

    @property
    def rule(self) -> str:
        day = self.report.statuses["day"]
        return day.rule if day else "no daily budget set"

    @property
    def reason(self) -> str:
        """Why the level, in one sentence: today's and this month's spend against their budgets."""
        parts = [
            f"{label} ${s.spend:,.2f} of ${s.budget:,.2f} ({s.percent_used:.0f}%)"
            for label, s in (
                ("today", self.report.statuses["day"]),
                ("this month", self.report.statuses["month"]),
            )
            if s is not None
        ]
        return ("Spent " + "; ".join(parts) + ".") if parts else "No daily or monthly budget set."


@dataclass(frozen=True)
class TimeoutWidget:
    """Timeout Risk Assessment: p95 per model against ``threshold_ms`` and the trend of the daily p95."""

    risk: errors.TimeoutRisk | None
    threshold_ms: float
    trend: TrendFit | None
    title: ClassVar[str] = "Timeout Risk Assessment"
    trend_of: ClassVar[str] = "p95 request duration per day"

    @property
    def models(self) -> pd.DataFrame:
        """Per model: ``model``, ``n``, ``p50_ms``, ``p95_ms``, ``p99_ms``, ``max_ms``, ``n_above``,
        ``share_above``, ``risk``; riskiest first; empty without durations."""
        cols = ["model", "n", "p50_ms", "p95_ms", "p99_ms", "max_ms", "n_above", "share_above", "risk"]
        return self.risk.by_model[cols] if self.risk is not None else pd.DataFrame(columns=cols)

    @property
    def worst(self) -> pd.Series | None:
        """The riskiest model's row (None without durations)."""
        m = self.models
        return m.iloc[0] if len(m) else None

    @property
    def level(self) -> str | None:
        """The riskiest model's level; None without durations."""
        return self.risk.level if self.risk is not None else None

    @property
    def rule(self) -> str:
        return self.risk.rule if self.risk is not None else errors.risk_rule(self.threshold_ms)

    @property
    def reason(self) -> str:
        """Why the level, in one sentence: the riskiest model's p95 and share above the threshold."""
        w = self.worst
        if w is None:
            return "No request carries a duration."
        return (
            f"p95 of {w['model']} is {fmt.duration_ms(w['p95_ms'])} against a "
            f"{fmt.duration_ms(self.threshold_ms)} threshold; {fmt.pct(w['share_above'], 1)} of its "
            "requests take longer."
        )


@dataclass(frozen=True)
class FirstWidgets:
    """Every widget but the tool-sequence and model ones (:func:`first_widgets`), with the daily activity those
    two take their trends from: what the overview draws first, while the other two are computed."""

    now: pd.Timestamp
    tz: str
    start: pd.Timestamp
    end: pd.Timestamp
    last_activity: pd.Timestamp | None
    error_rate: ErrorRateWidget
    cost_burn: CostWidget
    timeout_risk: TimeoutWidget
    changes: tuple[Change, ...]
    daily: pd.DataFrame


@dataclass(frozen=True)
class Widgets(FirstWidgets):
    """The five monitoring widgets of the overview and what changed since last week (:func:`telemetry_widgets`)."""

    tool_sequences: ToolWidget
    model_efficiency: ModelWidget


def _parallel(*thunks: Callable[[], Any]) -> list[Any]:
    """Run independent loaders at once (the store hands each its own client)."""
    with ThreadPoolExecutor(max_workers=min(4, len(thunks))) as pool:
        futures = [pool.submit(t) for t in thunks]
        return [f.result() for f in futures]


def first_widgets(
    store,
    filters: Filters,
    budgets: Mapping[str, float | None],
    threshold_ms: float = DEFAULT_THRESHOLD_MS,
    now: datetime | None = None,
) -> FirstWidgets:
    """The error-rate, cost-burn and timeout-risk widgets and the week's changes (see :func:`telemetry_widgets`)."""
    now_ = instant(now)
    freq = errors.error_freq(filters)
    burn, daily, recovery, by_model, weeks, hourly, today, window = _parallel(
        lambda: cost_burnrate(store, filters, budgets, now=to_datetime(now_)),
        lambda: load_daily_activity(store, filters),
        lambda: errors.recovery_summary(errors.load_recovery(store, filters)),
        lambda: errors.load_latency(store, filters, threshold_ms)[0],
        lambda: load_week_activity(store, filters, to_datetime(now_)),
        lambda: errors.load_error_series(store, filters, "hour") if freq == "hour" else None,
        lambda: load_today(store, filters, to_datetime(now_)),
        lambda: errors.load_failures(store, filters),
    )
    series = errors.daily_error_series(daily) if hourly is None else hourly
    last = today.api
    level = level_by(last.error_rate, ERROR_RATE_LEVELS)
    risk = errors.assess_timeout_risk(
        by_model, pd.DataFrame(columns=errors.HOUR_COLUMNS), threshold_ms, tz=filters.tz
    )
    return FirstWidgets(
        now=now_,
        tz=filters.tz,
        start=utc(filters.start),
        end=utc(filters.end),
        last_activity=burn.last_activity,
        error_rate=ErrorRateWidget(
            last_day=last,
            window=errors.call_counts(series),
            today=today,
            window_failures=window,
            recovery=recovery,
            level=level,
            reason=error_rate_reason(level, today, burn.last_activity, filters.tz),
            trend=errors.error_trend(series),
            trend_of=f"API error rate per {freq}",
        ),
        cost_burn=CostWidget(report=burn, trend=spend_trend(daily)),
        timeout_risk=TimeoutWidget(risk=risk, threshold_ms=float(threshold_ms), trend=p95_trend(daily)),
        changes=tuple(week_changes(weeks)),
        daily=daily,
    )


def tool_and_model_widgets(store, filters: Filters, daily: pd.DataFrame) -> tuple[ToolWidget, ModelWidget]:
    """The tool-sequence and model-efficiency widgets, at once, their trends from ``daily``
    (:attr:`FirstWidgets.daily`)."""
    tool_w, model_w = _parallel(
        lambda: tool_widget(store, filters, daily), lambda: model_widget(store, filters, daily)
    )
    return tool_w, model_w


def telemetry_widgets(
    store,
    filters: Filters,
    budgets: Mapping[str, float | None],
    threshold_ms: float = DEFAULT_THRESHOLD_MS,
    now: datetime | None = None,
) -> Widgets:
    """The five monitoring widgets of the overview and what changed since last week.

    * error rate: the last day's error rate (as :func:`error_monitor`), the
      window's, the trend of the rate per day (per hour for windows under 7
      days), recovery;
    * cost burn: spend today vs the daily budget, $/hour, projections, alert
      level (all from :func:`cost_burnrate`), trend of the daily spend;
    * timeout risk: p95 per model vs ``threshold_ms``, risk level
      (:func:`analytics.errors.assess_timeout_risk`), trend of the daily p95;
    * tool sequences: the top workflow, the costliest loop (back-and-forth,
      repeat run or edit-fail-edit, by attributed cost) and a suggestion, trend
      of the daily share of failed tool calls;
    * model efficiency: spend share per model, potential savings of moving
      small requests to a cheaper model (re-priced), trend of the cost per
      priced request.

    ``changes`` compare the 7 days up to now with the 7 days before
    (:func:`week_changes`).
    """
    first = first_widgets(store, filters, budgets, threshold_ms, now)
    tool_w, model_w = tool_and_model_widgets(store, filters, first.daily)
    parts = {f.name: getattr(first, f.name) for f in dataclasses.fields(first)}
    return Widgets(**parts, tool_sequences=tool_w, model_efficiency=model_w)
