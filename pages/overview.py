"""Overview: the five monitoring widgets (the same numbers as /api/telemetry-widgets) and what changed."""

from datetime import timedelta

import altair as alt
import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from analytics import api, fmt
from ui import components as ui
from ui import data, state

PAGE_FILES = {
    "/costs": "pages/costs.py",
    "/errors": "pages/errors.py",
    "/tools": "pages/tools.py",
    "/models": "pages/models.py",
}
PAGE_NAMES = {"/costs": "Costs", "/errors": "Errors", "/tools": "Tools", "/models": "Models"}
TREND_COLORS = {"IMPROVING": "normal", "DECLINING": "inverse"}


def widget_card(container, w: dict, value: str, details: list[str]) -> None:
    """One widget: number, status colour, trend arrow (fit_trend's direction), details and its page."""
    t = w["trend"]
    delta = f"{t['arrow']} {t['direction'].lower()}" if t["direction"] else None
    with container:
        ui.card(
            st,
            w["title"],
            value,
            delta=delta,
            level=w["level"],
            delta_arrow="off",
            delta_color=TREND_COLORS.get(t["direction"], "off"),
            help=ui.md(
                f"Status: {w['rule']}. Trend of {t['of']}"
                + (
                    f": Mann-Kendall p = {t['p_value']:.3f}."
                    if t["p_value"] is not None
                    else ": too few points for a trend."
                )
            ),
        )
        for line in details:
            st.caption(ui.md(line))
        try:
            st.page_link(
                PAGE_FILES[w["page"]], label=f"Open {PAGE_NAMES[w['page']]}", icon=":material/arrow_forward:"
            )
        except StreamlitPageNotFoundError:  # the page runs alone (no st.navigation): a plain link
            st.markdown(f"[Open {PAGE_NAMES[w['page']]}]({w['page']})")


st.title("Overview")
ui.question("Is anything going wrong right now, and what changed since last week?")
tz, facts, filters = data.page_view()
if not facts.events:
    st.info(
        "The store holds no telemetry yet. Ingest your Claude Code transcripts (the sidebar's Refresh, or "
        "`python -m analytics ingest`) or load demo data with `python -m analytics demo`."
    )
    st.stop()

budgets = {key.removeprefix("budget_"): state.budget(key) for key in state.BUDGETS}
threshold = state.number_param("threshold_ms", api.DEFAULT_THRESHOLD_MS, 100.0, 600_000.0)
w = data.load(api.telemetry_widgets, filters, budgets=budgets, threshold_ms=threshold)
err, cost, risk, seq, mod = (
    w[k] for k in ("error_rate", "cost_burn", "timeout_risk", "tool_sequences", "model_efficiency")
)
if err["window"]["requests"] + err["window"]["errors"] == 0 and seq["tool_calls"] == 0:
    st.info(
        f"No API calls or tool calls from {filters.start:%Y-%m-%d} to {filters.end - timedelta(days=1):%Y-%m-%d}: "
        "widen the dates or clear filters in the sidebar."
    )
    st.stop()
if mod["unpriced_models"]:
    st.warning(
        ui.md(
            f"Requests of models without a known price are not in the spend: {', '.join(mod['unpriced_models'])}."
        ),
        icon=":material/money_off:",
    )
st.caption(f"As of {pd.Timestamp(w['now']).tz_convert(tz):%Y-%m-%d %H:%M} (the end of the range, or now).")

top = st.columns(3)
bottom = st.columns(2)

recovery = err["recovery"]
widget_card(
    top[0],
    err,
    fmt.pct(err["value"]),
    [
        f"Today: {err['last_day']['errors']:,} errors in {err['last_day']['requests'] + err['last_day']['errors']:,} "
        f"API calls; whole range {fmt.pct(err['window']['error_rate'])}.",
        "Recovery: "
        + (
            f"{recovery['sessions_recovered']:,} of {recovery['sessions_with_error']:,} sessions with an "
            f"error went on (median wait {fmt.duration_ms((recovery['median_wait_s'] or 0) * 1000)})."
            if recovery and recovery["sessions_with_error"]
            else "no session had an API error."
        ),
    ],
)

day = cost["projection"]["day"]
month = cost["projection"]["month"]
widget_card(
    top[1],
    cost,
    fmt.money(cost["current_cost"]),
    [
        f"Spent today: {fmt.pct((cost['percent_of_budget'] or 0) / 100, 0)} of the {fmt.money(cost['budget'])} daily "
        f"budget; burning {fmt.money(cost['burn_rate'])}/hour over the last 24 h.",
        (f"Projected today {fmt.money(day['projected'])}" if day else "No spend today")
        + (
            f"; this month {fmt.money(month['projected'])} ({fmt.money(month['low'])}–{fmt.money(month['high'])})."
            if month
            else "."
        ),
        *[f"{a['level']}: {a['message']}" for a in cost["alerts"]],
    ],
)

widget_card(
    top[2],
    risk,
    fmt.duration_ms(risk["value"]),
    [
        (
            f"p95 of {risk['model']} against a {fmt.duration_ms(risk['threshold_ms'])} threshold; "
            + ", ".join(f"{m['model']}: {fmt.duration_ms(m['p95_ms'])}" for m in risk["models"])
            + "."
        )
        if risk["models"]
        else "No request carries a duration (JSONL transcripts have none; OTel events do).",
    ],
)

loop = seq["costliest_loop"]
widget_card(
    bottom[0],
    seq,
    seq["value"] or "–",
    [
        (
            f"Top workflow in {fmt.pct(seq['top_workflow']['session_share'], 0)} of sessions with tool calls."
            if seq["top_workflow"]
            else "No workflow repeats across sessions yet."
        ),
        (
            f"Costliest loop: {loop['label']} ({loop['occurrences']:,} times in {loop['sessions']:,} sessions, "
            f"{fmt.money(loop['cost_usd'])}, {fmt.pct(loop['share_of_spend'], 0)} of tool-session spend)."
            if loop
            else "No loops found."
        ),
        *([seq["suggestion"]] if seq["suggestion"] else []),
    ],
)

savings = mod["potential_savings"]
widget_card(
    bottom[1],
    mod,
    fmt.pct(mod["value"], 0),
    [
        ", ".join(
            f"{s['model']} {fmt.pct(s['share_of_cost'], 0)}"
            for s in mod["spend_share"][:4]
            if s["share_of_cost"] is not None
        )
        + " of spend.",
        savings["sentence"] if savings else "No saving found from moving small requests to a cheaper model.",
    ],
)

st.subheader("How did spend and errors move, day by day?")
daily = data.load(api.load_daily_activity, filters)
if not daily.empty:
    rates = api.daily_error_series(daily)
    daily = daily.assign(day=daily["bucket"].dt.tz_localize(None))
    rates = rates.assign(day=rates["bucket"].dt.tz_localize(None))
    cols = st.columns(2)
    with cols[0]:
        ui.chart(
            alt.Chart(daily, title="Spend per day")
            .mark_bar(color=ui.EVENT_COLORS["api_request"])
            .encode(
                x=alt.X("day:T", title=f"Day ({tz})"),
                y=alt.Y("cost_usd:Q", title="Spend (USD)"),
                tooltip=[
                    alt.Tooltip("day:T", title="Day"),
                    alt.Tooltip("cost_usd:Q", title="Spend (USD)", format="$,.2f"),
                    alt.Tooltip("requests:Q", title="Requests", format=","),
                ],
            )
            .properties(height=220)
        )
    with cols[1]:
        ui.chart(
            alt.Chart(rates, title="API error rate per day")
            .mark_line(point=True, color=ui.EVENT_COLORS["api_error"])
            .encode(
                x=alt.X("day:T", title=f"Day ({tz})"),
                y=alt.Y("error_rate:Q", title="Failed API calls (%)", axis=alt.Axis(format="%")),
                tooltip=[
                    alt.Tooltip("day:T", title="Day"),
                    alt.Tooltip("error_rate:Q", title="Error rate", format=".2%"),
                    alt.Tooltip("errors:Q", title="Errors", format=","),
                ],
            )
            .properties(height=220)
        )
    st.caption(
        "The trend arrows above come from these series (Mann-Kendall test); the Costs and Errors pages show "
        "the fitted lines."
    )

st.subheader("What changed since last week?")
if w["changes"]:
    st.markdown("\n".join(f"- {ui.md(s)}" for s in w["changes"]))
else:
    st.caption("No API calls in the last two weeks before the end of the range.")
