"""The house chart vocabulary: every chart of the app, built with Altair from frames and plain values.

Each function returns a chart for :func:`ui.components.chart`. A title is the
question the chart answers, axes carry their units, tooltips the exact values;
rules (budgets, thresholds, rates, changepoints) carry a label. Colours come
from the palette of :mod:`ui.components` only: a model or an event type has the
same colour on every page.

The shapes: bars over time (:func:`time_bars`), ranked bars (:func:`ranked_bars`),
grouped bars (:func:`grouped_bars`), bars split into parts (:func:`stacked_parts`),
a rate over time with its trend (:func:`rate_line`, :func:`trend_layers`),
duration ranges (:func:`duration_ranges`) and labelled rules (:func:`labelled_rule`);
the functions named after what they show build on them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import altair as alt
import numpy as np
import pandas as pd

from analytics import fmt
from analytics.trends import TrendFit, trend_frame
from ui.components import (
    EVENT_COLORS,
    HIGHLIGHT_COLORS,
    MARK_COLORS,
    OUTCOME_COLORS,
    PAIR_COLORS,
    in_zone,
    model_color,
)

TOKEN_TYPES = {
    "input": "datum.input_tokens",
    "cache read": "datum.cache_read_tokens",
    "cache write (5 min)": "datum.cache_write_5m_tokens",
    "cache write (1 h)": "datum.cache_write_1h_tokens",
}
"""The kinds of input tokens of a token-mix row, as Vega expressions."""


# ---------------------------------------------------------------------------
# scales and rules
def model_scale(models: Iterable[str]) -> alt.Scale:
    """The palette colour of each of ``models`` (empty names left out), sorted by name."""
    models = sorted({m for m in models if m})
    return alt.Scale(domain=models, range=[model_color(m) for m in models])


def named_scale(colors: Mapping[str, str]) -> alt.Scale:
    """A colour scale from a mapping of value -> colour, in the mapping's order."""
    return alt.Scale(domain=list(colors), range=list(colors.values()))


def event_scale(events: Sequence[str] = tuple(EVENT_COLORS)) -> alt.Scale:
    """The palette colour of each event type of ``events``."""
    return named_scale({e: EVENT_COLORS[e] for e in events})


def _sized(chart: alt.Chart, height=None) -> alt.Chart:
    return chart if height is None else chart.properties(height=height)


def labelled_rule(
    value,
    label: str,
    color: str,
    axis: str = "y",
    kind: str = "Q",
    dash: list[int] | None = None,
    dy: float | None = None,
    offset: float = 0,
) -> list[alt.Chart]:
    """A rule across the chart at ``value`` and its label, as two layers.

    Parameters
    ----------
    value
        Where the rule is, on ``axis`` ("y": a horizontal rule, "x": a vertical one).
    kind
        The Vega-Lite type of ``value``: "Q" for a number, "T" for a (naive, local) time.
    dash
        Stroke dash of the rule; solid when None.
    dy, offset
        The label sits right of the rule's start: ``offset`` pixels along the
        other axis, moved by ``dy`` pixels.
    """
    frame = pd.DataFrame({"value": [value], "label": [label]})
    other = "x" if axis == "y" else "y"
    at = {axis: f"value:{kind}"}
    return [
        alt.Chart(frame).mark_rule(color=color, strokeDash=dash or alt.Undefined).encode(**at),
        alt.Chart(frame)
        .mark_text(align="left", dx=4, dy=alt.Undefined if dy is None else dy, color=color)
        .encode(**at, text="label:N", **{other: alt.value(offset)}),
    ]


def rate_band(rate: float, low: float, high: float, label: str, color: str) -> list[alt.Chart]:
    """A rate as a labelled horizontal rule inside its interval band ``[low, high]``."""
    band = pd.DataFrame({"low": [low], "high": [high]})
    return [
        alt.Chart(band).mark_rect(opacity=0.15, color=color).encode(y="low:Q", y2="high:Q"),
        *labelled_rule(rate, label, color, dy=-6),
    ]


# ---------------------------------------------------------------------------
# shapes
def time_bars(
    frame: pd.DataFrame,
    at: str,
    value: str,
    *,
    x_title: str,
    y_title: str,
    tooltip: list,
    title=alt.Undefined,
    time_unit=alt.Undefined,
    color=alt.Undefined,
    bar_color=alt.Undefined,
    opacity=alt.Undefined,
    height=None,
) -> alt.Chart:
    """Vertical bars over time, in one colour or stacked by a colour encoding.

    Parameters
    ----------
    frame
        One row per bar (or per stacked part).
    at
        Column of the bar's time: naive local times (see :func:`ui.components.in_zone`).
    value
        Column of the bar's height, or an aggregate of one such as ``"sum(cost_usd)"``.
    time_unit
        Vega-Lite time unit the bars are binned by (e.g. ``"yearmonth"``); none by default.
    color, bar_color
        A colour encoding that stacks the bars, or one colour for all of them.
    height
        Chart height (pixels or ``alt.Step``); the layout's default when None.
    """
    chart = (
        alt.Chart(frame, title=title)
        .mark_bar(color=bar_color, opacity=opacity)
        .encode(
            x=alt.X(f"{at}:T", title=x_title, timeUnit=time_unit),
            y=alt.Y(f"{value}:Q", title=y_title),
            color=color,
            tooltip=tooltip,
        )
    )
    return _sized(chart, height)


def ranked_bars(
    frame: pd.DataFrame,
    value: str,
    category: str,
    *,
    value_title,
    category_title,
    tooltip: list,
    title=alt.Undefined,
    sort="-x",
    value_axis=alt.Undefined,
    label_limit: int | None = None,
    color=alt.Undefined,
    bar_color=alt.Undefined,
    height=None,
) -> alt.Chart:
    """Horizontal bars of a value per category, largest on top.

    Parameters
    ----------
    frame
        One row per category.
    value, category
        Columns of the bar length (quantitative) and of its name (nominal).
    value_title, category_title
        Axis titles (None: no title).
    sort
        Order of the categories: ``"-x"`` (largest first), ``"ascending"``, or a list of names.
    value_axis
        An ``alt.Axis`` of the value (e.g. a ``%`` format).
    label_limit
        Widest category label in pixels; Vega-Lite's default when None.
    color, bar_color
        A colour encoding, or one colour for all bars.
    height
        Chart height (pixels or ``alt.Step``); the layout's default when None.
    """
    chart = (
        alt.Chart(frame, title=title)
        .mark_bar(color=bar_color)
        .encode(
            x=alt.X(f"{value}:Q", title=value_title, axis=value_axis),
            y=alt.Y(
                f"{category}:N",
                title=category_title,
                sort=sort,
                axis=alt.Axis(labelLimit=label_limit) if label_limit else alt.Undefined,
            ),
            color=color,
            tooltip=tooltip,
        )
    )
    return _sized(chart, height)


def grouped_bars(
    frame: pd.DataFrame,
    category: str,
    value: str,
    group: str,
    *,
    title: str,
    category_title: str,
    value_title: str,
    color: alt.Color,
    tooltip: list,
    horizontal: bool = False,
    value_scale=alt.Undefined,
    label_limit: int | None = None,
) -> alt.Chart:
    """Bars of a value per category, one bar per group side by side.

    Parameters
    ----------
    frame
        One row per (category, group).
    category, value, group
        Encoding shorthands with their types, e.g. ``"attempt:O"``, ``"n:Q"``, ``"event:N"``.
    color
        The colour encoding of the groups.
    horizontal
        Categories on the y axis (bars grow to the right); on the x axis by default.
    value_scale
        An ``alt.Scale`` of the value (e.g. ``symlog`` for counts over orders of magnitude).
    label_limit
        Widest category label in pixels; Vega-Lite's default when None.
    """
    axis = alt.Axis(labelLimit=label_limit) if label_limit else alt.Undefined
    if horizontal:
        encoding = {
            "x": alt.X(value, title=value_title, scale=value_scale),
            "y": alt.Y(category, title=category_title, axis=axis),
            "yOffset": group,
        }
    else:
        encoding = {
            "x": alt.X(category, title=category_title, axis=axis),
            "y": alt.Y(value, title=value_title, scale=value_scale),
            "xOffset": group,
        }
    return alt.Chart(frame, title=title).mark_bar().encode(**encoding, color=color, tooltip=tooltip)


def stacked_parts(
    frame: pd.DataFrame,
    category: str,
    parts: Mapping[str, str],
    *,
    part: str,
    amount: str,
    title: str,
    value_title: str,
    category_title: str,
    legend_title: str,
    tooltip: list,
    colors: Sequence[str] | None = None,
    sort=alt.Undefined,
    normalize: bool = False,
    label_limit: int | None = None,
) -> alt.Chart:
    """Horizontal bars per category, each split into stacked parts computed from its row.

    Parameters
    ----------
    frame
        One row per category.
    category
        Column of the bar's name.
    parts
        Name of each part -> Vega expression of its amount over the row, e.g.
        ``{"failed": "datum.failed - datum.rejected"}``; stacked in this order.
    part, amount
        Fields the parts are folded into: the part's name and its amount (for tooltips).
    colors
        One colour per part in the order of ``parts``; the theme's when None.
    sort
        Order of the categories (an ``alt.EncodingSortField``, a list, ...).
    normalize
        Each bar as shares of its total (axis in %), instead of amounts.
    label_limit
        Widest category label in pixels; Vega-Lite's default when None.
    """
    return (
        alt.Chart(frame, title=title)
        .transform_calculate(**parts)
        .transform_fold(list(parts), as_=[part, amount])
        .mark_bar()
        .encode(
            x=alt.X(
                f"{amount}:Q",
                title=value_title,
                stack="normalize" if normalize else alt.Undefined,
                axis=alt.Axis(format="%") if normalize else alt.Undefined,
            ),
            y=alt.Y(
                f"{category}:N",
                title=category_title,
                sort=sort,
                axis=alt.Axis(labelLimit=label_limit) if label_limit else alt.Undefined,
            ),
            color=alt.Color(
                f"{part}:N",
                title=legend_title,
                scale=alt.Scale(domain=list(parts), range=list(colors) if colors else alt.Undefined),
            ),
            tooltip=tooltip,
        )
    )


def rate_line(
    frame: pd.DataFrame,
    at: str,
    *,
    x_title: str,
    y_title: str,
    tooltip: list,
    title=alt.Undefined,
    time_unit=alt.Undefined,
    height=None,
) -> alt.Chart:
    """The API error rate over time: a line with points in the colour of API errors.

    Parameters
    ----------
    frame
        ``error_rate`` (a share of API calls) and the time column ``at`` (naive local times).
    height
        Chart height in pixels; the layout's default when None.
    """
    color = EVENT_COLORS["api_error"]
    chart = (
        alt.Chart(frame, title=title)
        .mark_line(point=alt.OverlayMarkDef(color=color), color=color)
        .encode(
            x=alt.X(f"{at}:T", title=x_title, timeUnit=time_unit),
            y=alt.Y("error_rate:Q", title=y_title, axis=alt.Axis(format="%")),
            tooltip=tooltip,
        )
    )
    return _sized(chart, height)


def _local(ts: pd.Series, tz: str) -> pd.Series:
    """Instants as naive local times of ``tz``; naive times (already local days) as they are."""
    ts = pd.to_datetime(ts)
    return in_zone(tz, ts) if ts.dt.tz is not None else ts


def trend_chart(
    series: pd.Series,
    fit: TrendFit | None,
    *,
    title: str,
    y_title: str,
    value_format: str,
    tz: str,
    color: str,
    x_title: str = "Day",
) -> alt.LayerChart:
    """A daily series as points on a line, with its fitted trend, band and changepoint (:func:`trend_layers`).

    ``series`` is indexed by days (tz-aware local midnights, or naive local days); without a fit only
    the series is drawn. ``x_title`` names the days (e.g. "Week starting"); the zone follows it.
    """
    shown = pd.DataFrame({"day": _local(pd.Series(series.index), tz), "value": series.to_numpy()})
    points = (
        alt.Chart(shown)
        .mark_line(point=alt.OverlayMarkDef(color=color), color=color)
        .encode(
            x=alt.X(
                "day:T", title=f"{x_title} ({tz})", timeUnit="yearmonthdate", axis=alt.Axis(format="%b %d")
            ),
            y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format=value_format.replace("$,", "$"))),
            tooltip=[
                alt.Tooltip("day:T", title="Day", timeUnit="yearmonthdate"),
                alt.Tooltip("value:Q", title=y_title, format=value_format),
            ],
        )
    )
    trend = trend_layers(series, fit, tz, value_format) if fit else []
    return alt.layer(points, *trend).properties(title=title)


def trend_layers(series: pd.Series, fit: TrendFit, tz: str, value_format: str) -> list[alt.Chart]:
    """The trend of a series as layers to draw over it: fitted line, confidence band, changepoint.

    Parameters
    ----------
    series
        The values ``fit`` was fitted to, indexed by UTC instants.
    fit
        Its :class:`analytics.trends.TrendFit`; the line and band are
        :func:`analytics.trends.trend_frame` (OLS line and its confidence band).
    tz
        Reporting zone the times are shown in.
    value_format
        Format of the values in the tooltip and the changepoint's label (e.g. ``".2%"``).

    Returns
    -------
    list of alt.Chart
        The band, the dashed fitted line and, when the fit found a changepoint, a
        dashed vertical rule at it labelled with the means before and after.
    """
    line = trend_frame(series, fit).assign(at=lambda d: _local(d["at"], tz))
    color = MARK_COLORS["trend"]
    layers = [
        alt.Chart(line).mark_area(opacity=0.15, color=color).encode(x="at:T", y="ci_low:Q", y2="ci_high:Q"),
        alt.Chart(line)
        .mark_line(color=color, strokeDash=[4, 3])
        .encode(
            x="at:T", y="fitted:Q", tooltip=[alt.Tooltip("fitted:Q", title="Trend", format=value_format)]
        ),
    ]
    cp = fit.changepoint
    if cp is not None:
        label = f"changepoint: {cp.mean_before:{value_format}} → {cp.mean_after:{value_format}}"
        at = _local(pd.Series([cp.at]), tz).iloc[0]
        layers += labelled_rule(at, label, MARK_COLORS["changepoint"], axis="x", kind="T", dash=[2, 2], dy=8)
    return layers


def duration_ranges(
    frame: pd.DataFrame,
    field: str,
    label: str,
    title: str,
    x_title: str,
    more: list,
    line_to: str = "p95_ms",
    color=alt.Undefined,
) -> alt.LayerChart:
    """Duration percentiles per name on a log axis, the slowest p95 on top.

    A dot at the median (``p50_ms``), a tick at ``p95_ms`` and a line from the
    median to ``line_to`` (milliseconds).

    Parameters
    ----------
    frame
        One row per name with ``p50_ms``, ``p95_ms`` and ``line_to``.
    field, label
        Column of the names and its axis title.
    more
        Tooltips after the name, median and p95.
    color
        A colour encoding (e.g. models in their palette colours); none by default.
    """
    base = alt.Chart(frame).encode(
        y=alt.Y(
            f"{field}:N",
            title=label,
            sort=alt.EncodingSortField("p95_ms", order="descending"),
            axis=alt.Axis(labelLimit=260),
        ),
        tooltip=[
            f"{field}:N",
            alt.Tooltip("p50_ms:Q", title="Median (ms)", format=",.0f"),
            alt.Tooltip("p95_ms:Q", title="p95 (ms)", format=",.0f"),
            *more,
        ],
        color=color,
    )
    log = alt.Scale(type="log")
    return alt.layer(
        base.mark_rule(strokeWidth=2).encode(
            x=alt.X("p50_ms:Q", title=x_title, scale=log), x2=f"{line_to}:Q"
        ),
        base.mark_point(filled=True, size=60).encode(x=alt.X("p50_ms:Q", scale=log)),
        base.mark_tick(thickness=2).encode(x=alt.X("p95_ms:Q", scale=log)),
    ).properties(title=title, height=alt.Step(30))


# ---------------------------------------------------------------------------
# overview
def daily_spend(daily: pd.DataFrame, tz: str) -> alt.Chart:
    """Spend per local day (``daily``: ``bucket``, ``cost_usd``, ``requests``)."""
    return time_bars(
        daily.assign(day=daily["bucket"].dt.tz_localize(None)),
        "day",
        "cost_usd",
        title="Spend per day",
        x_title=f"Day ({tz})",
        y_title="Spend (USD)",
        time_unit="yearmonthdate",
        bar_color=EVENT_COLORS["api_request"],
        tooltip=[
            alt.Tooltip("day:T", title="Day", timeUnit="yearmonthdate"),
            alt.Tooltip("cost_usd:Q", title="Spend (USD)", format="$,.2f"),
            alt.Tooltip("requests:Q", title="Requests", format=","),
        ],
        height=220,
    )


def daily_error_rate(rates: pd.DataFrame, tz: str) -> alt.Chart:
    """The API error rate per local day (``rates``: ``bucket``, ``error_rate``, ``errors``)."""
    return rate_line(
        rates.assign(day=rates["bucket"].dt.tz_localize(None)),
        "day",
        title="API error rate per day",
        x_title=f"Day ({tz})",
        y_title="Failed API calls (%)",
        time_unit="yearmonthdate",
        tooltip=[
            alt.Tooltip("day:T", title="Day", timeUnit="yearmonthdate"),
            alt.Tooltip("error_rate:Q", title="Error rate", format=".2%"),
            alt.Tooltip("errors:Q", title="Errors", format=","),
        ],
        height=220,
    )


# ---------------------------------------------------------------------------
# costs
def cost_by_period(split: pd.DataFrame, by: str, period: str, tz: str) -> alt.Chart:
    """Cost per period, stacked by ``by`` (models in their palette colours).

    ``split`` is :func:`analytics.costs.load_costs_by`: ``bucket``, ``key``,
    ``cost_usd``, ``share``, ``requests``, ``unpriced_requests``.
    """
    return time_bars(
        split.assign(start=split["bucket"].dt.tz_localize(None)),
        "start",
        "sum(cost_usd)",
        title=f"What did each {by} cost per {period}?",
        x_title=f"{period.capitalize()} (start, {tz})",
        y_title="Cost (USD)",
        time_unit="yearmonthdate" if period != "month" else "yearmonth",
        color=alt.Color(
            "key:N",
            title=by.capitalize(),
            scale=model_scale(split["key"]) if by == "model" else alt.Undefined,
        ),
        tooltip=[
            alt.Tooltip("start:T", title=period),
            alt.Tooltip("key:N", title=by),
            alt.Tooltip("cost_usd:Q", title="Cost (USD)", format="$,.2f"),
            alt.Tooltip("share:Q", title="Share", format=".1%"),
            alt.Tooltip("requests:Q", format=","),
            alt.Tooltip("unpriced_requests:Q", title="Unpriced requests", format=","),
        ],
    )


def month_curve(curve: pd.DataFrame, budget: float, tz: str) -> alt.LayerChart:
    """Cumulative spend of the month against the monthly budget.

    Solid so far, dashed forecast inside its band (``curve`` is
    :func:`analytics.monitor.month_to_date`), and the monthly ``budget`` (USD)
    as a rule when above zero.
    """
    base = alt.Chart(curve)
    band = (
        base.transform_filter(alt.datum.kind == "forecast")
        .mark_area(opacity=0.2)
        .encode(x="at:T", y="low:Q", y2="high:Q")
    )
    lines = base.mark_line(point=True).encode(
        x=alt.X("at:T", title=f"Date ({tz})"),
        y=alt.Y("cumulative:Q", title="Spend this month (USD)"),
        strokeDash=alt.StrokeDash(
            "kind:N", title=None, scale=alt.Scale(domain=["actual", "forecast"], range=[[1, 0], [5, 4]])
        ),
        tooltip=[
            alt.Tooltip("at:T", title="At", format="%Y-%m-%d %H:%M"),
            "kind:N",
            alt.Tooltip("cumulative:Q", title="Spend (USD)", format="$,.2f"),
            alt.Tooltip("low:Q", title="Low (USD)", format="$,.2f"),
            alt.Tooltip("high:Q", title="High (USD)", format="$,.2f"),
        ],
    )
    layers = [band, lines]
    if budget > 0:
        layers += labelled_rule(
            budget, f"Monthly budget {fmt.money(budget)}", MARK_COLORS["budget"], dash=[2, 2], dy=-6
        )
    return alt.layer(*layers).properties(title="Will this month's spend stay under the monthly budget?")


def hourly_burn(
    hourly: pd.DataFrame,
    rate: float,
    low: float | None,
    high: float | None,
    tz: str,
    window_hours: float,
) -> alt.LayerChart:
    """Spend per local hour under the burn rate and its interval band.

    ``hourly`` is :func:`analytics.monitor.hourly_spend`; ``rate`` in USD per
    hour, ``low``/``high`` its interval (the rate itself when unknown).
    """
    bars = time_bars(
        hourly,
        "hour",
        "cost_usd",
        x_title=f"Hour ({tz})",
        y_title="Spend (USD per hour)",
        time_unit="yearmonthdatehours",
        opacity=0.7,
        tooltip=[
            alt.Tooltip("hour:T", timeUnit="yearmonthdatehours", format="%Y-%m-%d %H:00"),
            alt.Tooltip("cost_usd:Q", title="Spend (USD)", format="$,.2f"),
            "requests:Q",
        ],
    )
    band = rate_band(rate, low or rate, high or rate, f"{fmt.money(rate)}/h", MARK_COLORS["rate"])
    return alt.layer(bars, *band).properties(
        title=f"How fast is money going out? (last {window_hours:g} hours)"
    )


def block_rects(blocks: pd.DataFrame, tz: str) -> alt.Chart:
    """The cost of each 5-hour block, the active one standing out.

    One rectangle per block, as wide as the block and as high as its cost.
    ``blocks``: ``start``/``end`` (naive local), ``state`` ("active" or
    "closed"), ``cost_usd``, ``requests``, ``projected_cost``.
    """
    return (
        alt.Chart(blocks, title="How much did each 5-hour block cost?")
        .mark_rect(opacity=0.8)
        .encode(
            x=alt.X("start:T", title=f"Block ({tz})"),
            x2="end:T",
            y=alt.Y("cost_usd:Q", title="Cost (USD)"),
            y2=alt.datum(0),
            color=alt.Color(
                "state:N", title=None, scale=alt.Scale(domain=["closed", "active"], range=list(PAIR_COLORS))
            ),
            tooltip=[
                alt.Tooltip("start:T", format="%Y-%m-%d %H:%M"),
                alt.Tooltip("end:T", format="%H:%M"),
                alt.Tooltip("cost_usd:Q", title="Cost (USD)", format="$,.2f"),
                "requests:Q",
                alt.Tooltip("projected_cost:Q", title="Projected (USD)", format="$,.2f"),
            ],
        )
    )


# ---------------------------------------------------------------------------
# errors
def error_rate_trend(series: pd.DataFrame, fit: TrendFit | None, tz: str, freq: str) -> alt.LayerChart:
    """The API error rate per hour or day, with its trend when there is a fit.

    ``series``: ``bucket`` (UTC), ``requests``, ``errors``, ``error_rate``;
    ``freq`` is "hour" or "day".
    """
    shown = series.assign(at=in_zone(tz, series["bucket"]), calls=series["requests"] + series["errors"])
    line = rate_line(
        shown,
        "at",
        x_title=f"{freq.capitalize()} ({tz})",
        y_title="Error rate (share of API calls)",
        tooltip=[
            alt.Tooltip("at:T", title=freq, format="%Y-%m-%d %H:%M"),
            alt.Tooltip("error_rate:Q", title="Error rate", format=".2%"),
            "errors:Q",
            "calls:Q",
        ],
    )
    trend = trend_layers(series.set_index("bucket")["error_rate"], fit, tz, ".2%") if fit else []
    return alt.layer(line, *trend).properties(title=f"Is the error rate per {freq} rising or falling?")


def error_class_bars(by_class: pd.DataFrame) -> alt.Chart:
    """API errors per class (``by_class``: ``error_class``, ``errors``, ``share``, ``statuses``)."""
    return ranked_bars(
        by_class.assign(statuses=by_class["statuses"].map(lambda s: ", ".join(map(str, s)))),
        "errors",
        "error_class",
        title="What kind of API errors happen?",
        value_title="API errors",
        category_title="Class",
        bar_color=EVENT_COLORS["api_error"],
        tooltip=[
            "error_class:N",
            "errors:Q",
            alt.Tooltip("share:Q", format=".1%"),
            alt.Tooltip("statuses:N", title="HTTP statuses"),
        ],
    )


def attempt_bars(attempts: pd.DataFrame) -> alt.Chart:
    """API calls per number of attempts, requests and errors side by side on a log scale.

    ``attempts``: ``event``, ``attempt``, ``n``.
    """
    return grouped_bars(
        attempts,
        "attempt:O",
        "n:Q",
        "event:N",
        title="How many tries did API calls need?",
        category_title="Attempts",
        value_title="Calls (log scale)",
        value_scale=alt.Scale(type="symlog"),
        color=alt.Color("event:N", title="Event", scale=event_scale(("api_request", "api_error"))),
        tooltip=["event:N", "attempt:O", alt.Tooltip("n:Q", format=",")],
    )


def duration_histogram(hist: pd.DataFrame, threshold_ms: float) -> alt.LayerChart:
    """Request durations per model on a log axis, with the timeout threshold as a rule.

    ``hist``: ``model``, ``low_ms``, ``high_ms``, ``n``; ``threshold_ms`` in milliseconds.
    """
    bins = (
        alt.Chart(hist)
        .mark_rect(opacity=0.5)
        .encode(
            x=alt.X("low_ms:Q", title="Request duration (ms, log scale)", scale=alt.Scale(type="log")),
            x2="high_ms:Q",
            y=alt.Y("n:Q", title="Requests"),
            y2=alt.datum(0),
            color=alt.Color("model:N", title="Model", scale=model_scale(hist["model"])),
            tooltip=[
                "model:N",
                alt.Tooltip("low_ms:Q", title="From (ms)", format=",.0f"),
                alt.Tooltip("high_ms:Q", title="To (ms)", format=",.0f"),
                alt.Tooltip("n:Q", format=","),
            ],
        )
    )
    rule = labelled_rule(
        threshold_ms,
        f"threshold {fmt.duration_ms(threshold_ms)}",
        MARK_COLORS["threshold"],
        axis="x",
        offset=8,
    )
    return alt.layer(bins, *rule).properties(
        title="How long do requests take, and how many pass the threshold?"
    )


# ---------------------------------------------------------------------------
# tools
def outcome_bars(usage: pd.DataFrame) -> alt.Chart:
    """Calls per tool split by outcome: succeeded, failed, rejected by the user.

    ``usage`` is the table of :class:`analytics.tools.ToolUsage` (a rejection
    counts as failed in its ``failed``).
    """
    return stacked_parts(
        usage,
        "tool",
        {
            "succeeded": "datum.succeeded",
            "failed": "datum.failed - datum.rejected",
            "rejected by the user": "datum.rejected",
        },
        part="outcome",
        amount="n",
        title="Which tools are used most, and how often do they fail?",
        value_title="Calls",
        category_title="Tool",
        legend_title="Outcome",
        colors=list(OUTCOME_COLORS.values()),
        sort=alt.EncodingSortField("calls", order="descending"),
        tooltip=[
            "tool:N",
            "outcome:N",
            alt.Tooltip("n:Q", title="Calls with this outcome", format=","),
            alt.Tooltip("calls:Q", title="All calls", format=","),
            alt.Tooltip("share:Q", title="Share of all calls", format=".1%"),
            alt.Tooltip("success_rate:Q", title="Success rate", format=".1%"),
        ],
    )


def tool_durations(timed: pd.DataFrame) -> alt.LayerChart:
    """Median to p95 duration of each tool (tools with timed calls)."""
    return duration_ranges(
        timed,
        "tool",
        "Tool",
        "How long does each tool take? (median to p95)",
        "Duration (ms, log scale)",
        [
            alt.Tooltip("mean_ms:Q", title="Mean (ms)", format=",.0f"),
            alt.Tooltip("timed_calls:Q", title="Timed calls", format=","),
        ],
    )


def workflow_bars(workflows: pd.DataFrame) -> alt.Chart:
    """Recurring workflows by the share of sessions they occur in, coloured by success.

    ``workflows`` is the table of :class:`analytics.tools.Workflows`.
    """
    return ranked_bars(
        workflows,
        "session_share",
        "label",
        title="Which multi-step workflows recur across sessions?",
        value_title="Share of sessions with tool calls",
        value_axis=alt.Axis(format="%"),
        category_title=None,
        label_limit=320,
        color=alt.Color(
            "success_rate:Q",
            title="Success",
            scale=alt.Scale(scheme="redyellowgreen", domain=[0, 1]),
            legend=alt.Legend(format="%"),
        ),
        tooltip=[
            alt.Tooltip("label:N", title="Workflow"),
            alt.Tooltip("count:Q", title="Occurrences", format=","),
            alt.Tooltip("sessions:Q", format=","),
            alt.Tooltip("session_share:Q", title="Share of sessions", format=".1%"),
            alt.Tooltip("success_rate:Q", title="Without a failed call", format=".1%"),
            alt.Tooltip("cost_usd:Q", title="Attributed cost (USD)", format="$,.2f"),
        ],
    )


def transition_heatmap(transitions: pd.DataFrame) -> alt.LayerChart:
    """P(next tool | tool) as a heatmap, tools in name order on both axes.

    ``transitions``: ``from_tool``, ``to_tool``, ``count``, ``probability``;
    probabilities of 10% and more are written in the cells.
    """
    order = sorted(set(transitions["from_tool"]) | set(transitions["to_tool"]))
    heat = alt.Chart(transitions).encode(
        x=alt.X("to_tool:N", title="Next tool", sort=order),
        y=alt.Y("from_tool:N", title="Tool", sort=order),
        tooltip=[
            alt.Tooltip("from_tool:N", title="From"),
            alt.Tooltip("to_tool:N", title="To"),
            alt.Tooltip("probability:Q", title="Probability", format=".1%"),
            alt.Tooltip("count:Q", title="Transitions", format=","),
        ],
    )
    return alt.layer(
        heat.mark_rect().encode(
            color=alt.Color(
                "probability:Q", title="P(next | tool)", scale=alt.Scale(scheme="blues", domain=[0, 1])
            )
        ),
        heat.transform_filter(alt.datum.probability >= 0.1)
        .mark_text(fontSize=10)
        .encode(
            text=alt.Text("probability:Q", format=".0%"),
            color=alt.condition(alt.datum.probability > 0.5, alt.value("white"), alt.value("black")),
        ),
    ).properties(title="After one tool, which tool comes next?")


# ---------------------------------------------------------------------------
# models
def _by_model(field: str, models: Iterable[str], title=alt.Undefined, legend=alt.Undefined) -> alt.Color:
    return alt.Color(f"{field}:N", title=title, scale=model_scale(models), legend=legend)


def model_cost_bars(summary: pd.DataFrame, models: Iterable[str]) -> alt.LayerChart:
    """Cost per model, in the order of ``summary``; an unpriced model is labelled, not drawn.

    ``summary`` is the table of :class:`analytics.models.ModelSummary` with
    ``cost`` and ``per_request`` as text (:func:`analytics.fmt.money`).
    """
    bars = ranked_bars(
        summary,
        "cost_usd",
        "model",
        value_title="Cost (USD)",
        category_title="Model",
        sort=summary["model"].tolist(),
        label_limit=260,
        color=_by_model("model", models, legend=None),
        tooltip=[
            "model:N",
            alt.Tooltip("cost:N", title="Cost"),
            alt.Tooltip("per_request:N", title="Cost per request"),
            alt.Tooltip("requests:Q", format=","),
            alt.Tooltip("share_of_cost:Q", title="Share of cost", format=".1%"),
            "pricing:N",
        ],
    )
    unpriced = (
        bars.transform_filter(alt.datum.pricing == "unpriced")
        .mark_text(align="left", dx=4)
        .encode(x=alt.value(0), text="cost:N", color=alt.value(MARK_COLORS["note"]))
    )
    return alt.layer(bars, unpriced).properties(title="Which models does the money go to?")


def model_error_bars(summary: pd.DataFrame, models: Iterable[str]) -> alt.Chart:
    """Error rate per model, highest on top."""
    return ranked_bars(
        summary,
        "error_rate",
        "model",
        title="How often does each model fail?",
        value_title="Error rate (share of API calls)",
        value_axis=alt.Axis(format="%"),
        category_title="Model",
        label_limit=260,
        color=_by_model("model", models, legend=None),
        tooltip=[
            "model:N",
            alt.Tooltip("error_rate:Q", title="Error rate", format=".2%"),
            alt.Tooltip("errors:Q", format=","),
            alt.Tooltip("requests:Q", format=","),
        ],
    )


def model_durations(timed: pd.DataFrame, models: Iterable[str]) -> alt.LayerChart:
    """Median, p95 and p99 request duration of each model (models with timed requests)."""
    return duration_ranges(
        timed,
        "model",
        "Model",
        "How long does a request take on each model?",
        "Request duration (ms, log scale)",
        [
            alt.Tooltip("p99_ms:Q", title="p99 (ms)", format=",.0f"),
            alt.Tooltip("ttft_p50_ms:Q", title="Median time to first token (ms)", format=",.0f"),
            alt.Tooltip("timed_requests:Q", title="Timed requests", format=","),
        ],
        line_to="p99_ms",
        color=_by_model("model", models, legend=None),
    )


def repricing_bars(repriced: pd.DataFrame, models: Iterable[str]) -> alt.Chart:
    """Each model's requests priced as every other model, side by side.

    ``repriced`` is the table of :class:`analytics.models.Repricing`.
    """
    return grouped_bars(
        repriced.assign(actual=repriced["actual_cost_usd"].map(fmt.money)),
        "source_model:N",
        "repriced_cost_usd:Q",
        "target_model:N",
        title="What would each model's requests have cost on another model?",
        category_title="Requests answered by",
        value_title="Cost of the same tokens (USD)",
        horizontal=True,
        label_limit=260,
        color=_by_model("target_model", models, title="Priced as"),
        tooltip=[
            alt.Tooltip("source_model:N", title="Answered by"),
            alt.Tooltip("target_model:N", title="Priced as"),
            alt.Tooltip("requests:Q", format=","),
            alt.Tooltip("actual:N", title="Actual cost"),
            alt.Tooltip("repriced_cost_usd:Q", title="Would have cost (USD)", format="$,.2f"),
            alt.Tooltip("difference_usd:Q", title="Difference (USD)", format="+$,.2f"),
            alt.Tooltip("ratio:Q", title="Ratio", format=".2f"),
        ],
    )


def token_mix(cache: pd.DataFrame) -> alt.Chart:
    """Where each model's input comes from, as shares of its input tokens.

    Input, cache reads, 5-minute and 1-hour cache writes; ``cache`` is the table
    of :class:`analytics.models.CacheEfficiency`.
    """
    return stacked_parts(
        cache,
        "model",
        TOKEN_TYPES,
        part="kind",
        amount="tokens",
        title="Where does each model's input come from?",
        value_title="Share of input tokens",
        category_title="Model",
        legend_title="Input",
        normalize=True,
        label_limit=260,
        tooltip=["model:N", "kind:N", alt.Tooltip("tokens:Q", format=",")],
    )


def model_unit_costs(table: pd.DataFrame, models: Iterable[str]) -> alt.Chart:
    """Cost per accepted edit and per commit of each model, side by side (models without either left out).

    ``table`` is :func:`analytics.outcomes.model_outcomes`.
    """
    units = {"cost_per_accepted_edit": "per accepted edit", "cost_per_commit": "per commit"}
    long = table.melt(id_vars=["model"], value_vars=list(units), var_name="unit", value_name="usd").dropna()
    long["unit"] = long["unit"].map(units)
    return (
        alt.Chart(long, title="What does an accepted edit and a commit cost on each model?")
        .mark_bar()
        .encode(
            y=alt.Y("model:N", title="Model", axis=alt.Axis(labelLimit=260)),
            x=alt.X("usd:Q", title="USD per outcome"),
            yOffset="unit:N",
            color=alt.Color(
                "unit:N", title="Cost", scale=alt.Scale(domain=list(units.values()), range=list(PAIR_COLORS))
            ),
            tooltip=[
                "model:N",
                alt.Tooltip("unit:N", title="Cost"),
                alt.Tooltip("usd:Q", title="USD", format="$,.4f"),
            ],
        )
    )


# ---------------------------------------------------------------------------
# outcomes
def spend_bought(weekly: pd.DataFrame, count: str, label: str, tz: str) -> alt.LayerChart:
    """Spend per week (bars) and what it bought (a line on its own axis): ``count`` of each week.

    ``weekly`` is :func:`analytics.outcomes.with_unit_costs` by week (``key``: the Monday, YYYY-MM-DD);
    ``label`` names ``count`` in words (e.g. "accepted edits").
    """
    shown = weekly.assign(week=pd.to_datetime(weekly["key"]), bought=weekly[count])
    x = alt.X(
        "week:T", title=f"Week starting ({tz})", timeUnit="yearmonthdate", axis=alt.Axis(format="%b %d")
    )
    tooltip = [
        alt.Tooltip("week:T", title="Week starting", timeUnit="yearmonthdate"),
        alt.Tooltip("cost_usd:Q", title="Spend (USD)", format="$,.2f"),
        alt.Tooltip("commits:Q", title="Commits", format=","),
        alt.Tooltip("pull_requests:Q", title="Pull requests", format=","),
        alt.Tooltip("lines_added:Q", title="Lines added", format=","),
        alt.Tooltip("lines_removed:Q", title="Lines removed", format=","),
        alt.Tooltip("accepted_edits:Q", title="Accepted edits", format=","),
    ]
    bars = (
        alt.Chart(shown)
        .mark_bar(color=EVENT_COLORS["api_request"], opacity=0.6)
        .encode(x=x, y=alt.Y("cost_usd:Q", title="Spend (USD)", axis=alt.Axis(format="$")), tooltip=tooltip)
    )
    color = HIGHLIGHT_COLORS[0]
    line = (
        alt.Chart(shown)
        .mark_line(point=alt.OverlayMarkDef(color=color), color=color)
        .encode(
            x=x,
            y=alt.Y("bought:Q", title=label.capitalize(), axis=alt.Axis(titleColor=color)),
            tooltip=tooltip,
        )
    )
    return (
        alt.layer(bars, line)
        .resolve_scale(y="independent")
        .properties(title=f"What did each week's spend buy? Spend and {label}")
    )


# ---------------------------------------------------------------------------
# sessions
SCORE_FACTOR_TITLES = {
    "cost_efficiency": "Cost efficiency",
    "error_resilience": "Error resilience",
    "tool_effectiveness": "Tool effectiveness",
    "time_management": "Time management",
    "outcome_efficiency": "Outcome efficiency",
}


def score_points(scores: pd.DataFrame, tz: str) -> alt.Chart:
    """Each session's productivity score at its start, coloured by its main model.

    ``scores`` is the table of :class:`analytics.sessions.ProductivityScores` (the caller bounds its
    rows: a browser draws a few thousand points quickly, not tens of thousands). The chart carries
    only the columns it draws.
    """
    drawn = ["start", "score", "primary_model", "session_id", "project", *SCORE_FACTOR_TITLES]
    points = scores[drawn].assign(start=in_zone(tz, scores["start"]))
    return (
        alt.Chart(points, title="Which sessions scored well, and when?")
        .mark_circle(size=60, opacity=0.8)
        .encode(
            x=alt.X("start:T", title=f"Session start ({tz})"),
            y=alt.Y("score:Q", title="Productivity score (0–100)", scale=alt.Scale(domain=[0, 100])),
            color=_by_model("primary_model", points["primary_model"], title="Main model"),
            tooltip=[
                alt.Tooltip("start:T", format="%Y-%m-%d %H:%M"),
                "session_id:N",
                alt.Tooltip("score:Q", format=".0f"),
                *(alt.Tooltip(f"{c}:Q", title=t, format=".2f") for c, t in SCORE_FACTOR_TITLES.items()),
                "project:N",
            ],
        )
    )


def peak_hour_bars(hours: pd.DataFrame, best_hours: Sequence[int], tz: str) -> alt.Chart:
    """Mean productivity score per hour of the day the session started, the best hours highlighted.

    ``hours`` is the table of :class:`analytics.sessions.PeakHours`.
    """
    best, other = HIGHLIGHT_COLORS
    return (
        alt.Chart(hours, title="At what hour of the day do sessions score best?")
        .mark_bar()
        .encode(
            x=alt.X("hour:O", title=f"Hour the session started ({tz})"),
            y=alt.Y("mean_score:Q", title="Mean productivity score", scale=alt.Scale(domain=[0, 100])),
            color=alt.condition(
                alt.FieldOneOfPredicate("hour", list(best_hours)), alt.value(best), alt.value(other)
            ),
            tooltip=[
                "hour:O",
                "sessions:Q",
                alt.Tooltip("mean_score:Q", format=".1f"),
                alt.Tooltip("median_score:Q", format=".1f"),
            ],
        )
    )


BOX_COLUMNS = ["group", "n", "lower", "q1", "median", "q3", "upper"]
BOX_TITLES = {
    "lower": "Lower whisker",
    "q1": "First quartile",
    "median": "Median",
    "q3": "Third quartile",
    "upper": "Upper whisker",
}


def box_stats(
    frame: pd.DataFrame, key: str, column: str, groups: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tukey box plots of ``column`` per group of ``key`` (the values of ``groups``, in that order).

    Returns the boxes (:data:`BOX_COLUMNS`: quartiles interpolated linearly, as Vega-Lite's box plot
    takes them; whiskers at the furthest values within 1.5 times the box's length beyond it) and the
    values beyond the whiskers (``group``, ``value``). Missing values are left out; a group without
    any value has no box.
    """
    boxes, outside = [], []
    for group in groups:
        values = frame.loc[frame[key] == group, column].dropna().astype("float64").to_numpy()
        if len(values) == 0:
            continue
        q1, median, q3 = np.quantile(values, [0.25, 0.5, 0.75])
        reach = 1.5 * (q3 - q1)
        inside = values[(values >= q1 - reach) & (values <= q3 + reach)]
        boxes.append([group, len(values), inside.min(), q1, median, q3, inside.max()])
        beyond = values[(values < q1 - reach) | (values > q3 + reach)]
        outside.append(pd.DataFrame({"group": group, "value": beyond}))
    points = pd.concat(outside, ignore_index=True) if outside else pd.DataFrame(columns=["group", "value"])
    return pd.DataFrame(boxes, columns=BOX_COLUMNS), points


def group_boxes(
    frame: pd.DataFrame,
    key: str,
    column: str,
    measure: str,
    unit: str,
    groups: Sequence[str],
    group_title: str,
    by_model: bool = False,
) -> alt.LayerChart:
    """How a per-session measure is spread in each of two (or more) groups: one box plot each.

    ``column`` of ``frame`` holds the ``measure`` (its name in words, in ``unit``),
    ``key`` the group; rows of other groups are left out. One row per group in the
    order of ``groups``: models in their palette colours (``by_model``), other
    groups in the pair colours. The boxes are computed here (:func:`box_stats`): the
    browser gets a row per group and the values beyond the whiskers, not every session.
    """
    scale = model_scale(groups) if by_model else alt.Scale(domain=list(groups), range=list(PAIR_COLORS))
    boxes, points = box_stats(frame, key, column, groups)
    y = alt.Y("group:N", title=group_title, sort=list(groups), axis=alt.Axis(labelLimit=260))
    color = alt.Color("group:N", legend=None, scale=scale)
    x_title = f"{measure.capitalize()} per session ({unit})"
    base = alt.Chart(boxes).encode(y=y, color=color)
    tips = [
        alt.Tooltip("group:N", title=group_title),
        alt.Tooltip("n:Q", title="Sessions", format=","),
        *(alt.Tooltip(f"{c}:Q", title=t) for c, t in BOX_TITLES.items()),
    ]
    whiskers = base.mark_rule().encode(x=alt.X("lower:Q", title=x_title), x2="upper:Q")
    box = base.mark_bar(size=28).encode(x="q1:Q", x2="q3:Q", tooltip=tips)
    median = base.mark_tick(color="white", size=28, thickness=2).encode(x="median:Q", tooltip=tips)
    beyond = (
        alt.Chart(points)
        .mark_point(size=20, filled=True, opacity=0.6)
        .encode(x="value:Q", y=y, color=color, tooltip=[alt.Tooltip("value:Q", title=measure)])
    )
    return alt.layer(
        whiskers, box, median, beyond, title=f"How is {measure} per session spread in each group?"
    ).properties(height=alt.Step(50))


# ---------------------------------------------------------------------------
# search
def facet_bars(facet: pd.DataFrame, name: str, title: str, tz: str) -> alt.Chart:
    """Matches per value of one search facet: days in date order, other facets by count.

    ``facet``: ``value``, ``hits`` (:meth:`analytics.search.SearchResults.facet`).
    """
    return ranked_bars(
        facet,
        "hits",
        "value",
        title=title,
        value_title="Matches",
        value_axis=alt.Axis(tickMinStep=1, format="d"),
        category_title=f"{name.capitalize()} ({tz})" if name == "day" else name.capitalize(),
        sort="ascending" if name == "day" else "-x",
        label_limit=280,
        tooltip=[alt.Tooltip("value:N", title=name), alt.Tooltip("hits:Q", title="Matches", format=",")],
        height=alt.Step(20),
    )
