import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.trends import (
    DECLINING,
    IMPROVING,
    STABLE,
    VOLATILE,
    Changepoint,
    fit_trend,
    ols_sum_interval,
    trend_frame,
)

# y = [2, 3, 7, 8, 10] at x = 0..4, worked by hand:
# x̄ = 2, ȳ = 6, Sxx = 10, Sxy = 21 -> slope 2.1, intercept 1.8
# residuals 0.2, -0.9, 1.0, -0.1, -0.2 -> SSE 1.9, s² = 1.9 / 3, SST = 46
# se(slope) = sqrt(1.9 / 3 / 10) = 0.2516611478; t(0.975, 3) = 3.1824463053
# Theil-Sen: median of the 10 pairwise slopes {1, 1, 1.5, 2, 2, 2, 7/3, 2.5, 2.5, 4} = 2.0
# Mann-Kendall: every pair increases -> tau = 1, exact p = 2 / 5! = 1/60
# forecast x = 5: 12.3 ± t * s * sqrt(1 + 1/5 + 9/10) = 12.3 ± 3.6701761220
# best split: [2, 3] | [7, 8, 10]: SSE 0.5 + 4.6666667 -> reduction 1 - 5.1666667 / 46
HAND = pd.Series([2.0, 3.0, 7.0, 8.0, 10.0])


def test_hand_computed_fit():
    f = fit_trend(HAND, horizon=1)
    assert f.n == 5
    assert f.slope == pytest.approx(2.1)
    assert f.intercept == pytest.approx(1.8)
    assert f.r_squared == pytest.approx(1 - 1.9 / 46)
    assert f.slope_low == pytest.approx(1.2991019099, abs=1e-9)
    assert f.slope_high == pytest.approx(2.9008980901, abs=1e-9)
    assert f.theil_slope == pytest.approx(2.0)
    assert f.mk_tau == pytest.approx(1.0)
    assert f.mk_p == pytest.approx(1 / 60)
    assert f.direction == DECLINING  # a rising cost is getting worse
    assert f.slope_per_day is None and f.time_indexed is False
    (fc,) = f.forecast
    assert (fc.step, fc.at) == (1, 5.0)
    assert fc.mean == pytest.approx(12.3)
    assert fc.low == pytest.approx(8.6298238780, abs=1e-9)
    assert fc.high == pytest.approx(15.9701761220, abs=1e-9)
    assert f.changepoint == Changepoint(
        at=2,
        position=2,
        mean_before=2.5,
        mean_after=pytest.approx(25 / 3),
        n_before=2,
        n_after=3,
        sse_reduction=pytest.approx(1 - (0.5 + 14 / 3) / 46),
        threshold=0.5,
    )
    assert "Mann-Kendall p < 0.05" in f.rule


def test_polarity_flips_direction():
    assert fit_trend(HAND, polarity="higher_is_better").direction == IMPROVING
    assert fit_trend(HAND[::-1].reset_index(drop=True)).direction == IMPROVING
    with pytest.raises(ValueError):
        fit_trend(HAND, polarity="up")


def test_slope_two_plus_noise_ci_contains_two():
    rng = np.random.default_rng(7)
    x = np.arange(40)
    y = 5 + 2.0 * x + rng.normal(0, 3, 40)
    days = pd.Series(y, index=pd.date_range("2025-01-01", periods=40, freq="D", tz="Europe/Paris"))
    f = fit_trend(days)
    assert f.slope_low <= 2.0 <= f.slope_high
    assert f.theil_low <= 2.0 <= f.theil_high
    assert f.slope_per_day == pytest.approx(f.slope)
    assert f.step == pd.Timedelta(days=1)
    assert f.forecast[0].at == pd.Timestamp("2025-02-10", tz="Europe/Paris")
    hours = pd.Series(y, index=pd.date_range("2025-01-01", periods=40, freq="h", tz="UTC"))
    assert fit_trend(hours).slope_per_day == pytest.approx(24 * f.slope)


@pytest.mark.parametrize(
    ("values", "direction"),
    [
        ([10, 11, 9, 10, 11, 9, 10, 11, 9, 10], STABLE),  # MK p 0.77, cv 0.08
        ([1, 20, 2, 19, 1, 20, 2, 19], VOLATILE),  # MK p 0.61, cv 0.92
        ([5, 5, 5, 5], STABLE),
    ],
)
def test_no_trend_directions(values, direction):
    f = fit_trend(pd.Series(values, dtype="float64"))
    assert f.direction == direction
    assert f.mk_p >= 0.05


def test_constant_series_is_stable_and_finite():
    f = fit_trend(pd.Series([5.0, 5.0, 5.0]), horizon=2)
    assert (f.slope, f.slope_low, f.slope_high, f.p_value, f.mk_tau, f.mk_p, f.r_squared, f.cv) == (
        0.0,
        0.0,
        0.0,
        1.0,
        0.0,
        1.0,
        0.0,
        0.0,
    )
    assert [(p.mean, p.low, p.high) for p in f.forecast] == [(5.0, 5.0, 5.0), (5.0, 5.0, 5.0)]
    assert f.changepoint is None


def test_changepoint_step_and_none_for_noise():
    f = fit_trend(pd.Series([1.0, 1, 1, 1, 5, 5, 5, 5]))
    assert (f.changepoint.position, f.changepoint.mean_before, f.changepoint.mean_after) == (4, 1.0, 5.0)
    assert f.changepoint.sse_reduction == 1.0
    # alternating 5, 6: the best split (after the 3rd point) removes 1 - 1.8667 / 2 = 6.7% of the squared error
    alternating = pd.Series([5.0, 6, 5, 6, 5, 6, 5, 6])
    assert fit_trend(alternating).changepoint is None
    low_bar = fit_trend(alternating, changepoint_min_reduction=0.05).changepoint
    assert (low_bar.position, low_bar.sse_reduction) == (3, pytest.approx(1 / 15))


@pytest.mark.parametrize(
    "series",
    [
        pd.Series([], dtype="float64"),
        pd.Series([1.0, 2.0]),
        pd.Series([1.0, np.nan, np.nan, 2.0]),
        pd.Series([1.0, 2.0, 3.0], index=pd.DatetimeIndex(["2025-01-01"] * 3)),
        pd.Series([1.0, 2.0, 3.0], index=[7, 7, 7]),
    ],
)
def test_degenerate_inputs_return_none(series):
    assert fit_trend(series) is None


def test_unsorted_index_and_nan_are_handled():
    s = pd.Series([10.0, np.nan, 2.0, 3.0, 7.0, 8.0], index=[4, 9, 0, 1, 2, 3])
    f = fit_trend(s)
    assert f.n == 5 and f.slope == pytest.approx(2.1)


def test_predict_band_matches_forecast():
    f = fit_trend(HAND, horizon=1)
    band = f.predict(np.array([2.0, 5.0]))
    assert band["fitted"].tolist() == pytest.approx([6.0, 12.3])
    assert band["pi_low"].iloc[1] == pytest.approx(f.forecast[0].low)
    # the band of the line at x̄ is t * s / sqrt(n)
    assert band["ci_high"].iloc[0] - 6.0 == pytest.approx(3.1824463053 * math.sqrt(1.9 / 3 / 5), abs=1e-9)
    assert list(f.forecast_frame().columns) == ["step", "at", "mean", "low", "high"]


def test_ols_sum_interval():
    # perfect line y = 1 + 2x: the sum of y(3) and y(4) is 7 + 9 exactly
    assert ols_sum_interval(np.arange(3), np.array([1.0, 3.0, 5.0]), np.array([3.0, 4.0]), np.ones(2)) == (
        pytest.approx(16.0),
        pytest.approx(16.0),
        pytest.approx(16.0),
    )
    assert ols_sum_interval(np.arange(2), np.array([1.0, 3.0]), np.array([3.0]), np.ones(1)) is None
    mean, low, high = ols_sum_interval(np.arange(5), HAND.to_numpy(), np.array([5.0]), np.ones(1))
    assert (mean, low, high) == (pytest.approx(12.3), pytest.approx(8.629823878), pytest.approx(15.970176122))


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


def test_a_subnormal_spread_has_an_r_squared_of_zero():
    f = fit_trend(pd.Series([0.0, 0.0, 5e-324]))
    assert (f.r_squared, f.slope, f.p_value) == (0.0, 0.0, 1.0)


@settings(max_examples=60, deadline=None)
@given(st.lists(finite, min_size=3, max_size=25))
def test_invariants(values):
    f = fit_trend(pd.Series(values))
    assert f is not None
    pair_slopes = [
        (values[j] - values[i]) / (j - i) for i, j in itertools.combinations(range(len(values)), 2)
    ]
    tol = 1e-6 * (1 + max(abs(v) for v in pair_slopes))
    assert min(pair_slopes) - tol <= f.theil_slope <= max(pair_slopes) + tol
    assert f.theil_low - tol <= f.theil_slope <= f.theil_high + tol
    assert f.slope_low - tol <= f.slope <= f.slope_high + tol
    assert f.direction in (IMPROVING, DECLINING, STABLE, VOLATILE)
    assert all(p.low - tol <= p.mean <= p.high + tol for p in f.forecast)
    assert all(math.isfinite(v) for v in (f.slope, f.p_value, f.mk_p, f.r_squared, f.theil_slope))


def test_trend_frame_draws_the_ols_line_at_the_series_points():
    idx = pd.date_range("2025-03-01", periods=4, freq="D", tz="UTC")
    s = pd.Series([1.0, 2.0, 3.0, 5.0], index=idx)
    fit = fit_trend(s)
    f = trend_frame(s, fit)
    # OLS through (0,1), (1,2), (2,3), (3,5): slope 6.5 / 5 = 1.3, intercept 2.75 - 1.3 x 1.5 = 0.8
    assert f["at"].tolist() == list(idx)
    assert f["fitted"].tolist() == pytest.approx([0.8, 2.1, 3.4, 4.7])
    assert (f["ci_low"] <= f["fitted"]).all() and (f["pi_high"] >= f["ci_high"]).all()
