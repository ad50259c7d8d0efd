"""The few visual building blocks every page shares: colours, cards, tables, captions.

Transcript text (prompts, tool inputs, errors) is only ever shown through
:func:`plain` / dataframes, never as Markdown or HTML.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import altair as alt
import pandas as pd
import streamlit as st

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


def model_scale(models) -> alt.Scale:
    models = sorted({m for m in models if m})
    return alt.Scale(domain=models, range=[model_color(m) for m in models])


def event_scale() -> alt.Scale:
    return alt.Scale(domain=list(EVENT_COLORS), range=list(EVENT_COLORS.values()))


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


def table(df: pd.DataFrame, name: str, key: str, **kwargs) -> None:
    """A dataframe with its CSV download (written when clicked, not on every run)."""
    st.dataframe(df, hide_index=True, width="stretch", **kwargs)
    st.download_button(
        f"Download {name} (CSV)",
        lambda: df.to_csv(index=False).encode(),
        file_name=f"{name.replace(' ', '_')}.csv",
        mime="text/csv",
        key=f"dl_{key}",
    )


def chart(c: alt.Chart | alt.LayerChart, caption: str | None = None) -> None:
    st.altair_chart(c, width="stretch")
    if caption:
        st.caption(caption)


def duration_ranges(
    df: pd.DataFrame,
    field: str,
    label: str,
    title: str,
    x_title: str,
    more: list,
    line_to: str = "p95_ms",
    **encode,
) -> alt.LayerChart:
    """Duration percentiles per ``field`` on a log axis: a dot at the median (``p50_ms``), a tick at
    ``p95_ms`` and a line from the median to ``line_to``; the slowest p95 on top. The tooltip shows
    the name, median and p95, then ``more``."""
    base = alt.Chart(df).encode(
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
        **encode,
    )
    log = alt.Scale(type="log")
    return alt.layer(
        base.mark_rule(strokeWidth=2).encode(
            x=alt.X("p50_ms:Q", title=x_title, scale=log), x2=f"{line_to}:Q"
        ),
        base.mark_point(filled=True, size=60).encode(x=alt.X("p50_ms:Q", scale=log)),
        base.mark_tick(thickness=2).encode(x=alt.X("p95_ms:Q", scale=log)),
    ).properties(title=title, height=alt.Step(30))


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
    """Our own sentences in Markdown: dollar signs are money, not formulas."""
    return text.replace("$", r"\$")


def signed(x: float, show) -> str:
    """A delta with its sign in front (st.metric reads the sign from the first character)."""
    return f"{'-' if x < 0 else '+'}{show(abs(x))}"


def in_zone(tz: str, ts) -> pd.Series:
    """Instants as naive times of the reporting zone ``tz`` (charts show them as they are)."""
    return pd.to_datetime(ts).dt.tz_convert(tz).dt.tz_localize(None)
