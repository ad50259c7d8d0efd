"""Overview: the five monitoring widgets (the same numbers as /api/telemetry-widgets) and what changed."""

from datetime import timedelta

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from analytics import errors, fmt, monitor
from analytics.trends import trend_arrow
from analytics.view import WIDGET_PAGES
from ui import cache, charts, state
from ui import components as ui
from ui.page import page_view

TREND_COLORS = {"IMPROVING": "normal", "DECLINING": "inverse"}


def widget_card(container, key: str, w, value: str, details: list[str]) -> None:
    """One widget: number, status colour, trend arrow (fit_trend's direction), details and its page."""
    fit, page = w.trend, WIDGET_PAGES[key]
    with container:
        ui.card(
            st,
            w.title,
            value,
            delta=f"{trend_arrow(fit)} {fit.direction.lower()}" if fit else None,
            level=w.level,
            delta_arrow="off",
            delta_color=TREND_COLORS.get(fit.direction if fit else None, "off"),
            help=ui.md(
                f"Status: {w.rule}. Trend of {w.trend_of}"
                + (f": Mann-Kendall p = {fit.mk_p:.3f}." if fit else ": too few points for a trend.")
            ),
        )
        for line in details:
            st.caption(ui.md(line))
        try:
            st.page_link(page.file, label=f"Open {page.title}", icon=":material/arrow_forward:")
        except StreamlitPageNotFoundError:  # the page runs alone (no st.navigation): a plain link
            st.markdown(f"[Open {page.title}]({page.path})")


st.title("Overview")
ui.question("Is anything going wrong right now, and what changed since last week?")
tz, facts, filters = page_view()
if not facts.events:
    st.info(
        "The store holds no telemetry yet. Ingest your Claude Code transcripts (the sidebar's Refresh, or "
        "`python -m analytics ingest`) or load demo data with `python -m analytics demo`."
    )
    st.stop()

view = state.current_view()
w = cache.load(monitor.telemetry_widgets, filters, budgets=view.budgets, threshold_ms=view.threshold_ms)
err, cost, risk, seq, mod = w.error_rate, w.cost_burn, w.timeout_risk, w.tool_sequences, w.model_efficiency
if err.window.calls == 0 and seq.tool_calls == 0:
    st.info(
        f"No API calls or tool calls from {filters.start:%Y-%m-%d} to {filters.end - timedelta(days=1):%Y-%m-%d}: "
        "widen the dates or clear filters in the sidebar."
    )
    st.stop()
if mod.unpriced_models:
    st.warning(
        ui.md(
            f"Requests of models without a known price are not in the spend: {', '.join(mod.unpriced_models)}."
        ),
        icon=":material/money_off:",
    )
st.caption(f"As of {w.now.tz_convert(tz):%Y-%m-%d %H:%M} (the end of the range, or now).")

top = st.columns(3)
bottom = st.columns(2)

recovery = err.recovery
widget_card(
    top[0],
    "error_rate",
    err,
    fmt.pct(err.last_day.error_rate),
    [
        f"Today: {err.last_day.errors:,} errors in {err.last_day.calls:,} API calls; "
        f"whole range {fmt.pct(err.window.error_rate)}.",
        "Recovery: "
        + (
            f"{recovery.sessions_recovered:,} of {recovery.sessions_with_error:,} sessions with an "
            f"error went on (median wait {fmt.duration_ms((recovery.median_wait_s or 0) * 1000)})."
            if recovery and recovery.sessions_with_error
            else "no session had an API error."
        ),
    ],
)

report = cost.report
day_status = report.statuses["day"]
day = report.projection.day if report.projection else None
month = report.projection.month if report.projection else None
widget_card(
    top[1],
    "cost_burn",
    cost,
    fmt.money(report.spent_today),
    [
        f"Spent today: {fmt.pct((day_status.percent_used if day_status else 0) / 100, 0)} of the "
        f"{fmt.money(report.budgets['day'])} daily budget; burning {fmt.money(report.burn_rate)}/hour over the "
        "last 24 h.",
        (f"Projected today {fmt.money(day.projected)}" if day else "No spend today")
        + (
            f"; this month {fmt.money(month.projected)} ({fmt.money(month.low)}–{fmt.money(month.high)})."
            if month
            else "."
        ),
        *[f"{a.level}: {a.message}" for a in report.alerts],
    ],
)

models = risk.models
worst = risk.worst
widget_card(
    top[2],
    "timeout_risk",
    risk,
    fmt.duration_ms(worst["p95_ms"] if worst is not None else None),
    [
        (
            f"p95 of {worst['model']} against a {fmt.duration_ms(risk.threshold_ms)} threshold; "
            + ", ".join(
                f"{m}: {fmt.duration_ms(p)}" for m, p in zip(models["model"], models["p95_ms"], strict=True)
            )
            + "."
        )
        if worst is not None
        else "No request carries a duration (JSONL transcripts have none; OTel events do).",
    ],
)

loop, flow = seq.loop, seq.top_workflow
widget_card(
    bottom[0],
    "tool_sequences",
    seq,
    flow["label"] if flow is not None else "–",
    [
        (
            f"Top workflow in {fmt.pct(flow['session_share'], 0)} of sessions with tool calls."
            if flow is not None
            else "No workflow repeats across sessions yet."
        ),
        (
            f"Costliest loop: {loop.label} ({loop.occurrences:,} times in {loop.sessions:,} sessions, "
            f"{fmt.money(loop.cost_usd)}, {fmt.pct(seq.loop_share, 0)} of tool-session spend)."
            if loop
            else "No loops found."
        ),
        *([seq.suggestion] if seq.suggestion else []),
    ],
)

shares = mod.shares.head(4).dropna(subset=["share_of_cost"])
top_model = mod.top
widget_card(
    bottom[1],
    "model_efficiency",
    mod,
    fmt.pct(top_model["share_of_cost"] if top_model is not None else None, 0),
    [
        ", ".join(
            f"{m} {fmt.pct(s, 0)}" for m, s in zip(shares["model"], shares["share_of_cost"], strict=True)
        )
        + " of spend.",
        mod.savings.sentence
        if mod.savings
        else "No saving found from moving small requests to a cheaper model.",
    ],
)

st.subheader("How did spend and errors move, day by day?")
daily = cache.load(monitor.load_daily_activity, filters)
if not daily.empty:
    cols = st.columns(2)
    with cols[0]:
        ui.chart(charts.daily_spend(daily, tz))
    with cols[1]:
        ui.chart(charts.daily_error_rate(errors.daily_error_series(daily), tz))
    st.caption(
        "The trend arrows above come from these series (Mann-Kendall test); the Costs and Errors pages show "
        "the fitted lines."
    )

st.subheader("What changed since last week?")
if w.changes:
    st.markdown("\n".join(f"- {ui.md(c.sentence)}" for c in w.changes))
else:
    st.caption("No API calls in the last two weeks before the end of the range.")
