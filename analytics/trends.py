"""Trend of one series: is it really moving, which way, and what comes next.

:func:`fit_trend` fits a series (cost per day, error rate per hour, cost per
session, ...) with several standard methods so a page can say how sure it is:

* ordinary least squares (``scipy.stats.linregress``): slope with a confidence
  interval from the t distribution with ``n - 2`` degrees of freedom, intercept,
  r² and the p-value of the slope;
* Theil–Sen (``scipy.stats.theilslopes``): the median of all pairwise slopes,
  robust to outliers, with its confidence interval;
* Mann–Kendall: Kendall's tau of the values against time
  (``scipy.stats.kendalltau``) and its p-value, a rank test for a monotonic
  trend that assumes no particular shape or distribution;
* a forecast ``horizon`` steps ahead with the OLS prediction interval;
* one changepoint: the split into two segments of constant mean that minimises
  the total squared error.

The direction rule is in :data:`DIRECTION_RULE` and in every result's ``rule``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

IMPROVING = "IMPROVING"
DECLINING = "DECLINING"
STABLE = "STABLE"
VOLATILE = "VOLATILE"
POLARITIES = ("lower_is_better", "higher_is_better")
CHANGEPOINT_MIN_REDUCTION = 0.5
"""A changepoint is reported only when the split removes at least this share of the total squared error."""
CHANGEPOINT_MIN_SEGMENT = 2
DIRECTION_RULE = (
    "Mann-Kendall p < {alpha:g}: a significant monotonic trend; IMPROVING when it moves the good way "
    "({good}), else DECLINING. Otherwise VOLATILE when the coefficient of variation "
    "(sample sd / |mean|) exceeds {cv:g}, else STABLE."
)


@dataclass(frozen=True)
class ForecastPoint:
    """One forecast step: ``at`` is a Timestamp for time-indexed series, else the numeric x."""

    step: int
    at: object
    mean: float
    low: float
    high: float


@dataclass(frozen=True)
class Changepoint:
    """The single best split of the series into two constant-mean segments.

    ``at`` is the index label of the first point of the second segment;
    ``position`` its 0-based position; ``sse_reduction`` the share of the total
    sum of squares around the overall mean that the split removes (0..1).
    """

    at: object
    position: int
    mean_before: float
    mean_after: float
    n_before: int
    n_after: int
    sse_reduction: float
    threshold: float


@dataclass(frozen=True)
class TrendFit:
    """Result of :func:`fit_trend`.

    Slopes are in value units per step (``step``: the median spacing of the
    index, a Timedelta for time-indexed series, else a number). ``slope_per_day``
    is the OLS slope rescaled to value units per day for time-indexed series,
    else None. Intervals are at confidence ``level`` (= 1 - alpha).
    """

    n: int
    method: str
    level: float
    polarity: str
    start: Any
    end: Any
    step: Any
    time_indexed: bool
    slope: float
    slope_low: float
    slope_high: float
    slope_per_day: float | None
    intercept: float
    r_squared: float
    p_value: float
    theil_slope: float
    theil_low: float
    theil_high: float
    theil_intercept: float
    mk_tau: float
    mk_p: float
    mean: float
    cv: float
    direction: str
    rule: str
    forecast: tuple[ForecastPoint, ...]
    changepoint: Changepoint | None
    x_mean: float
    sxx: float
    resid_sd: float

    def predict(self, x: np.ndarray, level: float | None = None) -> pd.DataFrame:
        """OLS line at numeric positions ``x`` (in steps from the first point).

        Returns columns ``x``, ``fitted``, ``ci_low``/``ci_high`` (interval for the
        line itself) and ``pi_low``/``pi_high`` (prediction interval for one new
        observation), at ``level`` (default: the fit's level).
        """
        from scipy import stats  # imported on first use: it costs ~0.7 s

        x = np.asarray(x, dtype="float64")
        t = stats.t.ppf(0.5 + (level or self.level) / 2, self.n - 2)
        fitted = self.intercept + self.slope * x
        lever = 1.0 / self.n + (x - self.x_mean) ** 2 / self.sxx
        half_ci = t * self.resid_sd * np.sqrt(lever)
        half_pi = t * self.resid_sd * np.sqrt(1.0 + lever)
        return pd.DataFrame(
            {
                "x": x,
                "fitted": fitted,
                "ci_low": fitted - half_ci,
                "ci_high": fitted + half_ci,
                "pi_low": fitted - half_pi,
                "pi_high": fitted + half_pi,
            }
        )

    def forecast_frame(self) -> pd.DataFrame:
        """The forecast as a frame with columns step, at, mean, low, high."""
        return pd.DataFrame(
            [f.__dict__ for f in self.forecast], columns=["step", "at", "mean", "low", "high"]
        )


def _positions(index: pd.Index) -> tuple[np.ndarray, object, bool] | None:
    """Numeric x (in steps from the first point), the step, and whether the index is time."""
    if isinstance(index, pd.DatetimeIndex):
        ns = index.as_unit("ns").asi8.astype("float64")
        diffs = np.diff(ns)
        if len(diffs) == 0 or np.median(diffs) <= 0:
            return None
        step_ns = float(np.median(diffs))
        return (ns - ns[0]) / step_ns, pd.Timedelta(int(round(step_ns)), unit="ns"), True
    try:
        raw = np.asarray(index, dtype="float64")
    except (TypeError, ValueError):
        return None
    diffs = np.diff(raw)
    if len(diffs) == 0 or np.median(diffs) <= 0:
        return None
    step = float(np.median(diffs))
    return (raw - raw[0]) / step, step, False


def _changepoint(y: np.ndarray, labels: pd.Index, min_reduction: float) -> Changepoint | None:
    n = len(y)
    if n < 2 * CHANGEPOINT_MIN_SEGMENT:
        return None
    sst = float(np.sum((y - y.mean()) ** 2))
    if sst <= 0:
        return None
    c1 = np.cumsum(y)
    c2 = np.cumsum(y * y)
    k = np.arange(CHANGEPOINT_MIN_SEGMENT, n - CHANGEPOINT_MIN_SEGMENT + 1)
    left_sum, left_sq = c1[k - 1], c2[k - 1]
    right_sum, right_sq = c1[-1] - left_sum, c2[-1] - left_sq
    sse = (left_sq - left_sum**2 / k) + (right_sq - right_sum**2 / (n - k))
    best = int(np.argmin(sse))
    pos = int(k[best])
    reduction = float(1.0 - max(sse[best], 0.0) / sst)
    if reduction < min_reduction:
        return None
    return Changepoint(
        at=labels[pos],
        position=pos,
        mean_before=float(y[:pos].mean()),
        mean_after=float(y[pos:].mean()),
        n_before=pos,
        n_after=n - pos,
        sse_reduction=reduction,
        threshold=min_reduction,
    )


_METHOD = (
    "OLS (scipy.stats.linregress, t interval with n-2 df); Theil-Sen (scipy.stats.theilslopes); "
    "Mann-Kendall (scipy.stats.kendalltau of values on time); OLS prediction interval; "
    "single mean-shift changepoint (least squares)"
)
"""What :func:`fit_trend` computes, as its results' ``method``."""


@dataclass(frozen=True)
class _OlsLine:
    n: int
    slope: float
    slope_low: float
    slope_high: float
    intercept: float
    r_squared: float
    p_value: float
    t_crit: float  # two-sided t quantile at the confidence level, n - 2 df
    x_mean: float
    sxx: float  # sum of squared deviations of x from its mean
    resid_sd: float  # residual standard deviation, n - 2 df


@dataclass(frozen=True)
class _TheilSenLine:
    slope: float
    intercept: float
    low: float
    high: float


@dataclass(frozen=True)
class _MannKendall:
    tau: float
    p: float


def _finite_sorted(series: pd.Series | None) -> pd.Series | None:
    """``series`` without missing or infinite values, sorted by its index; None below 3 points."""
    if series is None or len(series) < 3:
        return None
    s = pd.Series(series).dropna()
    s = s[np.isfinite(s.to_numpy(dtype="float64"))].sort_index()
    return s if len(s) >= 3 else None


def _fit_ols(x: np.ndarray, y: np.ndarray, alpha: float) -> _OlsLine:
    """Least-squares line of ``y`` on ``x`` with the slope's ``1 - alpha`` interval (t, ``n - 2`` df).

    A constant ``y`` gives slope 0 with a zero-width interval, intercept its
    mean, r² 0 and p-value 1; so does a spread too small for a correlation
    (subnormal values), whose r² scipy leaves undefined. ``x`` must have a spread.
    """
    from scipy import stats  # imported on first use: it costs ~0.7 s

    n = len(y)
    x_mean = float(x.mean())
    sxx = float(np.sum((x - x_mean) ** 2))
    t_crit = float(stats.t.ppf(1.0 - alpha / 2, n - 2))
    if np.ptp(y) == 0:
        slope, intercept, r2, p, resid_sd = 0.0, float(y.mean()), 0.0, 1.0, 0.0
    else:
        lr = stats.linregress(x, y)
        slope, intercept = float(lr.slope), float(lr.intercept)
        r2 = float(lr.rvalue**2) if np.isfinite(lr.rvalue) else 0.0
        p = float(lr.pvalue) if np.isfinite(lr.pvalue) else 1.0
        resid = y - (intercept + slope * x)
        resid_sd = float(np.sqrt(np.sum(resid**2) / (n - 2))) if n > 2 else 0.0
    stderr = resid_sd / np.sqrt(sxx)
    return _OlsLine(
        n=n,
        slope=slope,
        slope_low=float(slope - t_crit * stderr),
        slope_high=float(slope + t_crit * stderr),
        intercept=intercept,
        r_squared=r2,
        p_value=p,
        t_crit=t_crit,
        x_mean=x_mean,
        sxx=sxx,
        resid_sd=resid_sd,
    )


def _fit_theil_sen(x: np.ndarray, y: np.ndarray, level: float) -> _TheilSenLine:
    """Theil–Sen line of ``y`` on ``x`` (``scipy.stats.theilslopes``) with the slope's interval at ``level``.

    A constant ``y`` gives slope and interval 0 and intercept its mean.
    """
    from scipy import stats  # imported on first use: it costs ~0.7 s

    if np.ptp(y) == 0:
        return _TheilSenLine(slope=0.0, intercept=float(y.mean()), low=0.0, high=0.0)
    ts = stats.theilslopes(y, x, alpha=level)
    return _TheilSenLine(
        slope=float(ts.slope),
        intercept=float(ts.intercept),
        low=float(ts.low_slope),
        high=float(ts.high_slope),
    )


def _mann_kendall(x: np.ndarray, y: np.ndarray) -> _MannKendall:
    """Mann–Kendall test: Kendall's tau of ``y`` against ``x`` and its p-value.

    A constant ``y``, or a tau or p-value scipy cannot compute, gives tau 0 and p 1.
    """
    from scipy import stats  # imported on first use: it costs ~0.7 s

    if np.ptp(y) == 0:
        return _MannKendall(tau=0.0, p=1.0)
    kt = stats.kendalltau(x, y)
    return _MannKendall(
        tau=float(kt.statistic) if np.isfinite(kt.statistic) else 0.0,
        p=float(kt.pvalue) if np.isfinite(kt.pvalue) else 1.0,
    )


def _coefficient_of_variation(y: np.ndarray) -> float:
    """Sample standard deviation over ``|mean|``; infinite for a zero mean with spread, 0 without."""
    mean = float(y.mean())
    sd = float(np.std(y, ddof=1))
    return sd / abs(mean) if mean != 0 else (float("inf") if sd > 0 else 0.0)


def _direction(mk: _MannKendall, cv: float, polarity: str, alpha: float, cv_volatile: float) -> str:
    """IMPROVING, DECLINING, VOLATILE or STABLE by :data:`DIRECTION_RULE`."""
    if mk.p < alpha and mk.tau != 0:
        rising = mk.tau > 0
        return IMPROVING if rising == (polarity == "higher_is_better") else DECLINING
    if cv > cv_volatile:
        return VOLATILE
    return STABLE


def _forecast(
    ols: _OlsLine, x: np.ndarray, index: pd.Index, step: Any, time_indexed: bool, horizon: int
) -> tuple[ForecastPoint, ...]:
    """The OLS line ``1..horizon`` steps after the last point, with its prediction interval.

    ``x`` are the points' positions in steps and ``index`` their labels; none
    for ``horizon <= 0``.
    """
    points = []
    for h in range(1, max(int(horizon), 0) + 1):
        xn = float(x[-1] + h)
        mu = ols.intercept + ols.slope * xn
        half = ols.t_crit * ols.resid_sd * np.sqrt(1.0 + 1.0 / ols.n + (xn - ols.x_mean) ** 2 / ols.sxx)
        at = index[-1] + step * h if time_indexed else float(index[-1]) + step * h
        points.append(
            ForecastPoint(step=h, at=at, mean=float(mu), low=float(mu - half), high=float(mu + half))
        )
    return tuple(points)


def fit_trend(
    series: pd.Series,
    polarity: str = "lower_is_better",
    alpha: float = 0.05,
    horizon: int = 7,
    cv_volatile: float = 0.5,
    changepoint_min_reduction: float = CHANGEPOINT_MIN_REDUCTION,
) -> TrendFit | None:
    """Fit a trend to ``series`` and classify its direction.

    Parameters
    ----------
    series : pandas.Series
        Values (any unit) indexed by time (DatetimeIndex: hourly, daily, ...) or by
        numeric steps (e.g. session number). Missing values are dropped; the
        index is sorted. The step is the median spacing of the index.
    polarity : {"lower_is_better", "higher_is_better"}
        Which way is good: falling cost or error rate is improving
        (``lower_is_better``).
    alpha : float
        Significance level of the Mann–Kendall test; intervals are at
        confidence ``1 - alpha`` (95% by default).
    horizon : int
        Number of steps to forecast after the last point (0 for none).
    cv_volatile : float
        Coefficient of variation (sample sd / |mean|) above which a series
        without a significant trend is VOLATILE rather than STABLE.
    changepoint_min_reduction : float
        Share of the total squared error a split must remove to be reported.

    Returns
    -------
    TrendFit or None
        None when fewer than 3 points remain or the index does not advance
        (zero variance in time).

    Notes
    -----
    Direction rule: if the Mann–Kendall p-value is below ``alpha`` the series has
    a significant monotonic trend, IMPROVING when it moves the good way for
    ``polarity`` and DECLINING otherwise; else VOLATILE when the coefficient of
    variation exceeds ``cv_volatile`` (a zero mean with any spread counts as
    infinite), else STABLE.

    A constant series is STABLE with slope 0, p-values 1, tau 0 and r² 0 (there
    is no variance to explain). A perfect line has a zero-width interval.

    The forecast at step ``h`` is ``intercept + slope * x`` with the OLS
    prediction interval ``± t(1 - alpha/2, n - 2) * s * sqrt(1 + 1/n + (x - x̄)² / Sxx)``.

    The changepoint is the split (at least 2 points each side) minimising the
    sum of squared errors around the two segment means; it is None when it
    removes less than ``changepoint_min_reduction`` of the total sum of squares.
    """
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {POLARITIES}")
    s = _finite_sorted(series)
    if s is None:
        return None
    pos = _positions(s.index)
    if pos is None:
        return None
    x, step, time_indexed = pos
    if np.ptp(x) == 0:
        return None
    y = s.to_numpy(dtype="float64")
    ols = _fit_ols(x, y, alpha)
    theil = _fit_theil_sen(x, y, 1.0 - alpha)
    mk = _mann_kendall(x, y)
    cv = _coefficient_of_variation(y)
    good = "falling" if polarity == "lower_is_better" else "rising"
    return TrendFit(
        n=len(y),
        method=_METHOD,
        level=1.0 - alpha,
        polarity=polarity,
        start=s.index[0],
        end=s.index[-1],
        step=step,
        time_indexed=time_indexed,
        slope=ols.slope,
        slope_low=ols.slope_low,
        slope_high=ols.slope_high,
        slope_per_day=float(ols.slope * (pd.Timedelta(days=1) / step)) if time_indexed else None,
        intercept=ols.intercept,
        r_squared=ols.r_squared,
        p_value=ols.p_value,
        theil_slope=theil.slope,
        theil_low=theil.low,
        theil_high=theil.high,
        theil_intercept=theil.intercept,
        mk_tau=mk.tau,
        mk_p=mk.p,
        mean=float(y.mean()),
        cv=float(cv),
        direction=_direction(mk, cv, polarity, alpha, cv_volatile),
        rule=DIRECTION_RULE.format(alpha=alpha, good=good, cv=cv_volatile),
        forecast=_forecast(ols, x, s.index, step, time_indexed, horizon),
        changepoint=_changepoint(y, s.index, changepoint_min_reduction),
        x_mean=ols.x_mean,
        sxx=ols.sxx,
        resid_sd=ols.resid_sd,
    )


def ols_sum_interval(
    x: np.ndarray, y: np.ndarray, x_new: np.ndarray, weights: np.ndarray, level: float = 0.95
) -> tuple[float, float, float] | None:
    """Prediction interval for a weighted sum of future observations under an OLS line.

    With the line fitted to (``x``, ``y``), the quantity ``sum(w_i * y_new_i)`` at
    positions ``x_new`` has point forecast ``sum(w_i * (a + b x_i))`` and
    variance ``s² (sum(w_i²) + cᵀ (XᵀX)⁻¹ c)`` where ``c = sum(w_i [1, x_i])``
    (new noise plus the uncertainty of the line). The interval uses the t
    distribution with ``n - 2`` degrees of freedom.

    Returns
    -------
    (mean, low, high) or None
        None with fewer than 3 points or no spread in ``x``.
    """
    from scipy import stats  # imported on first use: it costs ~0.7 s

    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    x_new = np.asarray(x_new, dtype="float64")
    w = np.asarray(weights, dtype="float64")
    n = len(x)
    if n < 3 or np.ptp(x) == 0:
        return None
    X = np.column_stack([np.ones(n), x])
    xtx_inv = np.linalg.inv(X.T @ X)
    beta = xtx_inv @ X.T @ y
    resid = y - X @ beta
    s2 = float(resid @ resid) / (n - 2)
    c = np.array([w.sum(), (w * x_new).sum()])
    mean = float(c @ beta)
    var = s2 * (float((w * w).sum()) + float(c @ xtx_inv @ c))
    half = float(stats.t.ppf(0.5 + level / 2, n - 2)) * np.sqrt(max(var, 0.0))
    return mean, mean - half, mean + half


ARROWS = {"up": "↑", "down": "↓", "flat": "→", "volatile": "↕"}


def trend_arrow(fit: TrendFit | None) -> str:
    """The arrow of a fit's direction: ↑ or ↓ (by the sign of Kendall's tau) for a significant trend,
    ↕ for a volatile series, → for a stable one; "" without a fit."""
    if fit is None:
        return ""
    if fit.direction in (IMPROVING, DECLINING):
        return ARROWS["up"] if fit.mk_tau > 0 else ARROWS["down"]
    return ARROWS["volatile"] if fit.direction == VOLATILE else ARROWS["flat"]


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
