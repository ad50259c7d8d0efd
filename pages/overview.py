"""Overview: the five monitoring widgets (the same numbers as /api/telemetry-widgets) and what changed."""

from datetime import timedelta
from urllib.parse import urlencode

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from analytics import fmt, monitor
from analytics.trends import trend_arrow
from analytics.view import WIDGET_PAGES, chart_link
from ui import cache, sections, state
from ui import components as ui
from ui.page import page_view

TREND_COLORS = {"IMPROVING": "normal", "DECLINING": "inverse"}


def widget_card(container, key: str, w, value: str, details: list[str]) -> None:
    """One widget: number, status colour and why, trend arrow linked to its chart, details, its page."""
    fit, page, shared = w.trend, WIDGET_PAGES[key], state.shared_params()
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
        st.caption(f"**{w.level}**: {ui.literal(w.reason)}")
        for line in details:
            st.caption(ui.md(line))
        query = f"?{urlencode(shared, doseq=True)}" if shared else ""
        path, anchor = chart_link(key).split("#")
        st.markdown(f"[{trend_arrow(fit) or '→'} The trend of {w.trend_of}, fitted]({path}{query}#{anchor})")
        try:
            st.page_link(
                page.file, label=f"Open {page.title}", icon=":material/arrow_forward:", query_params=shared
            )
        except StreamlitPageNotFoundError:  # the page runs alone (no st.navigation): a plain link
            st.markdown(f"[Open {page.title}]({page.path}{query})")


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
now = state.as_of(filters)
# drawn in two steps: the first three cards, then the tool and model ones (the slowest to compute)
w = cache.load(monitor.first_widgets, filters, budgets=view.budgets, threshold_ms=view.threshold_ms, now=now)
err, cost, risk = w.error_rate, w.cost_burn, w.timeout_risk
unpriced_note = st.empty()
ui.as_of_note(view.is_live(), w.now, w.last_activity, tz)
if err.window.calls == 0 and err.window_failures.tool_calls == 0:
    last_day = filters.end - timedelta(days=1)
    st.info(
        f"No API calls or tool calls from {filters.start:%Y-%m-%d} to {last_day:%Y-%m-%d}: widen the dates "
        "or clear filters in the sidebar. The cards below still show today."
    )

top = st.columns(3)
bottom = st.columns(2)

recovery, today, window = err.recovery, err.today, err.window_failures
widget_card(
    top[0],
    "error_rate",
    err,
    fmt.pct(err.last_day.error_rate),
    [
        f"Whole range: {fmt.pct(err.window.error_rate)} of {err.window.calls:,} API calls failed; "
        f"{fmt.pct(window.tool_failure_rate)} of {window.tool_calls:,} tool calls; "
        f"{window.rejected:,} rejected and {window.interrupted:,} interrupted by the user.",
        ("API errors by class: " + ", ".join(f"{c} {n:,}" for c, n in window.error_classes) + ".")
        if window.error_classes
        else "No API error in the range.",
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
day = report.projection.day if report.projection else None
month = report.projection.month if report.projection else None
widget_card(
    top[1],
    "cost_burn",
    cost,
    fmt.money(report.spent_today),
    [
        f"Spent today against the {fmt.money(report.budgets['day'])} daily budget; burning "
        f"{fmt.money(report.burn_rate)}/hour over the last {report.window_hours:g} h.",
        (f"Projected today {fmt.money(day.projected)}" if day else "No spend today")
        + (
            f"; this month {fmt.money(month.projected)} ({ui.money_range(month.low, month.high)})."
            if month
            else "."
        ),
        *[f"{a.level}: {a.message}" for a in report.alerts],
    ],
)

models, worst = risk.models, risk.worst
widget_card(
    top[2],
    "timeout_risk",
    risk,
    fmt.duration_ms(worst["p95_ms"] if worst is not None else None),
    [
        "p95 per model: "
        + ", ".join(
            f"{ui.literal(m)} {fmt.duration_ms(p)}"
            for m, p in zip(models["model"], models["p95_ms"], strict=True)
        )
        + "."
    ]
    if worst is not None
    else [],
)

seq, mod = cache.load(monitor.tool_and_model_widgets, filters, daily=w.daily)
if mod.unpriced_models:
    names = ", ".join(ui.literal(m) for m in mod.unpriced_models)
    unpriced_note.warning(ui.md(f"Requests of models without a known price are not in the spend: {names}."))
loop, flow = seq.loop, seq.top_workflow
widget_card(
    bottom[0],
    "tool_sequences",
    seq,
    flow["label"] if flow is not None else "–",
    [
        (
            f"Top workflow, in {fmt.pct(flow['session_share'], 0)} of sessions with tool calls."
            if flow is not None
            else "No workflow repeats across sessions yet."
        ),
        (
            f"Costliest loop: {ui.literal(loop.label)} ({loop.occurrences:,} times in {loop.sessions:,} "
            f"sessions, {fmt.money(loop.cost_usd)})."
            if loop
            else "No loops found."
        ),
        *([ui.literal(seq.suggestion)] if seq.suggestion else []),
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
        (
            f"The top model's share of spend: {ui.literal(top_model['model'])}."
            if top_model is not None
            else ""
        )
        + " By model: "
        + ", ".join(
            f"{ui.literal(m)} {fmt.pct(s, 0)}"
            for m, s in zip(shares["model"], shares["share_of_cost"], strict=True)
        )
        + ".",
        *([ui.literal(mod.outcome_line)] if mod.outcome_line else []),  # where outcomes exist
    ],
)

sections.daily_moves(w.daily, tz)  # the daily activity the first widgets loaded

st.subheader("What changed since last week?")
if w.changes:
    st.markdown("\n".join(f"- {ui.literal(c.sentence)}" for c in w.changes))
else:
    st.caption("No API calls in the 14 days up to now.")
