"""What the spend bought, on the pages: the outcome sections of Sessions, Models and Costs.

Every number comes from :mod:`analytics.outcomes` (loaded through :func:`ui.cache.load`); this
module only lays it out. File paths, commit hashes and pull request URLs (``ref``) pass the
text gate (:func:`ui.access.redact_text`); names from the data are shown as text.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import streamlit as st

from analytics import fmt, outcomes
from analytics.filters import Filters
from ui import access, cache, charts, state
from ui import components as ui

SOURCES = (
    "From transcripts (derived: edit results, the hashes `git commit` printed, the URLs `gh pr create` "
    "printed) and OpenTelemetry metrics (reported); a session's reported outcomes of a kind replace its "
    "derived ones, so nothing is counted twice. An outcome is a commit, a pull request or an accepted edit."
)
SESSION_COLUMNS = {
    "commits": st.column_config.NumberColumn("Commits"),
    "pull_requests": st.column_config.NumberColumn("PRs"),
    "lines_added": st.column_config.NumberColumn("Lines +"),
    "lines_removed": st.column_config.NumberColumn("Lines −"),
    "files": st.column_config.NumberColumn("Files"),
    "accepted_edits": st.column_config.NumberColumn("Accepted edits"),
    "per_outcome": st.column_config.TextColumn("Cost per outcome"),
}
"""Column configs of what a session produced, for the sessions table."""
SPENT_NOTHING = '"nothing produced" when a session spent and produced no outcome; – without a priced cost.'


PAGE_ROWS = 500
"""Sessions per page of the session table: a browser draws a few hundred rows at once, not 30,000."""
SESSION_SORTS = {
    "start": "Newest first",
    "score": "Highest score first",
    "cost_usd": "Costliest first",
    "active_s": "Longest active time first",
    "requests": "Most requests first",
    "error_rate": "Highest share of failed operations first",
}
"""How the session table can be ordered (descending; sessions without the value last, then newest first)."""


def session_table(table: pd.DataFrame, tz: str, columns: list[str]) -> None:
    """Every session, a page of :data:`PAGE_ROWS` at a time, with what it produced and its cost per outcome.

    ``table`` is :func:`analytics.sessions.with_scores` of :func:`analytics.outcomes.with_session_outcomes`;
    ``columns`` the columns shown, in order. The whole table is sorted (newest first by default), then
    one page is drawn; its CSV download holds every session in that order.
    """
    n = len(table)
    pages = max(1, -(-n // PAGE_ROWS))
    c1, c2 = st.columns([3, 1])
    by = c1.selectbox("Order", list(SESSION_SORTS), format_func=SESSION_SORTS.get, key="sessions_sort")
    if st.session_state.get("sessions_page", 1) > pages:  # fewer sessions than when the page was picked
        st.session_state["sessions_page"] = 1
    page = int(c2.number_input(f"Page (of {pages:,})", 1, pages, 1, key="sessions_page", disabled=pages == 1))
    ordered = table.sort_values([by, "start"], ascending=False, na_position="last", kind="stable")
    rows = ordered.iloc[(page - 1) * PAGE_ROWS : page * PAGE_ROWS]

    def shown(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(
            start=ui.in_zone(tz, frame["start"]),
            end=ui.in_zone(tz, frame["end"]),
            span=(frame["duration_s"] * 1000).map(fmt.duration_ms),
            active=(frame["active_s"] * 1000).map(fmt.duration_ms),
            per_outcome=frame["cost_per_outcome"].map(fmt.unit_cost),
        )

    ui.table(
        shown(rows),
        "sessions",
        key="sessions",
        download=lambda: shown(ordered),
        column_order=columns,
        column_config={
            "start": st.column_config.DatetimeColumn(f"Start ({tz})", format="YYYY-MM-DD HH:mm"),
            "span": st.column_config.TextColumn("Span"),
            "active": st.column_config.TextColumn("Active"),
            "error_rate": st.column_config.NumberColumn("Failed ops", format="percent"),
            "cost_usd": st.column_config.NumberColumn("Cost (USD; blank: unpriced)", format="dollar"),
            "cost_per_request": st.column_config.NumberColumn("Per request", format="dollar"),
            "score": st.column_config.ProgressColumn("Score", min_value=0, max_value=100, format="%.0f"),
            **SESSION_COLUMNS,
        },
    )
    first = (page - 1) * PAGE_ROWS + 1 if n else 0
    st.caption(
        f"Sessions {first:,}–{first + len(rows) - 1 if n else 0:,} of {n:,}, "
        f"{SESSION_SORTS[by].lower()}; the CSV holds all of them. Cost per outcome: " + SPENT_NOTHING
    )


def produced_cards(totals: outcomes.OutcomeTotals) -> None:
    """What the window produced, in five cards."""
    cols = st.columns(5)
    ui.card(cols[0], "Commits", ui.count(totals.commits))
    ui.card(cols[1], "Pull requests", ui.count(totals.pull_requests))
    changed = totals.lines_added + totals.lines_removed
    lines = f"+{totals.lines_added:,} / −{totals.lines_removed:,}"
    ui.note_card(cols[2], "Lines changed", ui.count(changed), lines, help=f"In {totals.files:,} files.")
    ui.note_card(
        cols[3], "Accepted edits", ui.count(totals.accepted_edits), f"{totals.rejected_edits:,} rejected"
    )
    per = "Spend / (commits + pull requests + accepted edits), priced requests only."
    ui.card(cols[4], "Cost per outcome", fmt.unit_cost(totals.cost_per_outcome), help=per)


def session_outcomes(
    filters: Filters, by_session: pd.DataFrame, session_id: str, label: str, tz: str
) -> None:
    """The window's outcomes in cards, the waste list and the outcomes of one session, each traceable."""
    produced_cards(cache.load(outcomes.load_totals, filters))
    st.caption(ui.md(SOURCES))
    st.markdown("**Which sessions spent without producing anything?**")
    waste = outcomes.waste_list(by_session)
    if waste.empty:
        st.caption(
            "None: every session that spent produced a commit, a pull request, a line or an accepted edit."
        )
    else:
        ui.table(
            waste.assign(start=ui.in_zone(tz, pd.to_datetime(waste["first_ts"]).dt.tz_localize("UTC"))),
            "sessions without outcomes",
            key="waste",
            column_order=["start", "key", "project", "cost_usd", "requests"],
            column_config={
                "start": st.column_config.DatetimeColumn(f"Start ({tz})", format="YYYY-MM-DD HH:mm"),
                "key": st.column_config.TextColumn("Session"),
                "cost_usd": st.column_config.NumberColumn("Cost (USD)", format="dollar"),
            },
        )
        st.caption(
            "No commit, pull request, changed line or accepted edit; most expensive first (at most 20)."
        )
    st.markdown("**What did this session produce?**")
    ui.plain(label)
    listed = cache.load(outcomes.load_session_outcomes, None, session_id=session_id)
    if listed.empty:
        st.caption("No outcome recorded for this session.")
        return
    shown = access.redact_text(
        listed.assign(ts=ui.in_zone(tz, pd.to_datetime(listed["ts"]).dt.tz_localize("UTC")))
    )
    ui.table(
        shown,
        "session outcomes",
        key="session_outcomes",
        column_order=[
            "ts",
            "kind",
            "outcome_source",
            "tool",
            "tool_use_id",
            "decision",
            "lines_added",
            "lines_removed",
            "value",
            "language",
            "ref",
        ],
        column_config={
            "ts": st.column_config.DatetimeColumn(f"When ({tz})", format="YYYY-MM-DD HH:mm:ss"),
            "outcome_source": st.column_config.TextColumn("Source"),
            "tool_use_id": st.column_config.TextColumn("Tool call"),
            "ref": st.column_config.TextColumn("File, commit or pull request"),
        },
    )


def model_outcomes(filters: Filters, usage: pd.DataFrame, models: Iterable[str]) -> None:
    """Models compared on cost per accepted edit and per commit, next to cost per token and per request."""
    table = outcomes.model_outcomes(cache.load(outcomes.load_outcomes_by, filters, by="model"), usage)
    if not (table["outcomes"].sum() or table["changed_lines"].sum()):
        st.caption(
            "No commit, pull request, changed line or accepted edit in this range: nothing to divide by."
        )
        return
    ui.chart(
        charts.model_unit_costs(table, models),
        caption="A reported outcome (OpenTelemetry names no model) counts for its session's main model.",
    )
    money = {c: table[c].map(fmt.unit_cost) for c in (*outcomes.UNIT_COSTS, "cost_per_outcome")}
    tokens = table["cost_per_million_tokens"].map(fmt.money)
    shown = table.assign(**money, cost=table["cost_usd"].map(fmt.money), per_mtok=tokens)
    shown["per_request"] = table["cost_per_request"].map(fmt.money)
    text = st.column_config.TextColumn
    ui.table(
        shown,
        "models per outcome",
        key="model_outcomes",
        column_order=["model", "cost", "per_mtok", "per_request", "cost_per_accepted_edit", "cost_per_commit"]
        + ["cost_per_pull_request", "cost_per_100_lines", "commits", "pull_requests", "changed_lines"]
        + ["accepted_edits"],
        column_config={
            "cost": text("Cost"),
            "per_mtok": text("Per 1M tokens"),
            "per_request": text("Per request"),
            "cost_per_accepted_edit": text("Per accepted edit"),
            "cost_per_commit": text("Per commit"),
            "cost_per_pull_request": text("Per pull request"),
            "cost_per_100_lines": text("Per 100 lines"),
            "changed_lines": st.column_config.NumberColumn("Lines changed"),
        },
    )
    st.caption(ui.md(SOURCES + " –: no such outcome; unpriced: no known price (never $0)."))


def spend_bought(filters: Filters, tz: str) -> None:
    """Spend per week with what it bought, and the cost of one outcome per week with its fitted trend."""
    weekly = outcomes.with_unit_costs(cache.load(outcomes.load_outcomes_by, filters, by="week"))
    labels = outcomes.UNIT_LABELS
    unit = state.url_widget(
        st.segmented_control, "Cost per", list(labels), "bought_unit", "cost_per_accepted_edit",
        format_func=labels.get, required=True,
    )  # fmt: skip
    if weekly.empty or not weekly[outcomes.UNIT_COUNTS[unit]].any():
        st.caption(
            f"No {labels[unit].split(' (')[0]} in this range: the spend bought none that was recorded."
        )
        return
    count = outcomes.UNIT_COUNTS[unit]
    named = "changed lines" if count == "changed_lines" else count.replace("_", " ")
    ui.chart(charts.spend_bought(weekly, count, named, tz), caption=ui.md(SOURCES))
    series = outcomes.weekly_unit_cost(weekly, unit)
    fit = outcomes.unit_cost_trend(series)
    title = f"Cost per {labels[unit].split(' (')[0]} per week and its fitted trend"
    color = ui.EVENT_COLORS["api_request"]
    chart = charts.trend_chart(
        series,
        fit,
        title=title,
        y_title="USD",
        value_format="$,.2f",
        tz=tz,
        color=color,
        x_title="Week starting",
    )
    verdict = ui.trend_verdict(fit, lambda x: ui.signed(x, fmt.money), per="week")
    ui.chart(chart, caption=ui.md(verdict + " Weeks without such an outcome have no point (never $0)."))
