"""JSON builders shared by the pages and the HTTP API, the API's query parser and its routes.

The pages and the ``/api/...`` routes call the same builders, so both show the
same numbers:

* :func:`cost_burnrate` - spend today, burn rate, projections and budget alerts
  (``/api/telemetry/cost-burnrate``);
* :func:`error_monitor` - error rate, its trend, taxonomy, retries, recovery and
  timeout risk (``/api/telemetry/error-monitor``);
* :func:`telemetry_widgets` - the five overview widgets and what changed since
  last week (``/api/telemetry-widgets``);
* :func:`health` - store, data and versions (``/api/health``).

Builders return JSON-ready dicts: str, int, float, bool and None in dicts and
lists; instants as ISO 8601 strings with their UTC offset; never NaN or
infinity (None instead, see :func:`jsonable`).

*Now.* Every builder judges the data at ``now = min(wall clock, end of the
window)``, the end being the window's last millisecond: a past window is judged
at its end, and its last day is "today" (a window ending at midnight is not
judged on the empty day after it).

*Query parameters* (:func:`parse_params`) have the app URL's names and defaults
(see ``ui/state.py``): ``from``, ``to`` (YYYY-MM-DD in the reporting zone;
default the last 30 days with data), ``tz`` (default this machine's zone),
``project``, ``model``, ``user``, ``source`` (repeatable), ``budget_day``,
``budget_month``, ``budget_session`` (USD; defaults 50, 1000, 10),
``threshold_ms`` (default 8000) and, for the burn rate, ``window_hours``
(default 24). A bad value is an HTTP 400 naming the parameter.

The module also holds the few loaders and pure frames that the Costs and
Errors pages draw beside those numbers: cost provenance, the dedup audit of
ingest runs, month-to-date spend with its forecast band, trend lines, the
duration histogram and the latest errors.
"""

from __future__ import annotations

import hmac
import json
import math
import platform
import threading
import tomllib
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from analytics import costs, errors, fmt, models, tools
from analytics.filters import Filters, local_zone
from analytics.trends import DECLINING, IMPROVING, VOLATILE, TrendFit, fit_trend, ols_sum_interval

DEFAULT_BUDGETS = {"day": 50.0, "month": 1000.0, "session": 10.0}
"""Budgets (USD) when the query names none: the app's slider defaults."""
BUDGET_PARAMS = {"budget_day": "day", "budget_month": "month", "budget_session": "session"}
BUDGET_LABELS = {"day": "Daily budget", "month": "Monthly budget", "session": "Per-session budget"}
DEFAULT_THRESHOLD_MS = 8000.0
DEFAULT_DAYS = 30
WINDOW_HOURS = 24.0
MAX_WINDOW_HOURS = 24.0 * 31
LIST_PARAMS = ("project", "model", "user", "source")
PAGES = {
    "error_rate": "/errors",
    "cost_burn": "/costs",
    "timeout_risk": "/errors",
    "tool_sequences": "/tools",
    "model_efficiency": "/models",
}
"""URL path of the page behind each widget."""
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
ARROWS = {"up": "↑", "down": "↓", "flat": "→", "volatile": "↕"}
CHANGE_DAYS = 7


# ---------------------------------------------------------------------------
# JSON values
def jsonable(obj: Any) -> Any:
    """``obj`` as plain JSON values: NaN / infinity / NaT / NA become None.

    Timestamps and datetimes become ISO 8601 strings (naive ones as they are),
    dates ISO dates, timedeltas seconds (float), NumPy scalars Python numbers,
    DataFrames lists of records, any other object its ``str``.
    """
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, int | np.integer) and not isinstance(obj, np.bool_):
        return int(obj)
    if isinstance(obj, float | np.floating):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, np.bool_):
        return bool(obj)
    if obj is pd.NaT or obj is pd.NA:
        return None
    if isinstance(obj, pd.Timestamp | datetime):
        return obj.isoformat()
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, pd.Timedelta | timedelta):
        return obj.total_seconds()
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, pd.DataFrame):
        return [jsonable(r) for r in obj.to_dict(orient="records")]
    if isinstance(obj, list | tuple | set | np.ndarray | pd.Series):
        return [jsonable(v) for v in list(obj)]
    return str(obj)


def _num(x) -> float | None:
    """A finite float, else None."""
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _utc(ts) -> pd.Timestamp:
    t = pd.Timestamp(ts)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def _iso(ts) -> str | None:
    return None if ts is None or ts is pd.NaT else _utc(ts).isoformat()


def _midnight(day: pd.Timestamp, tz: str) -> pd.Timestamp:
    """Local midnight of the naive day ``day`` in ``tz`` (DST-safe), in UTC."""
    return pd.Timestamp(day).tz_localize(tz, ambiguous=True, nonexistent="shift_forward").tz_convert("UTC")


def _py(ts: pd.Timestamp) -> datetime:
    return _utc(ts).to_pydatetime()


def effective_now(filters: Filters, now: datetime | None = None) -> pd.Timestamp:
    """The instant the builders judge at: ``min(now or the wall clock, the window's last millisecond)`` (UTC)."""
    wall = pd.Timestamp.now(tz="UTC") if now is None else _utc(now)
    return min(wall, _utc(filters.end) - pd.Timedelta(milliseconds=1))


def _level_by(value: float | None, levels: tuple[tuple[float, str], ...]) -> str:
    if value is None:
        return "OK"
    for threshold, level in levels:
        if value >= threshold:
            return level
    return "OK"


def _rate(errors_: int, requests: int) -> float | None:
    calls = errors_ + requests
    return errors_ / calls if calls else None


# ---------------------------------------------------------------------------
# query parameters
class ParamError(ValueError):
    """A query parameter with a bad value; ``parameter`` names it."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True)
class ApiQuery:
    """The view a request asks for (the app URL's parameters); dates None = the default range."""

    tz: str
    start: date | None = None
    end: date | None = None
    projects: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    budget_day: float = DEFAULT_BUDGETS["day"]
    budget_month: float = DEFAULT_BUDGETS["month"]
    budget_session: float = DEFAULT_BUDGETS["session"]
    threshold_ms: float = DEFAULT_THRESHOLD_MS
    window_hours: float = WINDOW_HOURS

    @property
    def budgets(self) -> dict[str, float]:
        return {"day": self.budget_day, "month": self.budget_month, "session": self.budget_session}

    def date_range(self, bounds: tuple[date, date] | None, today: date | None = None) -> tuple[date, date]:
        """``from``/``to``, defaulting like the app: up to the last day with data, 30 days long at most."""
        last = bounds[1] if bounds else (today or datetime.now(ZoneInfo(self.tz)).date())
        first_data = bounds[0] if bounds else last - timedelta(days=DEFAULT_DAYS - 1)
        end = self.end or last
        start = self.start or max(first_data, end - timedelta(days=DEFAULT_DAYS - 1))
        return (end, start) if start > end else (start, end)

    def filters(self, bounds: tuple[date, date] | None, today: date | None = None) -> Filters:
        """The :class:`Filters` the app would use for this view: whole local days ``[from, to + 1)``."""
        start, end = self.date_range(bounds, today)
        zone = ZoneInfo(self.tz)
        return Filters(
            start=datetime.combine(start, time(), zone),
            end=datetime.combine(end + timedelta(days=1), time(), zone),
            tz=self.tz,
            projects=self.projects,
            models=self.models,
            users=self.users,
            sources=self.sources,
        )


def _values(query, name: str) -> list[str]:
    if hasattr(query, "getlist"):
        return [str(v) for v in query.getlist(name)]
    v = query.get(name)
    if v is None:
        return []
    return [v] if isinstance(v, str) else [str(x) for x in v]


def _single(query, name: str) -> str | None:
    vals = [v for v in _values(query, name) if v != ""]
    return vals[-1] if vals else None


def _number(
    query, name: str, default: float, minimum: float, strict: bool, maximum: float | None = None
) -> float:
    raw = _single(query, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ParamError(name, f"{name} must be a number, got {raw!r}") from None
    bound = f"greater than {minimum:g}" if strict else f"at least {minimum:g}"
    if not math.isfinite(value) or value < minimum or (strict and value == minimum):
        raise ParamError(name, f"{name} must be a finite number {bound}, got {raw!r}")
    if maximum is not None and value > maximum:
        raise ParamError(name, f"{name} must be at most {maximum:g}, got {raw!r}")
    return value


def _date(query, name: str) -> date | None:
    raw = _single(query, name)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ParamError(name, f"{name} must be a date YYYY-MM-DD, got {raw!r}") from None


def parse_params(query) -> ApiQuery:
    """Parse and check the query parameters of an API request.

    Parameters
    ----------
    query : starlette QueryParams, or a mapping of name to a str or a list of str
        Unknown names are ignored (the app URL also carries page-only state);
        empty values count as absent; a repeated single-valued parameter keeps
        its last value, as the app does.

    Returns
    -------
    ApiQuery

    Raises
    ------
    ParamError
        A value that is not a date, an unknown time zone, ``from`` after ``to``,
        a budget that is not a finite number >= 0, a ``threshold_ms`` that is
        not > 0, a ``window_hours`` not in (0, 744].
    """
    tz = _single(query, "tz") or local_zone()
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ParamError("tz", f"tz must be an IANA time zone such as Europe/Berlin, got {tz!r}") from None
    start, end = _date(query, "from"), _date(query, "to")
    if start and end and start > end:
        raise ParamError("from", f"from ({start}) is after to ({end})")
    lists = {p: tuple(v for v in _values(query, p) if v) for p in LIST_PARAMS}
    budgets = {
        key: _number(query, param, DEFAULT_BUDGETS[key], 0.0, strict=False)
        for param, key in BUDGET_PARAMS.items()
    }
    return ApiQuery(
        tz=tz,
        start=start,
        end=end,
        projects=lists["project"],
        models=lists["model"],
        users=lists["user"],
        sources=lists["source"],
        budget_day=budgets["day"],
        budget_month=budgets["month"],
        budget_session=budgets["session"],
        threshold_ms=_number(query, "threshold_ms", DEFAULT_THRESHOLD_MS, 0.0, strict=True),
        window_hours=_number(query, "window_hours", WINDOW_HOURS, 0.0, strict=True, maximum=MAX_WINDOW_HOURS),
    )


def data_bounds(store, tz: str) -> tuple[date, date] | None:
    """First and last local day with any event (``overview_bounds``), None for an empty store."""
    from analytics.overview import load_data_bounds

    df = load_data_bounds(store, tz=tz)
    if df.empty or int(df["events"].sum()) == 0:
        return None
    return pd.Timestamp(df["first_day"].min()).date(), pd.Timestamp(df["last_day"].max()).date()


# ---------------------------------------------------------------------------
# cost burn rate
@dataclass(frozen=True)
class SpendSnapshot:
    """What the cost builders need, loaded once (:func:`load_spend_snapshot`).

    ``requests``: api_requests (:func:`analytics.costs.load_request_costs`) from
    ``load_start`` to ``now``; ``daily``: daily totals (USD) of the history
    days before today (local midnights, tz-aware), the input of the month
    projection; ``spent_today`` (USD) from local midnight to ``now``;
    ``month_to_date`` (USD) from the first of the month to ``now``.
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
    requests: pd.DataFrame = field(compare=False, repr=False)
    daily: pd.Series = field(compare=False, repr=False)


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
        Judged at ``min(now or the wall clock, end of the window)``.
    """
    if not (window_hours > 0 and math.isfinite(window_hours)):
        raise ValueError("window_hours must be a positive number")
    tz = filters.tz
    now_ = effective_now(filters, now)
    today = now_.tz_convert(tz).tz_localize(None).normalize()
    day_start = _midnight(today, tz)
    hist_start = _midnight(min(today.replace(day=1), today - pd.Timedelta(days=costs.HISTORY_DAYS)), tz)
    window = timedelta(hours=window_hours)
    load_start = min(now_ - pd.Timedelta(window), day_start, now_ - pd.Timedelta(hours=2 * costs.BLOCK_HOURS))
    requests = costs.load_request_costs(
        store, filters.with_window(_py(load_start), _py(now_ + pd.Timedelta(milliseconds=1)))
    )
    series = costs.load_cost_series(store, filters.with_window(_py(hist_start), _py(day_start)), "day")
    daily = (
        series.set_index("bucket")["cost_usd"].astype("float64")
        if not series.empty
        else pd.Series([], dtype="float64", index=pd.DatetimeIndex([], tz=tz))
    )
    projection = costs.project_spend(requests, daily, _py(now_), tz, window=window, bin_minutes=60.0)
    today_rows = requests[(requests["ts"] >= day_start).to_numpy()] if not requests.empty else requests
    cost = pd.to_numeric(today_rows["cost_usd"], errors="coerce")
    spent_today = float(cost.sum()) if len(cost) else 0.0
    month_start = _midnight(today.replace(day=1), tz)
    earlier = float(daily[_index_utc(daily.index) >= month_start].sum()) if len(daily) else 0.0
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
        requests=requests,
        daily=daily,
    )


def _index_utc(idx) -> pd.DatetimeIndex:
    idx = pd.DatetimeIndex(idx)
    return idx.tz_localize("UTC") if idx.tz is None else idx.tz_convert("UTC")


def _projection_json(p: costs.Projection | None) -> dict | None:
    if p is None:
        return None
    return {
        "horizon": p.horizon,
        "end": _iso(p.end),
        "spent": _num(p.spent),
        "expected_additional": _num(p.expected_additional),
        "projected": _num(p.projected),
        "low": _num(p.low),
        "high": _num(p.high),
        "n": int(p.n),
        "method": p.method,
    }


def _status_json(s: costs.BudgetStatus | None) -> dict | None:
    if s is None:
        return None
    tte = s.time_to_exhaustion
    return {
        "level": s.level,
        "spend": _num(s.spend),
        "budget": _num(s.budget),
        "percent_used": _num(s.percent_used),
        "remaining": _num(s.remaining),
        "over_by": _num(s.over_by),
        "rate_per_hour": _num(s.rate_per_hour),
        "time_to_exhaustion_hours": None if tte is None else tte.total_seconds() / 3600.0,
        "exhausted_at": _iso(s.exhausted_at) if s.exhausted_at is not None else None,
        "rule": s.rule,
    }


def _worst(levels) -> str:
    levels = [lv for lv in levels if lv]
    return max(levels, key=costs.LEVELS.index) if levels else "OK"


def budget_report(snapshot: SpendSnapshot, budgets: Mapping[str, float | None]) -> dict:
    """The cost burn-rate report of a :class:`SpendSnapshot` against ``budgets``: pure and instant.

    Parameters
    ----------
    budgets : mapping
        ``day``, ``month``, ``session`` (USD); a missing, zero or negative
        budget is not evaluated (its status is None).

    Returns
    -------
    dict
        ``now``, ``tz``, ``window`` (``start``, ``end``, ``hours``),
        ``current_cost`` (USD spent today in the reporting zone),
        ``month_to_date`` (USD), ``requests_today``, ``burn_rate`` (USD per hour
        over the window, 0 when it holds no request), ``interval`` (the burn
        rate's interval: ``low``, ``high``, ``level``, ``bins``,
        ``bin_minutes``, ``trend_per_hour``, ``trend_low``, ``trend_high``,
        ``method``), ``tokens_per_minute``, ``requests`` and
        ``unpriced_requests`` (in the window; unpriced requests are not in the
        cost), ``unpriced_requests_today``, ``budget`` (the budgets used),
        ``budget_remaining`` (USD left of the daily budget), ``budgets`` (per
        budget: level, spend, percent used, remaining, time to exhaustion in
        hours, rule; None when not evaluated), ``status`` (the worst level of
        the daily and monthly budgets), ``alerts`` (``level``, ``budget``,
        ``message`` for every budget at INFO or above) and ``projection``
        (``session``, ``day``, ``month``: spent, projected, low, high, end,
        method; None when it cannot be made).
    """
    proj = snapshot.projection
    burn = proj.burn if proj is not None else None
    rate = burn.per_hour if burn is not None else 0.0
    used = {k: _num(budgets.get(k)) for k in ("day", "month", "session")}
    session_spent = proj.session.spent if proj is not None and proj.session is not None else None
    spends = {"day": snapshot.spent_today, "month": snapshot.month_to_date, "session": session_spent}
    statuses: dict[str, costs.BudgetStatus | None] = {}
    for key in ("day", "month", "session"):
        b, spent = used[key], spends[key]
        statuses[key] = (
            costs.budget_status(spent, b, rate, now=_py(snapshot.now))
            if b is not None and b > 0 and spent is not None
            else None
        )
    evaluator = costs.AlertEvaluator(cooldown=timedelta(0))
    alerts = []
    for key, status in statuses.items():
        alert = evaluator.evaluate(status, _py(snapshot.now), key=key)
        if alert is not None:
            alerts.append(
                {"level": alert.level, "budget": key, "message": f"{BUDGET_LABELS[key]}: {alert.message}"}
            )
    window_start = snapshot.now - pd.Timedelta(hours=snapshot.window_hours)
    in_window = (
        (snapshot.requests["ts"] > window_start).to_numpy()
        if not snapshot.requests.empty
        else np.zeros(0, bool)
    )
    day = statuses["day"]
    return {
        "now": _iso(snapshot.now),
        "tz": snapshot.tz,
        "window": {"start": _iso(window_start), "end": _iso(snapshot.now), "hours": snapshot.window_hours},
        "current_cost": _num(snapshot.spent_today),
        "month_to_date": _num(snapshot.month_to_date),
        "requests_today": snapshot.today_requests,
        "burn_rate": _num(rate),
        "interval": {
            "low": _num(burn.per_hour_low) if burn else None,
            "high": _num(burn.per_hour_high) if burn else None,
            "level": burn.level if burn else None,
            "bins": burn.bins if burn else None,
            "bin_minutes": _num(burn.bin_minutes) if burn else None,
            "trend_per_hour": _num(burn.trend_per_hour) if burn else None,
            "trend_low": _num(burn.trend_low) if burn else None,
            "trend_high": _num(burn.trend_high) if burn else None,
            "method": burn.method if burn else "no request in the window: rate 0",
        },
        "tokens_per_minute": _num(burn.tokens_per_minute) if burn else 0.0,
        "requests": int(in_window.sum()),
        "unpriced_requests": burn.unpriced_requests if burn else 0,
        "unpriced_requests_today": snapshot.today_unpriced,
        "budget": {k: used[k] for k in ("day", "month", "session")},
        "budget_remaining": _num(day.remaining) if day is not None else None,
        "budgets": {k: _status_json(v) for k, v in statuses.items()},
        "status": _worst(
            [statuses["day"] and statuses["day"].level, statuses["month"] and statuses["month"].level]
        ),
        "alerts": alerts,
        "projection": {
            "session": _projection_json(proj.session) if proj else None,
            "day": _projection_json(proj.day) if proj else None,
            "month": _projection_json(proj.month) if proj else None,
        },
    }


def cost_burnrate(
    store,
    filters: Filters,
    budgets: Mapping[str, float | None],
    window_hours: float = WINDOW_HOURS,
    now: datetime | None = None,
) -> dict:
    """Spend today, burn rate, projections and budget alerts (see :func:`budget_report` for the fields).

    :func:`load_spend_snapshot` then :func:`budget_report`; a page that moves
    budget sliders keeps the (cached) snapshot and calls only the latter.

    Examples
    --------
    $3.00 spent in the last 90 minutes of a 24-hour window is a burn rate of
    $0.125 per hour.
    """
    return budget_report(load_spend_snapshot(store, filters, window_hours, now), budgets)


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
    tz = snapshot.tz
    local_now = snapshot.now.tz_convert(tz)
    now_naive = local_now.tz_localize(None)
    today = now_naive.normalize()
    month_start = today.replace(day=1)
    daily = snapshot.daily
    if len(daily):
        idx = pd.DatetimeIndex(daily.index)
        idx = (idx.tz_convert(tz) if idx.tz is not None else idx).tz_localize(None).normalize()
        hist = pd.Series(daily.to_numpy(dtype="float64"), index=idx).groupby(level=0).sum()
        hist = hist[hist.index < today]
    else:
        hist = pd.Series([], dtype="float64")
    if len(hist):
        hist = hist.reindex(
            pd.date_range(hist.index[0], today - pd.Timedelta(days=1), freq="D"), fill_value=0.0
        )
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
        x = ((train.index - train.index[0]) / pd.Timedelta(days=1)).to_numpy(dtype="float64")
        month_end = (today + pd.offsets.MonthBegin(1)).normalize()
        days_left = int((month_end - today) / pd.Timedelta(days=1))
        future = x[-1] + (today - train.index[-1]) / pd.Timedelta(days=1) + np.arange(days_left)
        hours_left = (_midnight(today + pd.Timedelta(days=1), tz) - snapshot.now).total_seconds() / 3600.0
        weights = np.ones(days_left)
        weights[0] = max(0.0, min(1.0, hours_left / 24.0))
        rows.append((now_naive, "forecast", mtd, mtd, mtd))
        for k in range(1, days_left + 1):
            r = ols_sum_interval(x, train.to_numpy(), future[:k], weights[:k], level=level)
            if r is None:
                break
            add, lo, hi = (max(0.0, float(v)) for v in r)
            rows.append((today + pd.Timedelta(days=k), "forecast", mtd + add, mtd + lo, mtd + hi))
    return pd.DataFrame(rows, columns=cols)


# ---------------------------------------------------------------------------
# errors
def _arrow(fit: TrendFit | None) -> str:
    if fit is None:
        return ""
    if fit.direction in (IMPROVING, DECLINING):
        return ARROWS["up"] if fit.mk_tau > 0 else ARROWS["down"]
    return ARROWS["volatile"] if fit.direction == VOLATILE else ARROWS["flat"]


def trend_json(fit: TrendFit | None, of: str) -> dict:
    """The JSON of a :class:`~analytics.trends.TrendFit`: direction, arrow, slope, p-value, method.

    ``p_value`` is the Mann-Kendall p-value that decides the direction;
    ``ols_p_value`` the OLS slope's. ``slope`` is per step (``step_seconds``),
    ``slope_per_day`` per day. All None (direction None, arrow "") without a fit.
    """
    if fit is None:
        return {
            "of": of,
            "direction": None,
            "arrow": "",
            "n": 0,
            "slope": None,
            "slope_low": None,
            "slope_high": None,
            "slope_per_day": None,
            "p_value": None,
            "ols_p_value": None,
            "tau": None,
            "step_seconds": None,
            "changepoint": None,
            "method": None,
            "rule": None,
        }
    step = fit.step.total_seconds() if isinstance(fit.step, pd.Timedelta) else _num(fit.step)
    cp = fit.changepoint
    return {
        "of": of,
        "direction": fit.direction,
        "arrow": _arrow(fit),
        "n": fit.n,
        "slope": _num(fit.slope),
        "slope_low": _num(fit.slope_low),
        "slope_high": _num(fit.slope_high),
        "slope_per_day": _num(fit.slope_per_day),
        "p_value": _num(fit.mk_p),
        "ols_p_value": _num(fit.p_value),
        "tau": _num(fit.mk_tau),
        "step_seconds": step,
        "changepoint": None
        if cp is None
        else {
            "at": _iso(cp.at) if isinstance(cp.at, pd.Timestamp) else jsonable(cp.at),
            "mean_before": _num(cp.mean_before),
            "mean_after": _num(cp.mean_after),
            "sse_reduction": _num(cp.sse_reduction),
        },
        "method": fit.method,
        "rule": fit.rule,
    }


def trend_frame(series: pd.Series, fit: TrendFit) -> pd.DataFrame:
    """The fitted OLS line of ``fit`` at the points of ``series``, for drawing.

    Returns
    -------
    DataFrame
        ``at`` (the series' index), ``fitted``, ``ci_low``/``ci_high`` (the
        line's confidence band) and ``pi_low``/``pi_high`` (prediction band),
        in the series' units.
    """
    s = pd.Series(series).dropna().sort_index()
    if fit.time_indexed:
        x = ((s.index - fit.start) / fit.step).to_numpy(dtype="float64")
    else:
        x = (np.asarray(s.index, dtype="float64") - float(fit.start)) / float(fit.step)
    out = fit.predict(x).drop(columns="x")
    out.insert(0, "at", s.index)
    return out


def error_freq(filters: Filters) -> str:
    """Bucket of the error-rate series: "day" for windows of 7 days or more, else "hour"."""
    return "day" if _utc(filters.end) - _utc(filters.start) >= pd.Timedelta(days=7) else "hour"


def _day_counts(series: pd.DataFrame, now: pd.Timestamp, tz: str) -> dict:
    """API calls of the local day containing ``now``, from an error series of that zone's hours or days."""
    start = _midnight(now.tz_convert(tz).tz_localize(None).normalize(), tz)
    if series is None or series.empty:
        req = err = 0
    else:
        rows = series[(_index_utc(series["bucket"]) >= start) & (_index_utc(series["bucket"]) <= now)]
        req, err = int(rows["requests"].sum()), int(rows["errors"].sum())
    return {
        "start": _iso(start),
        "end": _iso(now),
        "requests": req,
        "errors": err,
        "error_rate": _rate(err, req),
    }


def error_counts(series: pd.DataFrame) -> dict:
    """Requests, errors and error rate (None without calls) summed over an error-rate series."""
    req = int(series["requests"].sum()) if series is not None and not series.empty else 0
    err = int(series["errors"].sum()) if series is not None and not series.empty else 0
    return {"requests": req, "errors": err, "error_rate": _rate(err, req)}


@dataclass(frozen=True)
class ErrorSnapshot:
    """What :func:`error_monitor` reports, loaded once (:func:`load_error_snapshot`) except timeout risk.

    ``series``: :func:`analytics.errors.load_error_series` per ``freq``;
    ``fit``: its :func:`analytics.errors.error_trend`; ``attempts``:
    :func:`analytics.errors.load_attempts`.
    """

    now: pd.Timestamp
    tz: str
    freq: str
    start: pd.Timestamp
    end: pd.Timestamp
    fit: TrendFit | None
    taxonomy: errors.ErrorTaxonomy | None
    retries: tuple[errors.RetryStats, ...]
    recovery: errors.Recovery | None
    series: pd.DataFrame = field(compare=False, repr=False)
    attempts: pd.DataFrame = field(compare=False, repr=False)


def load_error_snapshot(store, filters: Filters, now: datetime | None = None) -> ErrorSnapshot:
    """Load the error series (per :func:`error_freq`), taxonomy, retries and recovery of the window."""
    freq = error_freq(filters)
    series = errors.load_error_series(store, filters, freq)
    attempts = errors.load_attempts(store, filters)
    return ErrorSnapshot(
        now=effective_now(filters, now),
        tz=filters.tz,
        freq=freq,
        start=_utc(filters.start),
        end=_utc(filters.end),
        fit=errors.error_trend(series),
        taxonomy=errors.error_taxonomy(
            errors.load_error_types(store, filters),
            errors.load_tool_errors(store, filters),
            errors.load_tool_decisions(store, filters),
        ),
        retries=errors.retry_stats(attempts),
        recovery=errors.recovery_summary(errors.load_recovery(store, filters)),
        series=series,
        attempts=attempts,
    )


def _risk_json(risk: errors.TimeoutRisk | None, threshold_ms: float) -> dict:
    if risk is None:
        return {
            "threshold_ms": float(threshold_ms),
            "rule": errors.risk_rule(threshold_ms),
            "level": None,
            "n": 0,
            "n_missing": 0,
            "riskiest_hours": [],
            "tz": None,
            "models": [],
        }
    cols = ["model", "n", "p50_ms", "p95_ms", "p99_ms", "max_ms", "n_above", "share_above", "risk"]
    return {
        "threshold_ms": risk.threshold_ms,
        "rule": risk.rule,
        "level": risk.level,
        "n": risk.n,
        "n_missing": risk.n_missing,
        "riskiest_hours": list(risk.riskiest_hours),
        "tz": risk.tz,
        "models": jsonable(risk.by_model[cols]),
    }


def _recovery_json(r: errors.Recovery | None) -> dict | None:
    return None if r is None else jsonable(r.__dict__)


def _taxonomy_json(tax: errors.ErrorTaxonomy | None) -> dict | None:
    if tax is None:
        return None
    return {
        "api_errors": tax.api_errors,
        "by_class": jsonable(tax.by_class),
        "tool_results": tax.tool_results,
        "tool_errors": tax.tool_errors,
        "tool_error_rate": _num(tax.tool_error_rate),
        "tool_errors_by_tool": jsonable(tax.tools[["tool", "results", "errors", "error_rate"]])
        if not tax.tools.empty
        else [],
        "decisions": tax.decisions,
        "rejected": tax.rejected,
        "interrupted": tax.interrupted,
        "rejection_rate": _num(tax.rejection_rate),
    }


def error_report(snapshot: ErrorSnapshot, risk: errors.TimeoutRisk | None, threshold_ms: float) -> dict:
    """The error monitor's JSON from a snapshot and a timeout assessment (fields: :func:`error_monitor`)."""
    last = _day_counts(snapshot.series, snapshot.now, snapshot.tz)
    return {
        "now": _iso(snapshot.now),
        "tz": snapshot.tz,
        "window": {"start": _iso(snapshot.start), "end": _iso(snapshot.end)},
        "freq": snapshot.freq,
        "current": {"last_day": last, "window": error_counts(snapshot.series)},
        "level": _level_by(last["error_rate"], ERROR_RATE_LEVELS),
        "rule": ERROR_RATE_RULE,
        "trend": trend_json(snapshot.fit, f"API error rate per {snapshot.freq}"),
        "taxonomy": _taxonomy_json(snapshot.taxonomy),
        "retries": [jsonable(r.__dict__) for r in snapshot.retries],
        "recovery": _recovery_json(snapshot.recovery),
        "timeout_risk": _risk_json(risk, threshold_ms),
    }


def error_monitor(
    store, filters: Filters, threshold_ms: float = DEFAULT_THRESHOLD_MS, now: datetime | None = None
) -> dict:
    """Error rate today and over the window, its trend, taxonomy, retries, recovery and timeout risk.

    Returns
    -------
    dict
        ``now``, ``tz``, ``window`` (start, end of the filters), ``freq`` (bucket
        of the series: "day" for windows of 7 days or more, else "hour"),
        ``current`` (``last_day``: the local day containing now, from its
        midnight to now; ``window``: the whole window; each with ``requests``,
        ``errors`` and ``error_rate`` = errors / (requests + errors), None
        without calls), ``level`` and ``rule`` (of the last day's rate),
        ``trend`` (:func:`trend_json` of the rate per bucket, from
        :func:`analytics.errors.error_trend`), ``taxonomy`` (API errors by
        class, tool errors by tool, rejections; None without any),
        ``retries`` (per event type), ``recovery`` (None without sessions) and
        ``timeout_risk`` (threshold, rule, level, per model p50/p95/p99, share
        above the threshold and risk; level None without durations).
    """
    snapshot = load_error_snapshot(store, filters, now)
    return error_report(snapshot, errors.timeout_risk(store, filters, threshold_ms), threshold_ms)


# ---------------------------------------------------------------------------
# overview widgets
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
    """Per local day (``api_daily.sql``): :data:`DAILY_COLUMNS`.

    ``bucket`` is the tz-aware local midnight, ``cost_usd`` the priced spend
    (USD), ``p95_ms`` the exact p95 of request durations (NaN without any),
    ``tool_failed`` the failed tool calls. Days without any API call or tool
    call are absent.
    """
    df = store.query("api_daily", **filters.params())
    if df.empty:
        return pd.DataFrame(columns=DAILY_COLUMNS)
    df["bucket"] = pd.to_datetime(df["bucket"].astype("int64"), unit="s", utc=True).dt.tz_convert(filters.tz)
    df["p95_ms"] = pd.to_numeric(df["p95_ms"], errors="coerce").astype("float64")
    df["cost_usd"] = df["cost_usd"].astype("float64")
    return df[DAILY_COLUMNS]


def daily_error_series(daily: pd.DataFrame) -> pd.DataFrame:
    """The error-rate series of :func:`analytics.errors.load_error_series` (freq "day") from daily activity:
    ``bucket``, ``requests``, ``errors``, ``error_rate``, days with API calls only."""
    if daily is None or daily.empty:
        return pd.DataFrame(columns=["bucket", "requests", "errors", "error_rate"])
    d = daily[(daily["requests"] + daily["errors"]) > 0]
    out = d[["bucket", "requests", "errors"]].reset_index(drop=True)
    out["error_rate"] = out["errors"] / (out["requests"] + out["errors"])
    return out


def _fit(index, values, fill_days: bool = False) -> TrendFit | None:
    """fit_trend (lower is better) of ``values`` on a tz-aware daily ``index``; with ``fill_days``
    the series is on naive local days with missing days as 0 (spend)."""
    s = pd.Series(np.asarray(values, dtype="float64"), index=pd.DatetimeIndex(index))
    if s.empty:
        return None
    if fill_days:
        s.index = s.index.tz_localize(None).normalize()
        s = s.groupby(level=0).sum()
        s = s.reindex(pd.date_range(s.index[0], s.index[-1], freq="D"), fill_value=0.0)
    return fit_trend(s, polarity="lower_is_better")


def _costliest_loop(mining: tools.SequenceMining, loops: tools.LoopReport) -> dict | None:
    """The loop with the largest attributed cost (then occurrences): back-and-forth, repeat or edit-fail-edit."""
    cands = []
    t = mining.ngrams
    if not t.empty:
        ping = t[(t["length"] == 3) & t["pattern"].map(lambda p: p[0] == p[2] and p[0] != p[1])]
        for r in ping.itertuples():
            cands.append(
                {
                    "kind": "back-and-forth",
                    "label": r.label,
                    "occurrences": int(r.count),
                    "sessions": int(r.sessions),
                    "cost_usd": _num(r.cost_usd),
                }
            )
    for r in loops.repeats.itertuples():
        cands.append(
            {
                "kind": "repeat",
                "label": f"{r.tool} {loops.min_repeat}+ times in a row",
                "occurrences": int(r.runs),
                "sessions": int(r.sessions),
                "cost_usd": _num(r.cost_usd),
            }
        )
    if loops.edit_fail_edit:
        cands.append(
            {
                "kind": "edit-fail-edit",
                "label": "Edit → failed Bash → Edit",
                "occurrences": int(loops.edit_fail_edit),
                "sessions": int(loops.edit_fail_edit_sessions),
                "cost_usd": _num(loops.edit_fail_edit_cost_usd),
            }
        )
    if not cands:
        return None
    return max(cands, key=lambda c: (c["cost_usd"] is not None, c["cost_usd"] or 0.0, c["occurrences"]))


def tool_widget(store, filters: Filters, daily: pd.DataFrame | None = None) -> dict:
    """Tool Sequence Optimizer: top workflow, costliest loop and a suggestion (see :func:`telemetry_widgets`)."""
    daily = load_daily_activity(store, filters) if daily is None else daily
    seqs = tools.load_tool_sequences(store, filters)
    mining = tools.mine_ngrams(seqs, min_length=3, max_length=4, filters=filters)
    workflows = tools.common_workflows(mining, top=1)
    loops = tools.find_loops(seqs, filters=filters)
    tips = tools.suggestions(None, mining, loops)
    top = workflows.table.iloc[0] if not workflows.table.empty else None
    loop = _costliest_loop(mining, loops)
    spend = float(pd.to_numeric(seqs["cost_usd"], errors="coerce").sum()) if not seqs.empty else 0.0
    loop_share = loop["cost_usd"] / spend if loop and loop["cost_usd"] is not None and spend > 0 else None
    used = daily[daily["tool_calls"] > 0] if not daily.empty else daily
    fit = _fit(used["bucket"], used["tool_failed"] / used["tool_calls"]) if not used.empty else None
    return {
        "title": "Tool Sequence Optimizer",
        "value": top["label"] if top is not None else None,
        "top_workflow": None
        if top is None
        else {
            "label": top["label"],
            "length": int(top["length"]),
            "count": int(top["count"]),
            "sessions": int(top["sessions"]),
            "session_share": _num(top["session_share"]),
            "success_rate": _num(top["success_rate"]),
            "cost_usd": _num(top["cost_usd"]),
        },
        "costliest_loop": None if loop is None else {**loop, "share_of_spend": _num(loop_share)},
        "suggestion": tips[0] if tips else None,
        "suggestions": tips,
        "tool_calls": int(mining.n_calls),
        "sessions": int(mining.n_sessions),
        "level": _level_by(loop_share, LOOP_LEVELS),
        "rule": LOOP_RULE,
        "trend": trend_json(fit, "share of tool calls failing per day"),
        "page": PAGES["tool_sequences"],
    }


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
    cols = ["model", "requests", "cost_usd", "share_of_cost", "pricing"]
    if mix is None or mix.empty:
        return pd.DataFrame(columns=cols)
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
    return t[cols].reset_index(drop=True)


def model_widget(store, filters: Filters, daily: pd.DataFrame | None = None) -> dict:
    """Model Efficiency Tracker: spend share per model and potential savings (see :func:`telemetry_widgets`)."""
    daily = load_daily_activity(store, filters) if daily is None else daily
    mix = models.load_token_mix(store, filters)
    rec = models.recommend_savings(mix, filters=filters)
    table = spend_shares(mix)
    shares = jsonable(table)
    top = shares[0] if shares and shares[0]["cost_usd"] is not None else None
    fit = None
    if not daily.empty:
        priced = daily["requests"] - daily["unpriced_requests"]
        keep = (priced > 0).to_numpy()
        fit = _fit(daily["bucket"][keep], (daily["cost_usd"] / priced.where(priced > 0))[keep])
    savings_share = _num(rec.savings_share) if rec is not None else None
    return {
        "title": "Model Efficiency Tracker",
        "value": top["share_of_cost"] if top else None,
        "top_model": top["model"] if top else None,
        "spend_share": shares,
        "spend_usd": _num(table["cost_usd"].sum(min_count=1)),
        "unpriced_models": table.loc[table["pricing"] == "unpriced", "model"].tolist(),
        "potential_savings": None
        if rec is None
        else {
            "target_model": rec.target_model,
            "requests_moved": rec.requests_moved,
            "current_cost_usd": _num(rec.current_cost_usd),
            "projected_cost_usd": _num(rec.projected_cost_usd),
            "savings_usd": _num(rec.savings_usd),
            "savings_share": savings_share,
            "sentence": rec.sentence,
            "assumption": rec.assumption,
        },
        "level": _level_by(savings_share, SAVINGS_LEVELS),
        "rule": SAVINGS_RULE,
        "trend": trend_json(fit, "cost per priced request per day"),
        "page": PAGES["model_efficiency"],
    }


WEEK_COLUMNS = ["week", "model", "requests", "errors", "cost_usd"]


def load_week_activity(store, filters: Filters, now: datetime | None = None) -> pd.DataFrame:
    """API calls and spend per model in the 7 days up to ``now`` ("this") and the 7 before ("last").

    ``now`` as in :func:`effective_now`. The two weeks are not cut by the
    filters' dates; the other filters apply. Columns :data:`WEEK_COLUMNS`
    (``cost_usd`` NaN when no request of the model is priced).
    """
    end = effective_now(filters, now) + pd.Timedelta(milliseconds=1)
    split = end - pd.Timedelta(days=CHANGE_DAYS)
    df = store.query(
        "api_week_changes",
        split=_py(split).replace(tzinfo=None),
        **filters.with_window(_py(split - pd.Timedelta(days=CHANGE_DAYS)), _py(end)).params(),
    )
    if df.empty:
        return pd.DataFrame(columns=WEEK_COLUMNS)
    df["cost_usd"] = pd.to_numeric(df["cost_usd"], errors="coerce").astype("float64")
    return df[WEEK_COLUMNS]


def _updown(cur: float, prev: float, shown_prev: str) -> str:
    days = f"in the {CHANGE_DAYS} days before"
    if prev == 0:
        return f"none {days}" if cur else f"none {days} either"
    if cur == prev:
        return f"the same as {days}"
    return f"{'up' if cur > prev else 'down'} {abs(cur - prev) / prev:.0%} from {shown_prev} {days}"


def week_changes(weeks: pd.DataFrame) -> list[dict]:
    """What changed between the two weeks of :func:`load_week_activity`, as sentences with their numbers.

    Returns
    -------
    list of dict
        Spend, requests, error rate and (when this week has priced spend) the
        share of spend of this week's top model: ``metric``, ``current``,
        ``previous``, ``change`` (relative change for spend and requests,
        difference for rate and share; None when the previous value is 0 or
        undefined) and ``sentence``. Empty when neither week has an API call.
    """
    if weeks is None or weeks.empty:
        return []
    this, last = weeks[weeks["week"] == "this"], weeks[weeks["week"] == "last"]
    c_cost, p_cost = float(this["cost_usd"].sum()), float(last["cost_usd"].sum())
    c_req, p_req = int(this["requests"].sum()), int(last["requests"].sum())
    c_err, p_err = int(this["errors"].sum()), int(last["errors"].sum())
    if c_req + c_err + p_req + p_err == 0:
        return []
    out = [
        {
            "metric": "spend",
            "current": c_cost,
            "previous": p_cost,
            "change": (c_cost - p_cost) / p_cost if p_cost else None,
            "sentence": f"Spend: {fmt.money(c_cost)} in the last {CHANGE_DAYS} days, "
            f"{_updown(c_cost, p_cost, fmt.money(p_cost))}.",
        },
        {
            "metric": "requests",
            "current": c_req,
            "previous": p_req,
            "change": (c_req - p_req) / p_req if p_req else None,
            "sentence": f"Requests: {c_req:,} in the last {CHANGE_DAYS} days, {_updown(c_req, p_req, f'{p_req:,}')}.",
        },
    ]
    c_rate, p_rate = _rate(c_err, c_req), _rate(p_err, p_req)
    if c_rate is not None:
        if p_rate is None:
            tail = f"no API calls in the {CHANGE_DAYS} days before"
        elif c_rate == p_rate:
            tail = f"the same as in the {CHANGE_DAYS} days before"
        else:
            tail = (
                f"{'up' if c_rate > p_rate else 'down'} {abs(c_rate - p_rate) * 100:.2f} percentage points "
                f"from {fmt.pct(p_rate)} in the {CHANGE_DAYS} days before"
            )
        out.append(
            {
                "metric": "error_rate",
                "current": c_rate,
                "previous": p_rate,
                "change": None if p_rate is None else c_rate - p_rate,
                "sentence": f"Error rate: {fmt.pct(c_rate)} of API calls failed in the last {CHANGE_DAYS} days, "
                f"{tail}.",
            }
        )
    priced = this[(this["model"] != "") & this["cost_usd"].notna()].sort_values(
        ["cost_usd", "model"], ascending=[False, True]
    )
    if c_cost > 0 and not priced.empty:
        model = str(priced["model"].iloc[0])
        share = float(priced["cost_usd"].iloc[0]) / c_cost
        prev_share = (
            float(last.loc[last["model"] == model, "cost_usd"].sum()) / p_cost if p_cost > 0 else None
        )
        if prev_share is None:
            tail = f"no priced spend in the {CHANGE_DAYS} days before"
        else:
            word = "up" if share > prev_share else "down" if share < prev_share else "unchanged"
            tail = f"{word} from {prev_share:.0%} in the {CHANGE_DAYS} days before"
        out.append(
            {
                "metric": "top_model_share",
                "model": model,
                "current": share,
                "previous": prev_share,
                "change": None if prev_share is None else share - prev_share,
                "sentence": f"Top model by spend: {model} with {share:.0%} of spend in the last "
                f"{CHANGE_DAYS} days, {tail}.",
            }
        )
    return out


def _parallel(*thunks: Callable[[], Any]) -> list[Any]:
    """Run independent loaders at once (the store hands each its own client)."""
    with ThreadPoolExecutor(max_workers=min(4, len(thunks))) as pool:
        futures = [pool.submit(t) for t in thunks]
        return [f.result() for f in futures]


def telemetry_widgets(
    store,
    filters: Filters,
    budgets: Mapping[str, float | None],
    threshold_ms: float = DEFAULT_THRESHOLD_MS,
    now: datetime | None = None,
) -> dict:
    """The five monitoring widgets of the overview and what changed since last week.

    Each widget has ``title``, ``value`` (its headline number), ``level``
    (status), ``rule`` (how the level is decided), ``trend``
    (:func:`trend_json` over the window: direction, arrow, slope, p-value) and
    ``page`` (URL path of its page), plus its details:

    * ``error_rate``: the last day's error rate (as :func:`error_monitor`), the
      window's, the trend of the rate per day (per hour for windows under 7
      days), recovery;
    * ``cost_burn``: spend today vs the daily budget, $/hour, projections, alert
      level (all from :func:`cost_burnrate`), trend of the daily spend;
    * ``timeout_risk``: p95 per model vs ``threshold_ms``, risk level
      (:func:`analytics.errors.assess_timeout_risk`), trend of the daily p95;
    * ``tool_sequences``: the top workflow, the costliest loop (back-and-forth,
      repeat run or edit-fail-edit, by attributed cost) and a suggestion, trend
      of the daily share of failed tool calls;
    * ``model_efficiency``: spend share per model, potential savings of moving
      small requests to a cheaper model (re-priced), trend of the cost per
      priced request.

    ``changes`` are plain sentences comparing the 7 days up to now with the 7
    days before (spend, requests, error rate, top model's share);
    ``change_numbers`` the same with their numbers (:func:`week_changes`).
    """
    now_ = effective_now(filters, now)
    freq = error_freq(filters)
    burn, daily, recovery, by_model, weeks, hourly = _parallel(
        lambda: cost_burnrate(store, filters, budgets, now=_py(now_)),
        lambda: load_daily_activity(store, filters),
        lambda: errors.recovery_summary(errors.load_recovery(store, filters)),
        lambda: errors.load_latency_by_model(store, filters, threshold_ms),
        lambda: load_week_activity(store, filters, _py(now_)),
        lambda: errors.load_error_series(store, filters, "hour") if freq == "hour" else None,
    )
    tool_w, model_w = _parallel(
        lambda: tool_widget(store, filters, daily),
        lambda: model_widget(store, filters, daily),
    )
    series = daily_error_series(daily) if hourly is None else hourly
    last = _day_counts(series, now_, filters.tz)
    risk = errors.assess_timeout_risk(
        by_model, pd.DataFrame(columns=errors.HOUR_COLUMNS), threshold_ms, tz=filters.tz
    )
    risk_j = _risk_json(risk, threshold_ms)
    worst = risk_j["models"][0] if risk_j["models"] else None
    timed = daily[daily["timed_requests"] > 0] if not daily.empty else daily
    changes = week_changes(weeks)
    day_budget = burn["budgets"]["day"]
    return {
        "now": _iso(now_),
        "tz": filters.tz,
        "window": {"start": _iso(filters.start), "end": _iso(filters.end)},
        "error_rate": {
            "title": "Error Rate Monitor",
            "value": last["error_rate"],
            "last_day": last,
            "window": error_counts(series),
            "recovery": _recovery_json(recovery),
            "level": _level_by(last["error_rate"], ERROR_RATE_LEVELS),
            "rule": ERROR_RATE_RULE,
            "trend": trend_json(errors.error_trend(series), f"API error rate per {freq}"),
            "page": PAGES["error_rate"],
        },
        "cost_burn": {
            "title": "Cost Burn Rate Tracker",
            "value": burn["current_cost"],
            "current_cost": burn["current_cost"],
            "budget": burn["budget"]["day"],
            "percent_of_budget": day_budget["percent_used"] if day_budget else None,
            "burn_rate": burn["burn_rate"],
            "projection": burn["projection"],
            "alerts": burn["alerts"],
            "level": burn["status"],
            "rule": day_budget["rule"] if day_budget else "no daily budget set",
            "trend": trend_json(
                _fit(daily["bucket"], daily["cost_usd"], fill_days=True) if not daily.empty else None,
                "spend per day",
            ),
            "page": PAGES["cost_burn"],
        },
        "timeout_risk": {
            "title": "Timeout Risk Assessment",
            "value": worst["p95_ms"] if worst else None,
            "model": worst["model"] if worst else None,
            "threshold_ms": float(threshold_ms),
            "models": risk_j["models"],
            "level": risk_j["level"],
            "rule": risk_j["rule"],
            "n_missing": risk_j["n_missing"],
            "trend": trend_json(
                _fit(timed["bucket"], timed["p95_ms"]) if not timed.empty else None,
                "p95 request duration per day",
            ),
            "page": PAGES["timeout_risk"],
        },
        "tool_sequences": tool_w,
        "model_efficiency": model_w,
        "changes": [c["sentence"] for c in changes],
        "change_numbers": changes,
    }


# ---------------------------------------------------------------------------
# health
def _app_version() -> str | None:
    try:
        return version("cc-telemetry-analytics")
    except PackageNotFoundError:
        path = Path(__file__).resolve().parents[1] / "pyproject.toml"
        try:
            return tomllib.loads(path.read_text())["project"]["version"]
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return None


def _package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def health(store) -> dict:
    """Is the store usable, what does it hold, and which versions run.

    Returns
    -------
    dict
        ``status`` ("ok" or "error"), ``store`` (``kind``, ``location``,
        ``readonly``), ``events`` (count in the ``telemetry`` view),
        ``events_by_source``, ``first_event`` / ``last_event`` (UTC),
        ``last_ingest`` (``kind``, ``started``, ``finished`` of the latest
        ingest run, None without one) and ``versions`` (app, schema,
        clickhouse, python and the main packages). With status "error",
        ``error`` says what failed instead of the data fields.
    """
    out: dict[str, Any] = {
        "status": "ok",
        "store": {"kind": store.kind, "location": store.location, "readonly": bool(store.readonly)},
    }
    try:
        events = store.rows("status_events")
        runs = store.rows("status_last_runs", n=1)
        schema = store.rows("status_schema_version")
        server = store.server_version()
    except Exception as exc:  # any failure of the store is the answer, not a crash
        return {**out, "status": "error", "error": f"{type(exc).__name__}: {exc}"}
    by_source: dict[str, int] = {}
    for source, _event, n, _first, _last in events:
        by_source[source] = by_source.get(source, 0) + int(n)
    firsts = [r[3] for r in events]
    lasts = [r[4] for r in events]
    out.update(
        events=sum(by_source.values()),
        events_by_source=by_source,
        first_event=_iso(min(firsts)) if firsts else None,
        last_event=_iso(max(lasts)) if lasts else None,
        last_ingest=(
            {"kind": runs[0][2], "started": _iso(runs[0][0]), "finished": _iso(runs[0][1])} if runs else None
        ),
        versions={
            "app": _app_version(),
            "schema": schema[0][0] if schema else None,
            "clickhouse": server,
            "python": platform.python_version(),
            **{
                name: _package_version(name)
                for name in ("streamlit", "chdb", "clickhouse-connect", "genai-prices")
            },
        },
    )
    return out


# ---------------------------------------------------------------------------
# frames for the pages
def period_totals(series: pd.DataFrame) -> dict:
    """Totals of a :func:`analytics.costs.load_cost_series` frame.

    Returns
    -------
    dict
        ``spend`` (USD, priced requests), ``requests``, ``unpriced_requests``,
        ``tokens`` and ``cost_per_request`` (USD per priced request; None
        without one). Zeros for an empty frame.
    """
    if series is None or series.empty:
        return {"spend": 0.0, "requests": 0, "unpriced_requests": 0, "tokens": 0, "cost_per_request": None}
    spend = float(series["cost_usd"].sum())
    requests, unpriced = int(series["requests"].sum()), int(series["unpriced_requests"].sum())
    priced = requests - unpriced
    return {
        "spend": spend,
        "requests": requests,
        "unpriced_requests": unpriced,
        "tokens": int(series["tokens"].sum()),
        "cost_per_request": spend / priced if priced else None,
    }


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


@dataclass(frozen=True)
class CostProvenance:
    """Where costs come from (:func:`cost_provenance`).

    ``by_source``: ``cost_source`` (reported / computed / unpriced), ``requests``,
    ``share`` (of requests), ``cost_usd`` (USD; NaN for unpriced requests, whose
    cost is unknown, not zero), ``tokens``, ``models`` (comma-separated). ``unpriced_models``
    are the models with at least one request without a price.
    """

    requests: int
    unpriced_requests: int
    unpriced_models: tuple[str, ...]
    by_source: pd.DataFrame = field(compare=False, repr=False)


def load_cost_provenance(store, filters: Filters) -> pd.DataFrame:
    """Requests, unpriced requests, cost (USD) and tokens per (``cost_source``, ``model``)."""
    cols = ["cost_source", "model", "requests", "unpriced_requests", "cost_usd", "tokens"]
    df = store.query("api_cost_provenance", **filters.params())
    return df if len(df.columns) else pd.DataFrame(columns=cols)


def cost_provenance(frame: pd.DataFrame) -> CostProvenance | None:
    """Summarise :func:`load_cost_provenance` by cost source; None without requests."""
    if frame is None or frame.empty:
        return None
    n = int(frame["requests"].sum())
    g = frame.groupby("cost_source", sort=True)
    by = pd.DataFrame(
        {
            "requests": g["requests"].sum().astype("int64"),
            "cost_usd": g["cost_usd"].sum().astype("float64"),
            "tokens": g["tokens"].sum().astype("int64"),
            "models": g["model"].agg(lambda s: ", ".join(sorted(set(s)))),
        }
    ).reset_index()
    by.insert(2, "share", by["requests"] / n)
    by.loc[by["cost_source"] == "unpriced", "cost_usd"] = np.nan  # unknown, not $0
    unpriced = frame[frame["unpriced_requests"] > 0]
    return CostProvenance(
        requests=n,
        unpriced_requests=int(frame["unpriced_requests"].sum()),
        unpriced_models=tuple(sorted(set(unpriced["model"]))),
        by_source=by.sort_values(["requests", "cost_source"], ascending=[False, True]).reset_index(drop=True),
    )


DEDUP_COLUMNS = [
    "started",
    "finished",
    "kind",
    "files_read",
    "lines",
    "new_events",
    "duplicate_content_block",
    "sidechain_replay",
    "already_in_store",
    "otel_records",
    "otel_duplicates",
]


def load_ingest_runs(store, n: int = 20) -> pd.DataFrame:
    """The latest ``n`` ingest runs, newest first: ``started``, ``finished`` (UTC), ``kind``, ``report`` (dict)."""
    rows = store.rows("status_last_runs", n=int(n))
    reports = []
    for _s, _f, _k, text in rows:
        try:
            value = json.loads(text) if text else {}
        except ValueError:
            value = {}
        reports.append(value if isinstance(value, dict) else {})
    return pd.DataFrame(
        {
            "started": pd.to_datetime([r[0] for r in rows], utc=True),
            "finished": pd.to_datetime([r[1] for r in rows], utc=True),
            "kind": [str(r[2]) for r in rows],
            "report": reports,
        }
    )


def dedup_audit(runs: pd.DataFrame) -> pd.DataFrame:
    """What each ingest run dropped as duplicates, from its stored report.

    Returns
    -------
    DataFrame
        :data:`DEDUP_COLUMNS`, one row per run in the order given: JSONL runs
        report ``duplicate_content_block`` (repeated lines of one API response),
        ``sidechain_replay`` (a subagent replaying its parent's message) and
        ``already_in_store`` (events read again); OTel imports report
        ``otel_records`` and ``otel_duplicates``. Counts a run did not report
        are missing (<NA>), not 0.
    """
    rows = []
    for r in runs.itertuples(index=False):
        rep = r.report if isinstance(r.report, dict) else {}
        dedup = rep.get("dedup") or {}
        otel = rep.get("otel") or (rep if r.kind == "otel" else {})
        new = rep.get("new_events")
        rows.append(
            {
                "started": r.started,
                "finished": r.finished,
                "kind": r.kind,
                "files_read": rep.get("files_read", otel.get("files")),
                "lines": rep.get("lines"),
                "new_events": sum(new.values()) if isinstance(new, dict) else None,
                "duplicate_content_block": dedup.get("duplicate_content_block"),
                "sidechain_replay": dedup.get("sidechain_replay"),
                "already_in_store": dedup.get("already_in_store"),
                "otel_records": otel.get("records"),
                "otel_duplicates": otel.get("duplicates"),
            }
        )
    out = pd.DataFrame(rows, columns=DEDUP_COLUMNS)
    for c in DEDUP_COLUMNS[3:]:
        out[c] = pd.array(out[c].tolist(), dtype="Int64") if len(out) else pd.array([], dtype="Int64")
    return out


def load_duration_histogram(store, filters: Filters, per_decade: int = 10) -> pd.DataFrame:
    """api_request durations per model on a log scale (``api_duration_histogram.sql``).

    Returns
    -------
    DataFrame
        ``model``, ``bin``, ``low_ms`` / ``high_ms`` (bin edges:
        ``10^(bin / per_decade)``, ``10^((bin + 1) / per_decade)`` ms), ``n``.
        Empty without durations.
    """
    cols = ["model", "bin", "low_ms", "high_ms", "n"]
    df = store.query("api_duration_histogram", per_decade=int(per_decade), **filters.params())
    if df.empty:
        return pd.DataFrame(columns=cols)
    b = df["bin"].to_numpy(dtype="float64")
    df["low_ms"] = 10 ** (b / per_decade)
    df["high_ms"] = 10 ** ((b + 1) / per_decade)
    return df[cols]


def load_recent_errors(store, filters: Filters, limit: int = 100) -> pd.DataFrame:
    """The latest ``limit`` API errors and failed tool calls, newest first (``api_recent_errors.sql``).

    Returns
    -------
    DataFrame
        ``ts`` (UTC), ``event``, ``session_id``, ``model``, ``tool``,
        ``status_code``, ``error_type``, ``error_text`` (at most 500 characters;
        transcript text, show it as plain text).
    """
    cols = ["ts", "event", "session_id", "model", "tool", "status_code", "error_type", "error_text"]
    df = store.query("api_recent_errors", limit=int(limit), **filters.params())
    if df.empty:
        return pd.DataFrame(columns=cols)
    df.insert(0, "ts", pd.to_datetime(df.pop("ts_ms").astype("int64"), unit="ms", utc=True))
    return df[cols]


# ---------------------------------------------------------------------------
# HTTP routes
def _store_errors() -> tuple[type[BaseException], ...]:
    from clickhouse_connect.driver.exceptions import ClickHouseError

    from analytics.store import StoreError

    return (StoreError, ClickHouseError, OSError)


def _build_widgets(store, filters: Filters, q: ApiQuery) -> dict:
    return telemetry_widgets(store, filters, q.budgets, q.threshold_ms)


def _build_burn(store, filters: Filters, q: ApiQuery) -> dict:
    return cost_burnrate(store, filters, q.budgets, window_hours=q.window_hours)


def _build_errors(store, filters: Filters, q: ApiQuery) -> dict:
    return error_monitor(store, filters, q.threshold_ms)


class AnswerCache:
    """Recent answers of the JSON routes, so a burst of identical requests is computed once.

    An answer is reused for ``ttl`` seconds after it was computed (0: never
    reused); a request arriving while the same answer is being computed waits
    for it instead of computing it again. A failure is not kept: the requests
    waiting for it get the same error, the next one computes afresh. Keys are
    whatever identifies a request (the route and its query string).
    """

    def __init__(self, ttl: float, clock: Callable[[], float] = monotonic):
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._answers: dict[Any, tuple[float, Future]] = {}

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        if self.ttl <= 0:
            return compute()
        with self._lock:
            now = self._clock()
            for k in [k for k, (expires, _) in self._answers.items() if expires <= now]:
                del self._answers[k]
            known = self._answers.get(key)
            if known is None:
                future: Future = Future()
                self._answers[key] = (float("inf"), future)  # in progress: never expires
        if known is not None:
            return known[1].result()  # computed, or being computed by another request
        try:
            future.set_result(compute())
        except BaseException as exc:
            with self._lock:
                self._answers.pop(key, None)
            future.set_exception(exc)
            raise
        with self._lock:
            if self._answers.get(key, (0, None))[1] is future:
                self._answers[key] = (self._clock() + self.ttl, future)
        return future.result()


def _answer(store_provider: Callable[[], Any], query: ApiQuery, build) -> dict:
    store = store_provider()
    result = build(store, query.filters(data_bounds(store, query.tz)), query)
    store.release_memory()
    return result


NO_TOKEN_CONFIGURED = (
    "This hosted API needs a bearer token, but none is configured: set ANALYTICS_API_TOKEN "
    "or api_token in the secrets, restart the app and send 'Authorization: Bearer <token>'."
)
"""The 401 answer of a hosted API without a configured token (every route but health)."""


def check_bearer(authorization: str | None, token: str | None, required: bool = False) -> str | None:
    """Whether a request's ``Authorization`` header lets it through: None if so, else why not.

    Parameters
    ----------
    authorization : str or None
        The request's ``Authorization`` header (``Bearer <token>``, the scheme
        in any case).
    token : str or None
        The configured token; None when there is none.
    required : bool
        A token is needed even when none is configured (hosted view): every
        request is then refused with :data:`NO_TOKEN_CONFIGURED`.

    The comparison is constant-time (``hmac.compare_digest`` on the UTF-8
    bytes), so the answer's timing does not reveal how much of a guess matched.
    No token and not required: every request passes (local use).
    """
    if token is None:
        return NO_TOKEN_CONFIGURED if required else None
    scheme, _, sent = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not sent.strip():
        return "This API needs a bearer token: send 'Authorization: Bearer <token>'."
    if not hmac.compare_digest(sent.strip().encode(), token.encode()):
        return "The bearer token is not valid."
    return None


def routes(
    store_provider: Callable[[], Any],
    token: str | None = None,
    *,
    require_token: bool = False,
    text_allowed: bool = True,
    cache_seconds: float = 0.0,
) -> list:
    """The JSON API as starlette routes, for ``st.App(..., routes=routes(get_store))``.

    ``GET /api/telemetry-widgets``, ``/api/telemetry/cost-burnrate``,
    ``/api/telemetry/error-monitor`` (query parameters: :func:`parse_params`)
    and ``/api/health``; the API only reads (there is no ingest, demo or
    refresh route). ``store_provider()`` gives the store; store work runs in
    a worker thread. Status codes: 200 with the builder's JSON; 400 with
    ``{"error", "parameter"}`` for a bad parameter; 503 with ``{"error"}`` when
    the store cannot be reached or a query fails (health: its own JSON with
    ``status`` "error").

    Access (:func:`check_bearer`): with a ``token``, or with ``require_token``
    (hosted view), a request without ``Authorization: Bearer <token>`` gets
    401 with ``{"error"}`` and a ``WWW-Authenticate: Bearer`` header - except
    ``/api/health``, which then answers only ``{"status"}`` (for load
    balancers) and its full JSON to a valid token. Without ``text_allowed``
    every transcript text in an answer (keys of
    :data:`analytics.privacy.TEXT_COLUMNS`) reads ``"(hidden)"``.

    With ``cache_seconds`` > 0 an answer is reused for that long by requests
    to the same route with the same query string, and identical requests
    arriving together are computed once (:class:`AnswerCache`); the answer's
    ``now`` says when it was computed. Health is never reused.
    """
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from analytics.privacy import redact_json

    store_errors = _store_errors()
    guarded = token is not None or require_token
    answers = AnswerCache(cache_seconds)

    def respond(payload: Any, status: int = 200) -> JSONResponse:
        return JSONResponse(jsonable(payload), status_code=status)

    def refusal(request) -> str | None:
        return check_bearer(request.headers.get("authorization"), token, require_token) if guarded else None

    def unauthorized(request, reason: str) -> JSONResponse:
        challenge = 'Bearer realm="telemetry-api"'
        if token is not None and request.headers.get("authorization"):
            challenge += ', error="invalid_token"'
        return JSONResponse({"error": reason}, status_code=401, headers={"WWW-Authenticate": challenge})

    def endpoint(build):
        async def handler(request):
            reason = refusal(request)
            if reason is not None:
                return unauthorized(request, reason)
            try:
                query = parse_params(request.query_params)
            except ParamError as exc:
                return respond({"error": str(exc), "parameter": exc.parameter}, 400)
            key = (request.url.path, tuple(sorted(request.query_params.multi_items())))
            try:
                result = await run_in_threadpool(
                    answers.get, key, lambda: _answer(store_provider, query, build)
                )
            except store_errors as exc:
                return respond({"error": f"The telemetry store is unavailable: {exc}"}, 503)
            return respond(result if text_allowed else redact_json(jsonable(result)))

        return handler

    async def health_handler(request):
        def work() -> dict:
            try:
                store = store_provider()
            except store_errors as exc:
                return {
                    "status": "error",
                    "store": None,
                    "error": f"The telemetry store is unavailable: {exc}",
                }
            return health(store)

        result = await run_in_threadpool(work)
        status = 200 if result["status"] == "ok" else 503
        if refusal(request) is not None:
            return respond({"status": result["status"]}, status)
        return respond(result, status)

    return [
        Route("/api/telemetry-widgets", endpoint(_build_widgets), methods=["GET"]),
        Route("/api/telemetry/cost-burnrate", endpoint(_build_burn), methods=["GET"]),
        Route("/api/telemetry/error-monitor", endpoint(_build_errors), methods=["GET"]),
        Route("/api/health", health_handler, methods=["GET"]),
    ]
