"""The few visual building blocks every page shares: the palette, cards, tables, captions.

The palette is the one home of the app's colours (charts take theirs from here,
see :mod:`ui.charts`). Transcript text (prompts, tool inputs, errors) is only
ever shown through :func:`plain` / dataframes, never as Markdown or HTML.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

import altair as alt
import pandas as pd
import streamlit as st

from analytics import fmt
from analytics.filters import Filters

if TYPE_CHECKING:
    from analytics.costs import BlockLimits, BudgetStatus
    from analytics.trends import TrendFit

# One colour per model family and per event type, on every page.
MODEL_COLORS = {
    "opus": "#7b3294",
    "sonnet": "#1f77b4",
    "haiku": "#2ca02c",
}
EXTRA = ["#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#d62728", "#9467bd"]
EVENT_COLORS = {
    "api_request": "#1f77b4",
    "api_error": "#d62728",
    "tool_result": "#2ca02c",
    "tool_decision": "#ff7f0e",
    "user_prompt": "#9467bd",
}
OUTCOME_COLORS = {"succeeded": "#2ca02c", "failed": "#d62728", "rejected by the user": "#ff7f0e"}
PAIR_COLORS = ("#1f77b4", "#ff7f0e")
"""Two things side by side: closed and active blocks, groups A and B."""
HIGHLIGHT_COLORS = ("#2ca02c", "#9ecae1")
"""A highlighted bar, and the others."""
MARK_COLORS = {
    "budget": "red",
    "threshold": "red",
    "rate": "orange",
    "changepoint": "black",
    "trend": "gray",
    "note": "gray",
}
"""Rules, bands and notes drawn over a chart."""
LEVEL_COLORS = {
    "OK": "green",
    "INFO": "blue",
    "WARNING": "orange",
    "CRITICAL": "red",
    "EMERGENCY": "violet",
    "LOW": "green",
    "MEDIUM": "orange",
    "HIGH": "red",
}


def model_color(model: str) -> str:
    """Stable colour of a model: by family, else by a hash of its name."""
    low = (model or "").lower()
    for family, color in MODEL_COLORS.items():
        if family in low:
            shade = int(hashlib.md5(low.encode()).hexdigest(), 16) % 3  # noqa: S324 - colour choice only
            return _shade(color, shade)
    return EXTRA[int(hashlib.md5(low.encode()).hexdigest(), 16) % len(EXTRA)]  # noqa: S324


def _shade(hex_color: str, step: int) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    f = 1 - 0.18 * step
    return f"#{int(r * f):02x}{int(g * f):02x}{int(b * f):02x}"


def question(text: str) -> None:
    """The one question a page (or section) answers."""
    st.markdown(f"**{text}**")


def plain(text: str) -> None:
    """Transcript text as inert plain text (no Markdown, no HTML)."""
    st.text(text)


def level_badge(level: str) -> str:
    color = LEVEL_COLORS.get(level, "gray")
    return f":{color}-badge[{level}]"


def card(
    container,
    label: str,
    value: str,
    delta: str | None = None,
    level: str | None = None,
    help: str | None = None,
    delta_color: str = "inverse",
    delta_arrow: str = "auto",
) -> None:
    """A metric card: value, delta against the previous period and the alert level's colour."""
    with container.container(border=True):
        st.metric(label, value, delta=delta, delta_color=delta_color, help=help, delta_arrow=delta_arrow)
        if level:
            st.markdown(level_badge(level))


def note_card(container, label: str, value: str, note: str | None, **kwargs) -> None:
    """A metric card whose delta line is a neutral note (no colour, no arrow), e.g. "12 of 40 calls"."""
    card(container, label, value, delta=note, delta_color="off", delta_arrow="off", **kwargs)


def vs_before_card(
    container,
    label: str,
    now: float | None,
    before: float | None,
    filters: Filters,
    show: Callable[[float], str],
    change: Callable[[float], str] | None = None,
    help: str | None = None,
    **kwargs,
) -> None:
    """A key number and its change against the window right before it (:meth:`Filters.previous`).

    Parameters
    ----------
    now, before
        The number in the filtered window and in the window before it.
    show
        Formats the value (``show(now)``).
    change
        Formats the size of the difference (default ``show``). The delta reads
        "+12 vs before" (short enough for a card in a row of five), "no change
        vs before" without colour when the two are equal; the help ends with
        "Delta: against the 30 days before." No delta when either number is
        missing (None or NaN).
    help
        What the number is; the help of the card.
    **kwargs
        More of :func:`card` (``delta_color``, ``level``, ...).
    """
    days = filters.days
    window = "Delta: against " + ("the day before." if days == 1 else f"the {days} days before.")
    delta = None if pd.isna(now) or pd.isna(before) else f"{signed(now - before, change or show)} vs before"
    if delta is not None and now == before:  # no arrow and no colour for no change
        delta, kwargs = "no change vs before", {**kwargs, "delta_color": "off", "delta_arrow": "off"}
    card(container, label, show(now), delta=delta, help=f"{help} {window}" if help else window, **kwargs)


def time_left(left: timedelta | None) -> str:
    """How long a budget lasts at the current rate: a duration, "used up", or "–" without a rate."""
    if left is None:
        return "–"
    return "used up" if left.total_seconds() == 0 else fmt.duration_ms(left.total_seconds() * 1000)


def budget_card(container, label: str, status: BudgetStatus | None, unset_help: str) -> None:
    """The card of one budget: its alert level and the share used.

    The help says what was spent, what is left and when it runs out at the
    current rate; a budget that is not set (``status`` None) says ``unset_help``.
    """
    if status is None:
        card(container, label, "not set", help=unset_help)
        return
    left = status.time_to_exhaustion
    when = (
        "no spend in the burn window, so no exhaustion time"
        if left is None
        else "used up"
        if left.total_seconds() == 0
        else f"exhausted in {time_left(left)} at the current rate"
    )
    note_card(
        container,
        label,
        status.level,
        f"{fmt.pct(status.percent_used / 100, 0)} of {fmt.money(status.budget)} used",
        level=status.level,
        help=md(
            f"{fmt.money(status.spend)} spent, {fmt.money(status.remaining)} left; {when}. {status.rule}."
        ),
    )


def table(
    df: pd.DataFrame, name: str, key: str, download: Callable[[], pd.DataFrame] | None = None, **kwargs
) -> None:
    """A dataframe with its CSV download (written when clicked, not on every run): of ``df``, or of what
    ``download`` returns when the table shows only part of it (a page of rows)."""
    st.dataframe(df, hide_index=True, width="stretch", **kwargs)
    st.download_button(
        f"Download {name} (CSV)",
        lambda: (df if download is None else download()).to_csv(index=False).encode(),
        file_name=f"{name.replace(' ', '_')}.csv",
        mime="text/csv",
        key=f"dl_{key}",
    )


def chart(c: alt.Chart | alt.LayerChart, caption: str | None = None) -> None:
    st.altair_chart(c, width="stretch")
    if caption:
        st.caption(caption)


def block_limit_cards(limits: BlockLimits, tz: str) -> None:
    """The active 5-hour block in three cards: when it resets, its tokens and its cost, each against the
    user's own P90 of past blocks (:func:`analytics.costs.block_limits`)."""
    cols = st.columns(3)
    resets = f"{limits.resets_at.tz_convert(tz):%H:%M}" if limits.resets_at is not None else "no active block"
    card(
        cols[0], "Active block resets at", resets, help="Blocks last 5 hours from their first request's hour."
    )
    for col, label, used, p90, show in (
        (cols[1], "Tokens in the active block", limits.tokens, limits.p90_tokens, fmt.tokens),
        (cols[2], "Cost of the active block", limits.cost_usd, limits.p90_cost_usd, fmt.money),
    ):
        note = f"{fmt.pct(used / p90, 0)} of your P90 ({show(p90)})" if p90 else "too few past blocks"
        note_card(col, label, show(used), note, help=md(f"Compared with {limits.method}."))


def unpriced_warning(text: str, models) -> None:
    """Name the models without a known price, if any: ``text`` (Markdown), then the models as text."""
    if len(models):
        st.warning(text + ", ".join(literal(m) for m in models), icon=":material/money_off:")


def nothing_in_window(what: str, filters, facts) -> None:
    """Say that there are no ``what`` in the filtered window, and why, then stop the page."""
    st.info(
        f"No {what} from {filters.start:%Y-%m-%d} to {filters.end - timedelta(days=1):%Y-%m-%d}"
        + (
            " with these filters: widen the dates or clear filters in the sidebar."
            if facts.events
            else ": the store is empty. Ingest your Claude Code transcripts (Refresh) or load the demo data."
        )
    )
    st.stop()


def zone_note(tz: str) -> None:
    st.caption(f"Times and days are in {tz}.")


def md(text: str) -> str:
    """Our own sentences in Markdown: dollar signs are money, not formulas (one already escaped, as
    :func:`literal` escapes data, stays as it is)."""
    return re.sub(r"(?<!\\)\$", r"\\$", text)


def trend_verdict(fit: TrendFit | None, show: Callable[[float], str], per: str = "day") -> str:
    """The trend test's verdict in words: direction with the Mann–Kendall test, the OLS slope per ``per``
    with its 95% interval, and Theil–Sen's slope (robust to outliers) with its interval.

    ``show`` formats a signed change per ``per`` (e.g. money with its sign).
    """
    if fit is None:
        return "Too few points for a trend (it needs 3)."
    k = (pd.Timedelta(days=1) / fit.step) if fit.time_indexed and per == "day" else 1.0
    level = f"{fit.level:.0%}"
    return (
        f"Trend: {fit.direction} (Mann–Kendall τ = {fit.mk_tau:+.2f}, p = {fit.mk_p:.3f}). "
        f"OLS slope {show(fit.slope * k)} per {per} ({level} interval {show(fit.slope_low * k)} to "
        f"{show(fit.slope_high * k)}, p = {fit.p_value:.3f}); Theil–Sen {show(fit.theil_slope * k)} per {per} "
        f"({show(fit.theil_low * k)} to {show(fit.theil_high * k)}). {fit.rule}"
    )


def as_of_note(live: bool, now: pd.Timestamp, last_activity: pd.Timestamp | None, tz: str) -> None:
    """Which moment today's figures describe: now (a live view) or the end of a past window; and, when
    nothing happened on that day, when the last activity was."""
    at = now.tz_convert(tz)
    text = (
        f"**Live**: today's figures are as of {at:%Y-%m-%d %H:%M} (now)."
        if live
        else f"**Past window**: today's figures are as of {at:%Y-%m-%d %H:%M}, the end of the picked window."
    )
    if last_activity is None:
        text += " No activity is recorded."
    elif last_activity.tz_convert(tz).date() < at.date():
        text += f" Nothing happened on {at:%Y-%m-%d}: the last activity was at {last_activity.tz_convert(tz):%Y-%m-%d %H:%M}."
    st.caption(text)


def signed(x: float, show) -> str:
    """A delta with its sign in front (st.metric reads the sign from the first character)."""
    return f"{'-' if x < 0 else '+'}{show(abs(x))}"


def money_range(low: float | None, high: float | None) -> str:
    """An interval of money: $1.20–$3.40."""
    return f"{fmt.money(low)}–{fmt.money(high)}"


def count(n: int) -> str:
    """A count with thousands separators: 12,345."""
    return f"{n:,}"


def seconds(s: float) -> str:
    """A duration given in seconds, the way :func:`analytics.fmt.duration_ms` shows it: 8.2 s, 3.5 min."""
    return fmt.duration_ms(s * 1000)


def points(x: float, digits: int = 2) -> str:
    """A difference of two shares in percentage points: 0.0012 as 0.12 pp."""
    return f"{x * 100:.{digits}f} pp"


def literal(text: str) -> str:
    """Text from the data for a widget label (labels read Markdown): every ASCII punctuation mark escaped."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text)


def in_zone(tz: str, ts) -> pd.Series:
    """Instants as naive times of the reporting zone ``tz`` (charts show them as they are)."""
    return pd.to_datetime(ts).dt.tz_convert(tz).dt.tz_localize(None)
