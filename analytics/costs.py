"""Spend: series, burn rate, projections, budgets, alerts, usage blocks, efficiency.

Every figure is computed from the recorded requests with a stated method, and
every result carries what a page needs to explain it (n, window, method):

* burn rate: total cost in a window / window hours, with an interval from the
  spread of equal sub-windows (:func:`burn_rate`);
* projections to the end of the usage block, the day and the month
  (:func:`project_spend`), the month part with the same daily model that
  :func:`backtest_daily_forecast` scores on the user's own history;
* budget levels, cost acceleration, 5-hour usage blocks,
  an efficiency score with an explicit definition, and a reconciliation of the
  two sources (JSONL transcripts vs OpenTelemetry) per request.

Loaders (``load_*``) run one named query each; aggregation happens in
ClickHouse. Times come back as tz-aware pandas Timestamps: instants in UTC
(``ts``), buckets in the reporting zone ``filters.tz``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from analytics import rollups
from analytics.filters import Filters
from analytics.trends import ols_sum_interval
from analytics.usage import TOKEN_COLUMNS

FREQS = ("hour", "day")
PERIODS = ("day", "week", "month")
BY = ("model", "project", "repository", "user", "session")
LEVELS = ("OK", "INFO", "WARNING", "CRITICAL", "EMERGENCY")
DEFAULT_THRESHOLDS = (0.5, 0.75, 0.9, 1.0)
BLOCK_HOURS = 5
CHEAP_MODEL = "claude-haiku-4-5"
LIGHT_MAX_OUTPUT_TOKENS = 1_000
LIGHT_MAX_INPUT_TOKENS = 100_000
HISTORY_DAYS = 28


# ---------------------------------------------------------------------------
# time helpers
def _utc(ts) -> pd.Timestamp:
    t = pd.Timestamp(ts)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def _from_epoch(values, unit: str, tz: str) -> pd.Series:
    return pd.Series(pd.to_datetime(np.asarray(values, dtype="int64"), unit=unit, utc=True)).dt.tz_convert(tz)


def _utc_series(values: pd.Series) -> pd.Series:
    ts = pd.to_datetime(values)
    return ts.dt.tz_localize("UTC") if ts.dt.tz is None else ts.dt.tz_convert("UTC")


def _event_times(events: pd.DataFrame) -> pd.Series:
    return _utc_series(events["ts"])


def _ns(ts: pd.Series) -> np.ndarray:
    """UTC instants as int64 nanoseconds since the epoch."""
    return pd.DatetimeIndex(ts).as_unit("ns").asi8


# ---------------------------------------------------------------------------
# loaders
SERIES_COLUMNS = [
    "bucket",
    "requests",
    "unpriced_requests",
    "cost_usd",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "tokens",
]
BY_COLUMNS = ["bucket", "key", "requests", "unpriced_requests", "cost_usd", "tokens"]
REQUEST_COLUMNS = [
    "ts_ms",
    "session_id",
    "model",
    "cost_usd",
    "cost_source",
    *TOKEN_COLUMNS,
    "tokens",
]


def _run(store, name: str, columns: list[str], **params) -> pd.DataFrame:
    """Run a named query; an empty result keeps its documented columns."""
    df = store.query(name, **params)
    return df if len(df.columns) else pd.DataFrame(columns=columns)


def load_cost_series(store, filters: Filters, freq: str = "day") -> pd.DataFrame:
    """Spend per hour or day of the reporting zone, with empty buckets filled with zeros.

    Parameters
    ----------
    freq : {"hour", "day"}

    Returns
    -------
    DataFrame
        ``bucket`` (tz-aware Timestamp in ``filters.tz``: start of the local hour
        or local midnight), ``requests``, ``unpriced_requests``, ``cost_usd`` (USD,
        priced requests only), ``input_tokens``, ``output_tokens``,
        ``cache_read_tokens``, ``cache_write_tokens``, ``tokens`` (all four).
        Buckets between the first and the last one with data are all present.
        Empty when there is no request.
    """
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {FREQS}")
    name = rollups.query_name(store, filters, "costs_series")
    df = _run(store, name, SERIES_COLUMNS, freq=freq, **filters.params())
    if df.empty:
        return df
    df["bucket"] = _from_epoch(df["bucket"], "s", filters.tz)
    df = df.set_index("bucket")
    first, last = df.index[0], df.index[-1]
    if freq == "hour":
        full = pd.date_range(first, last, freq="h")
    else:
        days = pd.date_range(
            first.tz_localize(None).normalize(), last.tz_localize(None).normalize(), freq="D"
        )
        full = pd.DatetimeIndex(days.tz_localize(filters.tz, ambiguous=True, nonexistent="shift_forward"))
    df = df.reindex(full.union(df.index)).fillna(0)
    for c in df.columns:
        if c != "cost_usd":
            df[c] = df[c].astype("int64")
    df.index.name = "bucket"
    return df.reset_index()


def load_costs_by(store, filters: Filters, period: str = "day", by: str | None = None) -> pd.DataFrame:
    """Spend per day / ISO week (from Monday) / month of the reporting zone, optionally per key.

    Parameters
    ----------
    period : {"day", "week", "month"}
    by : {"model", "project", "repository", "user", "session"} or None
        Split of each period; None gives one row per period (``key`` is "").

    Returns
    -------
    DataFrame
        ``bucket`` (tz-aware period start in ``filters.tz``), ``key``, ``requests``,
        ``unpriced_requests``, ``cost_usd`` (USD), ``tokens``, ``share`` (of the
        period's cost, 0 when the period cost nothing). Sorted by period, then cost.
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}")
    if by is not None and by not in BY:
        raise ValueError(f"by must be None or one of {BY}")
    name = "costs_by" if by == "session" else rollups.query_name(store, filters, "costs_by")
    df = _run(store, name, BY_COLUMNS, period=period, by=by or "", **filters.params())
    if df.empty:
        return pd.DataFrame(columns=[*BY_COLUMNS, "share"])
    df["bucket"] = _from_epoch(df["bucket"], "s", filters.tz)
    total = df.groupby("bucket")["cost_usd"].transform("sum")
    df["share"] = np.where(total > 0, df["cost_usd"] / total.where(total > 0, 1.0), 0.0)
    return df


def load_request_costs(store, filters: Filters) -> pd.DataFrame:
    """One row per api_request, in time order.

    Returns
    -------
    DataFrame
        ``ts`` (tz-aware UTC), ``session_id``, ``model``, ``cost_usd`` (USD, NaN
        when unpriced), ``cost_source``, the five token columns and ``tokens``
        (their sum). Narrow on purpose (400k requests load in about 1 s); cut
        it with ``filters``.
    """
    df = _run(store, "costs_requests", REQUEST_COLUMNS, **filters.params())
    df.insert(0, "ts", pd.to_datetime(df["ts_ms"].astype("int64"), unit="ms", utc=True))
    return df.drop(columns="ts_ms")


REQUEST_HOUR_COLUMNS = ["hour", "first_ts", "last_ts", "requests", "unpriced_requests", "cost_usd", "tokens"]


def load_request_hours(store, filters: Filters) -> pd.DataFrame:
    """The api_requests per UTC hour, what :func:`usage_blocks` needs at any size.

    Returns
    -------
    DataFrame
        One row per UTC hour with a request, in time order:
        :data:`REQUEST_HOUR_COLUMNS` - ``hour``, ``first_ts`` and ``last_ts``
        (its first and last request; tz-aware UTC), ``requests``,
        ``unpriced_requests``, ``cost_usd`` (priced requests only, USD) and
        ``tokens``. A month of a team's requests is a few hundred rows where
        :func:`load_request_costs` holds millions (2M at 10M events: 1.4 s and
        over a GiB; this: 0.13 s, 12 ms from the hourly rollup, which it reads for the window's
        whole hours when it answers).
    """
    columns = ["hour", "first_ms", "last_ms", *REQUEST_HOUR_COLUMNS[3:]]
    name, params = rollups.query_name(store, filters, "costs_request_hours"), filters.params()
    inside = rollups.whole_hours_inside(store, filters) if name == "costs_request_hours" else None
    if inside is not None:  # the window's whole hours from the totals, its partial ones from the events
        first, split = inside
        name, params = "costs_request_hours_split", params | {"first": first, "split": split}
    df = _run(store, name, columns, **params)
    return pd.DataFrame(
        {
            "hour": pd.to_datetime(df["hour"].astype("int64"), unit="s", utc=True),
            "first_ts": pd.to_datetime(df["first_ms"].astype("int64"), unit="ms", utc=True),
            "last_ts": pd.to_datetime(df["last_ms"].astype("int64"), unit="ms", utc=True),
            "requests": df["requests"].astype("int64"),
            "unpriced_requests": df["unpriced_requests"].astype("int64"),
            "cost_usd": df["cost_usd"].astype("float64"),
            "tokens": df["tokens"].astype("int64"),
        },
        columns=REQUEST_HOUR_COLUMNS,
    )


def request_hours(events: pd.DataFrame) -> pd.DataFrame:
    """Requests (``ts``, ``cost_usd`` with NaN = unpriced, ``tokens``) per UTC hour, as
    :func:`load_request_hours` returns them."""
    if events is None or events.empty:
        return pd.DataFrame(columns=REQUEST_HOUR_COLUMNS)
    ts = _event_times(events)
    cost = pd.to_numeric(events["cost_usd"], errors="coerce")
    rows = pd.DataFrame(
        {
            "hour": ts.dt.floor("h"),
            "first_ts": ts,
            "last_ts": ts,
            "requests": 1,
            "unpriced_requests": cost.isna().astype("int64"),
            "cost_usd": cost.fillna(0.0),
            "tokens": pd.to_numeric(events["tokens"], errors="coerce").fillna(0).astype("int64"),
        }
    )
    sums = dict.fromkeys(REQUEST_HOUR_COLUMNS[3:], "sum")
    return rows.groupby("hour").agg({"first_ts": "min", "last_ts": "max", **sums}).reset_index()


# ---------------------------------------------------------------------------
# burn rate
@dataclass(frozen=True)
class BurnRate:
    """Spend rate over the window ``(start, end]``.

    ``per_hour`` is total cost / window hours (USD per hour) and
    ``tokens_per_minute`` total tokens / window minutes. The window is cut into
    ``bins`` equal sub-windows (at most ``bin_minutes`` long, one hour by default); ``per_hour_low``/``_high`` is
    the t interval (``bins - 1`` df) of their mean rate (an intercept-only
    regression on the hourly series; None with one bin) and
    ``trend_per_hour`` the OLS line through the bin rates evaluated at the last
    bin, with its interval (None with fewer than 3 bins).
    """

    start: pd.Timestamp
    end: pd.Timestamp
    window_hours: float
    cost_usd: float
    tokens: int
    requests: int
    unpriced_requests: int
    per_hour: float
    per_hour_low: float | None
    per_hour_high: float | None
    tokens_per_minute: float
    bins: int
    bin_minutes: float
    trend_per_hour: float | None
    trend_low: float | None
    trend_high: float | None
    level: float
    method: str


def burn_rate(
    events: pd.DataFrame, window: timedelta, now: datetime, level: float = 0.95, bin_minutes: float = 60.0
) -> BurnRate | None:
    """Measured spend rate over the last ``window`` before ``now``.

    Parameters
    ----------
    events : DataFrame
        Requests with ``ts`` (UTC instants; naive values are read as UTC),
        ``cost_usd`` (USD; NaN = unpriced, excluded from cost and counted) and
        ``tokens``.
    window : timedelta
        Length of the window ``(now - window, now]``.
    now : datetime
        End of the window (naive = UTC).
    level : float
        Confidence of the intervals.
    bin_minutes : float
        Longest sub-window: the window is cut into ``ceil(window / bin_minutes)``
        equal parts whose rates give the intervals.

    Returns
    -------
    BurnRate or None
        None when the window or ``bin_minutes`` is not positive or the window
        holds no request.

    Examples
    --------
    $3.00 spent in a 90-minute window is $2.00 per hour.
    """
    from scipy import stats  # imported on first use: it costs ~0.7 s

    hours = window.total_seconds() / 3600.0
    if hours <= 0 or bin_minutes <= 0 or events is None or events.empty:
        return None
    end = _utc(now)
    start = end - pd.Timedelta(window)
    ts = _event_times(events)
    inside = ((ts > start) & (ts <= end)).to_numpy()
    if not inside.any():
        return None
    cost = pd.to_numeric(events["cost_usd"], errors="coerce").to_numpy(dtype="float64")[inside]
    tokens = pd.to_numeric(events["tokens"], errors="coerce").fillna(0).to_numpy(dtype="float64")[inside]
    priced = ~np.isnan(cost)
    total = float(cost[priced].sum())
    k = max(1, math.ceil(hours * 60.0 / bin_minutes - 1e-9))
    bin_h = hours / k
    offs = (ts[inside] - start).dt.total_seconds().to_numpy() / 3600.0
    idx = np.minimum(np.ceil(offs / bin_h).astype("int64") - 1, k - 1).clip(0)
    rates = np.bincount(idx[priced], weights=cost[priced], minlength=k) / bin_h
    low = high = None
    t_rate = t_low = t_high = None
    if k >= 2:
        sd = float(np.std(rates, ddof=1))
        half = float(stats.t.ppf(0.5 + level / 2, k - 1)) * sd / math.sqrt(k)
        low, high = max(0.0, total / hours - half), total / hours + half
    if k >= 3:
        x = np.arange(k, dtype="float64")
        slope, intercept = np.polyfit(x, rates, 1)
        t_rate = float(intercept + slope * (k - 1))
        resid = rates - (intercept + slope * x)
        s = math.sqrt(float(resid @ resid) / (k - 2))
        lever = 1.0 / k + (k - 1 - x.mean()) ** 2 / float(((x - x.mean()) ** 2).sum())
        half = float(stats.t.ppf(0.5 + level / 2, k - 2)) * s * math.sqrt(lever)
        t_low, t_high = max(0.0, t_rate - half), t_rate + half
    return BurnRate(
        start=start,
        end=end,
        window_hours=hours,
        cost_usd=total,
        tokens=int(tokens.sum()),
        requests=int(inside.sum()),
        unpriced_requests=int((~priced).sum()),
        per_hour=total / hours,
        per_hour_low=low,
        per_hour_high=high,
        tokens_per_minute=float(tokens.sum()) / (hours * 60.0),
        bins=k,
        bin_minutes=bin_h * 60.0,
        trend_per_hour=t_rate,
        trend_low=t_low,
        trend_high=t_high,
        level=level,
        method=(
            "total cost in (now - window, now] / window hours; interval: t interval of the mean rate of "
            f"{k} equal sub-windows; trend: OLS through the sub-window rates at the last one"
        ),
    )


# ---------------------------------------------------------------------------
# daily forecast, shared by project_spend and the backtest
def _complete_daily(daily: pd.Series) -> pd.Series:
    """Daily values with missing days filled with 0, indexed by naive local dates."""
    s = pd.Series(daily).dropna()
    if s.empty:
        return s.astype("float64")
    idx = pd.DatetimeIndex(s.index)
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    s = pd.Series(s.to_numpy(dtype="float64"), index=idx.normalize()).groupby(level=0).sum()
    full = pd.date_range(s.index[0], s.index[-1], freq="D")
    return s.reindex(full, fill_value=0.0)


def _day_numbers(idx: pd.DatetimeIndex) -> np.ndarray:
    return ((idx - idx[0]) / pd.Timedelta(days=1)).to_numpy(dtype="float64")


DAILY_METHOD = (
    "OLS line through the last {days} daily totals (days without requests count as $0), extended to the "
    "forecast days; interval: OLS prediction interval (t, n-2 df); values below $0 are cut to $0"
)


def forecast_daily(
    daily: pd.Series, horizon: int = 7, history_days: int = HISTORY_DAYS, level: float = 0.95
) -> pd.DataFrame:
    """Forecast the next ``horizon`` daily totals from the daily history.

    Parameters
    ----------
    daily : Series
        Daily totals (USD) indexed by day (dates or local-midnight Timestamps);
        missing days count as 0.
    horizon : int
        Days after the last day to forecast.
    history_days : int
        The line is fitted to at most this many most recent days.

    Returns
    -------
    DataFrame
        ``day`` (naive local date), ``mean``, ``low``, ``high`` (USD, cut at 0).
        Empty with fewer than 3 days of history.
    """
    s = _complete_daily(daily).iloc[-history_days:]
    cols = ["day", "mean", "low", "high"]
    if len(s) < 3 or horizon < 1:
        return pd.DataFrame(columns=cols)
    x = _day_numbers(s.index)
    y = s.to_numpy()
    rows = []
    for h in range(1, horizon + 1):
        r = ols_sum_interval(x, y, np.array([x[-1] + h]), np.array([1.0]), level=level)
        if r is None:
            return pd.DataFrame(columns=cols)
        mean, low, high = (max(0.0, float(v)) for v in r)
        rows.append((s.index[-1] + pd.Timedelta(days=h), mean, low, high))
    return pd.DataFrame(rows, columns=cols)


@dataclass(frozen=True)
class Backtest:
    """Rolling-origin evaluation of :func:`forecast_daily` on a history.

    ``mae`` in USD per day; ``mape`` as a fraction (0.1 = 10%) over days whose
    actual was not 0 (None when all were); ``coverage`` the share of actual
    days inside the prediction interval; ``bias`` the mean of forecast -
    actual. ``n_origins`` forecast origins, ``n_forecasts`` (origin, day) pairs.
    """

    horizon: int
    min_train: int
    history_days: int
    n_origins: int
    n_forecasts: int
    n_mape: int
    mae: float
    mape: float | None
    coverage: float
    bias: float
    level: float
    method: str


def backtest_daily_forecast(
    daily: pd.Series,
    horizon: int = 7,
    min_train: int = 14,
    history_days: int = HISTORY_DAYS,
    level: float = 0.95,
) -> Backtest | None:
    """How well the daily projection would have done on this history.

    For every origin day ``d`` with at least ``min_train`` days up to and
    including it, forecast days ``d+1 .. d+horizon`` (those that exist) with
    :func:`forecast_daily` on data up to ``d`` only, and compare with what
    happened.

    Returns
    -------
    Backtest or None
        None when the history has no origin with a following day
        (fewer than ``min_train + 1`` days) or ``min_train < 3``.
    """
    s = _complete_daily(daily)
    n = len(s)
    if min_train < 3 or n < min_train + 1 or horizon < 1:
        return None
    errs: list[float] = []
    pct: list[float] = []
    inside: list[bool] = []
    origins = 0
    for d in range(min_train - 1, n - 1):
        fc = forecast_daily(
            s.iloc[: d + 1], horizon=min(horizon, n - 1 - d), history_days=history_days, level=level
        )
        if fc.empty:
            continue
        origins += 1
        actual = s.iloc[d + 1 : d + 1 + len(fc)].to_numpy()
        e = fc["mean"].to_numpy(dtype="float64") - actual
        errs.extend(e.tolist())
        nz = actual != 0
        pct.extend((np.abs(e[nz]) / np.abs(actual[nz])).tolist())
        tol = 1e-9 * np.maximum(1.0, np.abs(actual))
        inside.extend(
            (
                (actual >= fc["low"].to_numpy(dtype="float64") - tol)
                & (actual <= fc["high"].to_numpy(dtype="float64") + tol)
            ).tolist()
        )
    if not errs:
        return None
    a = np.asarray(errs)
    return Backtest(
        horizon=horizon,
        min_train=min_train,
        history_days=history_days,
        n_origins=origins,
        n_forecasts=len(errs),
        n_mape=len(pct),
        mae=float(np.mean(np.abs(a))),
        mape=float(np.mean(pct)) if pct else None,
        coverage=float(np.mean(inside)),
        bias=float(np.mean(a)),
        level=level,
        method="rolling origin; " + DAILY_METHOD.format(days=history_days),
    )


# ---------------------------------------------------------------------------
# projections
@dataclass(frozen=True)
class Projection:
    """Spend expected by ``end``: ``spent`` so far plus ``expected_additional``.

    ``projected``/``low``/``high`` are totals (USD) at ``end``; ``n`` is the number
    of points behind the estimate (requests in the burn window, or days of
    history).
    """

    horizon: str
    end: pd.Timestamp
    spent: float
    expected_additional: float
    projected: float
    low: float | None
    high: float | None
    n: int
    method: str


@dataclass(frozen=True)
class SpendProjection:
    """Projections to the end of the active usage block, the local day and the local month."""

    now: pd.Timestamp
    tz: str
    burn: BurnRate | None
    session: Projection | None
    day: Projection | None
    month: Projection | None


def _rate_projection(horizon: str, end: pd.Timestamp, spent: float, hours_left: float, burn: BurnRate | None):
    rate = burn.per_hour if burn else 0.0
    lo = burn.per_hour_low if burn and burn.per_hour_low is not None else None
    hi = burn.per_hour_high if burn and burn.per_hour_high is not None else None
    add = rate * hours_left
    return Projection(
        horizon=horizon,
        end=end,
        spent=spent,
        expected_additional=add,
        projected=spent + add,
        low=None if lo is None else spent + lo * hours_left,
        high=None if hi is None else spent + hi * hours_left,
        n=burn.requests if burn else 0,
        method=(
            "spent so far + current burn rate x hours left"
            + (
                f" (rate over the last {burn.window_hours:g} h; interval from the rate's interval)"
                if burn
                else " (no recent spend: rate 0)"
            )
        ),
    )


def _local_midnight(day: pd.Timestamp, tz: str) -> pd.Timestamp:
    """The start of the naive local date ``day`` in ``tz`` (the first of two midnights; a missing one moves forward)."""
    return pd.Timestamp(day).tz_localize(tz, ambiguous=True, nonexistent="shift_forward")


def _spent_between(events: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> float:
    """Cost (USD) of the requests in ``events`` from ``start`` to ``end``, both included; unpriced count as $0."""
    ts = _event_times(events)
    cost = pd.to_numeric(events["cost_usd"], errors="coerce")
    return float(cost[(ts >= start) & (ts <= end)].sum())


def _block_projection(
    events: pd.DataFrame, now_utc: pd.Timestamp, burn: BurnRate | None
) -> Projection | None:
    """The active usage block's cost so far + ``burn`` x hours to its end; None without an active block."""
    ts = _event_times(events)
    blocks = usage_blocks(events[(ts <= now_utc).to_numpy()], now_utc)
    active = blocks[blocks["active"]] if not blocks.empty else blocks
    if active.empty:
        return None
    b = active.iloc[-1]
    left = (b["block_end"] - now_utc).total_seconds() / 3600.0
    return _rate_projection("session", b["block_end"], float(b["cost_usd"]), left, burn)


def _daily_history(daily: pd.Series | None, today: pd.Timestamp) -> pd.Series:
    """Daily totals (USD) from the first day of ``daily`` to the day before ``today``, missing days as $0.

    Empty without ``daily`` or without a day before ``today``.
    """
    hist = _complete_daily(daily) if daily is not None else pd.Series([], dtype="float64")
    hist = hist[hist.index < today] if len(hist) else hist
    if len(hist):
        hist = hist.reindex(
            pd.date_range(hist.index[0], today - pd.Timedelta(days=1), freq="D"), fill_value=0.0
        )
    return hist


def _month_projection(
    hist: pd.Series,
    today: pd.Timestamp,
    tz: str,
    hours_to_midnight: float,
    spent_today: float,
    history_days: int,
    level: float,
) -> Projection | None:
    """Spend by the end of the local month: month to date + the daily model for the rest of it.

    ``hist`` is :func:`_daily_history`; the model is fitted to its last
    ``history_days`` days and counts today pro rata of the hours left. None
    with fewer than 3 days of history or no interval.
    """
    month_end_naive = (today + pd.offsets.MonthBegin(1)).normalize()
    earlier = float(hist[hist.index >= today.replace(day=1)].sum()) if len(hist) else 0.0
    train = hist.iloc[-history_days:]
    if len(train) < 3:
        return None
    x = _day_numbers(train.index)
    days_left = int((month_end_naive - today) / pd.Timedelta(days=1))
    future = x[-1] + ((today - train.index[-1]) / pd.Timedelta(days=1)) + np.arange(days_left)
    weights = np.ones(days_left)
    weights[0] = max(0.0, min(1.0, hours_to_midnight / 24.0))
    r = ols_sum_interval(x, train.to_numpy(), future, weights, level=level)
    if r is None:
        return None
    add, lo, hi = (max(0.0, float(v)) for v in r)
    spent = earlier + spent_today
    return Projection(
        horizon="month",
        end=_local_midnight(month_end_naive, tz),
        spent=spent,
        expected_additional=add,
        projected=spent + add,
        low=spent + lo,
        high=spent + hi,
        n=len(train),
        method=(
            "month-to-date spend + daily model for the rest of today (share of hours left) and the "
            "remaining days: " + DAILY_METHOD.format(days=history_days)
        ),
    )


def project_spend(
    events: pd.DataFrame,
    daily: pd.Series,
    now: datetime,
    tz: str,
    window: timedelta = timedelta(hours=1),
    history_days: int = HISTORY_DAYS,
    level: float = 0.95,
    bin_minutes: float = 15.0,
) -> SpendProjection | None:
    """Project spend to the end of the usage block, the day and the month.

    Parameters
    ----------
    events : DataFrame
        Requests (``ts``, ``cost_usd``, ``tokens``) covering at least today and the
        current usage block (:func:`load_request_costs`).
    daily : Series
        Daily totals (USD) indexed by local day (:func:`load_cost_series` with
        ``freq="day"``); days from today on are ignored, days missing up to
        yesterday count as $0.
    now : datetime
        The moment projected from (naive = UTC).
    tz : str
        Reporting time zone: days and months end at its midnights.
    window : timedelta
        Burn-rate window for the block and day projections.
    bin_minutes : float
        Sub-window length behind the burn rate's interval (:func:`burn_rate`).

    Returns
    -------
    SpendProjection or None
        None when there are neither events nor daily history.

    Notes
    -----
    * session: the active 5-hour usage block (:func:`usage_blocks`): its cost so
      far + burn rate x hours to the block's end. None without an active block.
    * day: today's spend (local day) + burn rate x hours to local midnight.
    * month: spend of this month's earlier days (from ``daily``) + today's
      spend + the daily model (:data:`DAILY_METHOD`, the one the backtest scores)
      for the rest of today (pro rata of the hours left) and each later day of
      the month, with the prediction interval of that sum. None with fewer than
      3 days of history before today.
    """
    have_events = events is not None and not events.empty
    have_daily = daily is not None and len(pd.Series(daily).dropna()) > 0
    if not have_events and not have_daily:
        return None
    now_utc = _utc(now)
    local_now = now_utc.tz_convert(tz)
    today = local_now.tz_localize(None).normalize()
    day_end = _local_midnight(today + pd.Timedelta(days=1), tz)
    hours_to_midnight = (day_end - local_now).total_seconds() / 3600.0

    burn = burn_rate(events, window, now_utc, level=level, bin_minutes=bin_minutes) if have_events else None
    spent_today = _spent_between(events, _local_midnight(today, tz), now_utc) if have_events else 0.0
    session = _block_projection(events, now_utc, burn) if have_events else None
    day = _rate_projection("day", day_end, spent_today, hours_to_midnight, burn)
    hist = _daily_history(daily if have_daily else None, today)
    month = _month_projection(hist, today, tz, hours_to_midnight, spent_today, history_days, level)
    return SpendProjection(now=now_utc, tz=tz, burn=burn, session=session, day=day, month=month)


# ---------------------------------------------------------------------------
# budgets and alerts
@dataclass(frozen=True)
class BudgetStatus:
    """Where spend stands against a budget.

    ``level`` is the highest threshold reached: below the first OK, then INFO,
    WARNING, CRITICAL, EMERGENCY (defaults 50%, 75%, 90%, 100%).
    ``remaining`` is never negative (``over_by`` holds any excess).
    ``time_to_exhaustion`` is remaining / rate: timedelta(0) when the budget is
    used up, None when the rate is zero.
    """

    level: str
    spend: float
    budget: float
    fraction_used: float
    percent_used: float
    remaining: float
    over_by: float
    rate_per_hour: float
    time_to_exhaustion: timedelta | None
    exhausted_at: datetime | None
    thresholds: tuple[float, ...]
    rule: str


def budget_status(
    spend: float,
    budget: float,
    rate_per_hour: float,
    thresholds: tuple[float, float, float, float] = DEFAULT_THRESHOLDS,
    now: datetime | None = None,
) -> BudgetStatus | None:
    """Level, use and time to exhaustion of ``spend`` (USD) against ``budget`` (USD).

    Parameters
    ----------
    rate_per_hour : float
        Current burn rate in USD per hour (e.g. :attr:`BurnRate.per_hour`).
    thresholds : four increasing fractions of the budget
        Reaching ``thresholds[i]`` gives ``LEVELS[i + 1]`` (INFO, WARNING,
        CRITICAL, EMERGENCY); a fraction exactly at a threshold reaches it.
    now : datetime, optional
        When given, ``exhausted_at`` = now + time to exhaustion.

    Returns
    -------
    BudgetStatus or None
        None when the budget is not positive or an input is not finite.
    """
    if len(thresholds) != 4 or list(thresholds) != sorted(thresholds):
        raise ValueError("thresholds must be four increasing fractions")
    if not all(math.isfinite(v) for v in (spend, budget, rate_per_hour)) or budget <= 0:
        return None
    frac = spend / budget
    reached = sum(frac >= t - 1e-12 for t in thresholds)
    remaining = max(0.0, budget - spend)
    if remaining <= 0:
        tte: timedelta | None = timedelta(0)
    elif rate_per_hour <= 0:
        tte = None
    else:
        tte = timedelta(hours=remaining / rate_per_hour)
    pct = ", ".join(f"{LEVELS[i + 1]} at {t:.0%}" for i, t in enumerate(thresholds))
    return BudgetStatus(
        level=LEVELS[reached],
        spend=float(spend),
        budget=float(budget),
        fraction_used=frac,
        percent_used=frac * 100.0,
        remaining=remaining,
        over_by=max(0.0, spend - budget),
        rate_per_hour=float(rate_per_hour),
        time_to_exhaustion=tte,
        exhausted_at=None if tte is None or now is None else _utc(now).to_pydatetime() + tte,
        thresholds=tuple(thresholds),
        rule=f"OK below {thresholds[0]:.0%} of the budget; {pct}",
    )


# ---------------------------------------------------------------------------
# acceleration
@dataclass(frozen=True)
class Acceleration:
    """Burn rate in the last window against the window before it (USD per hour).

    ``sign`` is +1 (accelerating), -1 (decelerating) or 0; ``percent`` is the
    change relative to the previous rate, None when that was 0.
    """

    window: timedelta
    current_per_hour: float
    previous_per_hour: float
    change_per_hour: float
    percent: float | None
    sign: int
    direction: str
    current_requests: int
    previous_requests: int
    method: str


def cost_acceleration(events: pd.DataFrame, window: timedelta, now: datetime) -> Acceleration | None:
    """Change of the burn rate between ``(now - 2w, now - w]`` and ``(now - w, now]``.

    Returns None when the window is not positive or neither window has a request.
    """
    if window.total_seconds() <= 0 or events is None or events.empty:
        return None
    now_utc = _utc(now)
    cur = burn_rate(events, window, now_utc)
    prev = burn_rate(events, window, now_utc - pd.Timedelta(window))
    if cur is None and prev is None:
        return None
    c = cur.per_hour if cur else 0.0
    p = prev.per_hour if prev else 0.0
    change = c - p
    sign = int(np.sign(round(change, 12)))
    return Acceleration(
        window=window,
        current_per_hour=c,
        previous_per_hour=p,
        change_per_hour=change,
        percent=(change / p * 100.0) if p > 0 else None,
        sign=sign,
        direction={1: "accelerating", -1: "decelerating", 0: "steady"}[sign],
        current_requests=cur.requests if cur else 0,
        previous_requests=prev.requests if prev else 0,
        method="burn rate (total cost / window hours) of the last window minus that of the window before",
    )


# ---------------------------------------------------------------------------
# usage blocks
BLOCK_COLUMNS = [
    "block_start",
    "block_end",
    "first_ts",
    "last_ts",
    "requests",
    "unpriced_requests",
    "cost_usd",
    "tokens",
    "active",
    "burn_rate_per_hour",
    "projected_cost",
]


def usage_blocks(events: pd.DataFrame, now: datetime, block_hours: int = BLOCK_HOURS) -> pd.DataFrame:
    """Group requests into 5-hour usage blocks, as Claude's plans count them.

    Rule: a block starts at its first request's time floored to the hour (UTC
    hour) and ends ``block_hours`` later. A request at or after the end, or one
    coming ``block_hours`` or more after the previous request, starts a new block
    floored to its own hour (the gap rule is implied by the first, since such a
    request is past the end of the block anyway). Blocks start and end on whole
    hours, so the requests of one hour always share a block: the blocks are
    computed from the requests per hour.

    Parameters
    ----------
    events : DataFrame
        Requests with ``ts`` (UTC), ``cost_usd`` (NaN = unpriced) and
        ``tokens``, or the same per hour (:func:`load_request_hours`,
        :func:`request_hours`: a frame with ``first_ts``).
    now : datetime
        Decides which block is active: ``now`` before its end and less than
        ``block_hours`` after its last request.

    Returns
    -------
    DataFrame
        One row per block in time order: ``block_start``, ``block_end``,
        ``first_ts``, ``last_ts`` (UTC), ``requests``, ``unpriced_requests``,
        ``cost_usd`` (USD), ``tokens``, ``active``, ``burn_rate_per_hour`` (cost /
        hours from the first request to the last one, or to ``now`` for the
        active block; NaN when that span is zero) and ``projected_cost`` (active
        block: cost + rate x hours to the block end; others: their cost). Empty
        (with these columns) for no requests.
    """
    hours = events if events is None or "first_ts" in events.columns else request_hours(events)
    if hours is None or hours.empty:
        return pd.DataFrame(columns=BLOCK_COLUMNS)
    hours = hours.sort_values("hour", kind="stable")
    h_ns = _ns(_utc_series(hours["hour"]))
    first_ns = _ns(_utc_series(hours["first_ts"]))
    last_ns = _ns(_utc_series(hours["last_ts"]))
    hour = 3_600_000_000_000
    length = block_hours * hour
    starts_idx: list[int] = []
    i, n = 0, len(h_ns)
    while i < n:
        starts_idx.append(i)
        i = int(np.searchsorted(h_ns, h_ns[i] + length, side="left"))
    starts = np.asarray(starts_idx)
    first = first_ns[starts]
    last = np.maximum.reduceat(last_ns, starts)
    cost_sum = np.add.reduceat(hours["cost_usd"].to_numpy(dtype="float64"), starts)
    bstart = h_ns[starts]
    bend = bstart + length
    now_ns = int(_utc(now).as_unit("ns").value)
    active = (now_ns < bend) & (now_ns - last < length) & (now_ns >= first)
    span_h = (np.where(active, now_ns, last) - first) / hour
    rate = np.divide(cost_sum, span_h, out=np.full(len(starts), np.nan), where=span_h > 0)
    left_h = np.clip((bend - now_ns) / hour, 0, None)
    projected = np.where(active & ~np.isnan(rate), cost_sum + np.nan_to_num(rate) * left_h, cost_sum)

    def as_ts(v: np.ndarray) -> pd.DatetimeIndex:
        return pd.to_datetime(v, unit="ns", utc=True)

    return pd.DataFrame(
        {
            "block_start": as_ts(bstart),
            "block_end": as_ts(bend),
            "first_ts": as_ts(first),
            "last_ts": as_ts(last),
            "requests": np.add.reduceat(hours["requests"].to_numpy(dtype="int64"), starts),
            "unpriced_requests": np.add.reduceat(hours["unpriced_requests"].to_numpy(dtype="int64"), starts),
            "cost_usd": cost_sum,
            "tokens": np.add.reduceat(hours["tokens"].to_numpy(dtype="int64"), starts),
            "active": np.asarray(active, dtype=bool),
            "burn_rate_per_hour": rate,
            "projected_cost": projected,
        }
    )


@dataclass(frozen=True)
class BlockLimits:
    """The active 5-hour block against the user's own history of blocks: a plan-limit view.

    Claude's plans cap usage per 5-hour block without publishing the cap in
    tokens or dollars, so the yardstick is the user's own P90: the 90th
    percentile of the tokens and the cost of their completed blocks
    (``quantile`` of ``n_past`` blocks; None with fewer than ``min_past``).
    ``active`` is False when no block is active at ``now`` (then ``resets_at``,
    ``tokens`` and ``cost_usd`` describe nothing: None / 0). ``token_share`` and
    ``cost_share`` are the active block's tokens and cost over those P90s.
    """

    active: bool
    start: pd.Timestamp | None
    resets_at: pd.Timestamp | None
    tokens: int
    cost_usd: float
    unpriced_requests: int
    n_past: int
    p90_tokens: float | None
    p90_cost_usd: float | None
    quantile: float
    method: str

    @property
    def token_share(self) -> float | None:
        return self.tokens / self.p90_tokens if self.p90_tokens else None

    @property
    def cost_share(self) -> float | None:
        return self.cost_usd / self.p90_cost_usd if self.p90_cost_usd else None


def block_limits(blocks: pd.DataFrame, quantile: float = 0.9, min_past: int = 3) -> BlockLimits:
    """The active block of :func:`usage_blocks` against the ``quantile`` of the completed ones.

    The quantile is linear-interpolated (NumPy's default) over completed blocks'
    tokens and priced cost (USD; unpriced requests add nothing).
    """
    done = blocks[~blocks["active"].astype(bool)] if not blocks.empty else blocks
    active = blocks[blocks["active"].astype(bool)] if not blocks.empty else blocks
    enough = len(done) >= min_past
    a = active.iloc[-1] if len(active) else None
    return BlockLimits(
        active=a is not None,
        start=a["block_start"] if a is not None else None,
        resets_at=a["block_end"] if a is not None else None,
        tokens=int(a["tokens"]) if a is not None else 0,
        cost_usd=float(a["cost_usd"]) if a is not None else 0.0,
        unpriced_requests=int(a["unpriced_requests"]) if a is not None else 0,
        n_past=len(done),
        p90_tokens=float(np.quantile(done["tokens"].astype("float64"), quantile)) if enough else None,
        p90_cost_usd=float(np.quantile(done["cost_usd"].astype("float64"), quantile)) if enough else None,
        quantile=quantile,
        method=(
            f"the active block against the {quantile:.0%} quantile of your own {len(done):,} completed "
            f"blocks (tokens and priced cost, linear interpolation; at least {min_past} needed)"
        ),
    )


# ---------------------------------------------------------------------------
# efficiency
@dataclass(frozen=True)
class EfficiencyScore:
    """Share of spend that went to the cheapest adequate model.

    ``score`` = ``adequate_spend`` / ``spend`` (0..1). ``potential_savings`` is
    what light requests run on a dearer model would have saved on
    ``cheap_model`` (same tokens, that model's prices and tiers).
    """

    score: float
    spend: float
    adequate_spend: float
    potential_savings: float
    n_requests: int
    n_light: int
    n_light_on_dearer: int
    n_unpriced: int
    cheap_model: str
    max_output_tokens: int
    max_input_tokens: int
    definition: str


def efficiency_score(
    requests: pd.DataFrame,
    cheap_model: str = CHEAP_MODEL,
    max_output_tokens: int = LIGHT_MAX_OUTPUT_TOKENS,
    max_input_tokens: int = LIGHT_MAX_INPUT_TOKENS,
) -> EfficiencyScore | None:
    """Score how much spend went to the cheapest model adequate for each request.

    Definition. A request is *light* when it wrote at most ``max_output_tokens``
    output tokens and its total input (input + cache reads + cache writes) was at
    most ``max_input_tokens``: a short answer over a moderate context, which
    fits the profile of ``cheap_model`` (Haiku). For a light request the
    cheapest adequate model is ``cheap_model``; for any other request it is the
    model that ran it (no cheaper model is assumed adequate). A request's spend
    is *adequate* when it ran on its cheapest adequate model, or cost no more
    than the same tokens would on ``cheap_model``.

    Parameters
    ----------
    requests : DataFrame
        ``model``, ``cost_usd`` (NaN = unpriced: left out and counted) and the five
        token columns of the events table (:func:`load_request_costs`).

    Returns
    -------
    EfficiencyScore or None
        None when no priced request with positive cost remains, or ``cheap_model``
        has no price.
    """
    from analytics.pricing import cost_of

    if requests is None or requests.empty:
        return None
    cost = pd.to_numeric(requests["cost_usd"], errors="coerce")
    priced = requests[cost.notna().to_numpy()]
    spend = float(cost.sum())
    if priced.empty or spend <= 0:
        return None
    tok = priced[list(TOKEN_COLUMNS)].astype("float64")
    total_input = (
        tok["input_tokens"]
        + tok["cache_read_tokens"]
        + tok["cache_write_5m_tokens"]
        + tok["cache_write_1h_tokens"]
    )
    light = ((tok["output_tokens"] <= max_output_tokens) & (total_input <= max_input_tokens)).to_numpy()
    as_cheap = cost_of(tok.assign(model=cheap_model))
    if as_cheap.isna().all():
        return None
    actual = cost[cost.notna()].to_numpy(dtype="float64")
    cheap = as_cheap.to_numpy(dtype="float64")
    dearer = light & (actual > cheap + 1e-12)
    adequate_spend = float(actual[~dearer].sum())
    return EfficiencyScore(
        score=adequate_spend / spend,
        spend=spend,
        adequate_spend=adequate_spend,
        potential_savings=float((actual[dearer] - cheap[dearer]).sum()),
        n_requests=len(priced),
        n_light=int(light.sum()),
        n_light_on_dearer=int(dearer.sum()),
        n_unpriced=int(len(requests) - len(priced)),
        cheap_model=cheap_model,
        max_output_tokens=max_output_tokens,
        max_input_tokens=max_input_tokens,
        definition=(
            f"light request: <= {max_output_tokens:,} output tokens and <= {max_input_tokens:,} input tokens "
            f"(incl. cache); its cheapest adequate model is {cheap_model}, any other request's is its own model; "
            "score = spend on the cheapest adequate model / all priced spend"
        ),
    )


# ---------------------------------------------------------------------------
# reconciliation of the two sources
@dataclass(frozen=True)
class Reconciliation:
    """JSONL (computed cost) against OpenTelemetry (reported cost), per request_id.

    Totals and differences are over requests present in both sources with both
    costs known; ``cost_diff`` = reported - computed (USD).
    ``frame`` has one row per request_id (see :func:`reconcile_sources`).
    """

    n_jsonl: int
    n_otel: int
    n_matched: int
    n_jsonl_only: int
    n_otel_only: int
    n_compared: int
    computed_total: float
    reported_total: float
    cost_diff_total: float
    cost_diff_percent: float | None
    max_abs_cost_diff: float
    share_within_1pct: float | None
    n_token_mismatch: int
    frame: pd.DataFrame = field(compare=False, repr=False)


def reconcile_sources(store, filters: Filters) -> Reconciliation | None:
    """Match JSONL and OTel api_request rows on request_id and compare cost and tokens.

    Both rows of a matched request, as each source recorded it (``source_events``;
    the totals elsewhere count such a request once, see ``sql/schema/10_telemetry_view.sql``).

    Returns
    -------
    Reconciliation or None
        None when neither source has a request with a request_id. ``frame``
        columns: ``request_id``, ``model``, ``in_jsonl``, ``in_otel``,
        ``computed_cost``, ``reported_cost``, ``cost_diff`` (reported - computed,
        NaN unless both known), ``cost_diff_pct`` (of computed), and for
        input / output / cache_read / cache_write: ``jsonl_<k>_tokens``,
        ``otel_<k>_tokens``, ``<k>_tokens_diff`` (otel - jsonl; 0 unless matched).
    """
    df = _run(store, "costs_reconcile", [], **filters.params())
    if df.empty:
        return None
    df["in_jsonl"] = df.pop("jsonl_rows") > 0
    df["in_otel"] = df.pop("otel_rows") > 0
    both = df["in_jsonl"] & df["in_otel"]
    comp = pd.to_numeric(df["computed_cost"], errors="coerce").astype("float64")
    rep = pd.to_numeric(df["reported_cost"], errors="coerce").astype("float64")
    df["computed_cost"], df["reported_cost"] = comp, rep
    df["cost_diff"] = (rep - comp).where(both)
    df["cost_diff_pct"] = (df["cost_diff"] / comp.where(comp > 0) * 100.0).where(both)
    mismatch = np.zeros(len(df), dtype=bool)
    for k in ("input", "output", "cache_read", "cache_write"):
        d = (df[f"otel_{k}_tokens"].astype("int64") - df[f"jsonl_{k}_tokens"].astype("int64")).where(both, 0)
        df[f"{k}_tokens_diff"] = d.astype("int64")
        mismatch |= (d != 0).to_numpy()
    cmp = both & comp.notna() & rep.notna()
    ctot, rtot = float(comp[cmp].sum()), float(rep[cmp].sum())
    diff = df["cost_diff"][cmp]
    within = (diff.abs() <= 0.01 * comp[cmp].abs() + 1e-9) if cmp.any() else None
    return Reconciliation(
        n_jsonl=int(df["in_jsonl"].sum()),
        n_otel=int(df["in_otel"].sum()),
        n_matched=int(both.sum()),
        n_jsonl_only=int((df["in_jsonl"] & ~df["in_otel"]).sum()),
        n_otel_only=int((df["in_otel"] & ~df["in_jsonl"]).sum()),
        n_compared=int(cmp.sum()),
        computed_total=ctot,
        reported_total=rtot,
        cost_diff_total=rtot - ctot,
        cost_diff_percent=(rtot - ctot) / ctot * 100.0 if ctot > 0 else None,
        max_abs_cost_diff=float(diff.abs().max()) if cmp.any() else 0.0,
        share_within_1pct=float(within.mean()) if within is not None else None,
        n_token_mismatch=int(mismatch.sum()),
        frame=df,
    )


# ---------------------------------------------------------------------------
# totals, provenance and the dedup audit
@dataclass(frozen=True)
class PeriodTotals:
    """Totals of a :func:`load_cost_series` frame (:func:`period_totals`).

    ``spend`` (USD, priced requests), ``requests``, ``unpriced_requests``,
    ``tokens`` and ``cost_per_request`` (USD per priced request; None without one).
    """

    spend: float
    requests: int
    unpriced_requests: int
    tokens: int
    cost_per_request: float | None


def period_totals(series: pd.DataFrame | None) -> PeriodTotals:
    """Sum a :func:`load_cost_series` frame; zeros for an empty one."""
    if series is None or series.empty:
        return PeriodTotals(0.0, 0, 0, 0, None)
    spend = float(series["cost_usd"].sum())
    requests, unpriced = int(series["requests"].sum()), int(series["unpriced_requests"].sum())
    priced = requests - unpriced
    return PeriodTotals(
        spend, requests, unpriced, int(series["tokens"].sum()), spend / priced if priced else None
    )


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
    """Requests, unpriced requests, cost (USD) and tokens per (``cost_source``, ``model``), from the
    hourly rollup when it answers."""
    cols = ["cost_source", "model", "requests", "unpriced_requests", "cost_usd", "tokens"]
    return _run(store, rollups.query_name(store, filters, "costs_provenance"), cols, **filters.params())


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
