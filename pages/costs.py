"""Costs: where the money goes, how fast it goes, and whether the budgets hold."""

from datetime import timedelta

import altair as alt
import pandas as pd
import streamlit as st

from analytics import api, costs, fmt
from ui import components as ui
from ui import data, state

st.title("Costs")
ui.question("Where does the money go, how fast is it going, and will we stay within budget?")
tz, facts, filters = data.page_view()

provenance = api.cost_provenance(data.load(api.load_cost_provenance, filters))
if provenance is None:
    ui.nothing_in_window("API requests", filters, facts)
if provenance.unpriced_models:
    st.warning(
        f"{provenance.unpriced_requests:,} requests of models without a known price are counted but not in the "
        f"spend (never as $0): {', '.join(provenance.unpriced_models)}.".replace("$", r"\$"),
        icon=":material/money_off:",
    )

# -- key numbers ---------------------------------------------------------------
span = filters.end - filters.start
days = round(span / timedelta(days=1))
both = data.load(costs.load_cost_series, filters.with_window(filters.start - span, filters.end), freq="day")
now_totals = api.period_totals(both[both["bucket"] >= filters.start] if not both.empty else both)
before = api.period_totals(both[both["bucket"] < filters.start] if not both.empty else both)
snapshot = data.load(api.load_spend_snapshot, filters, window_hours=api.WINDOW_HOURS)
vs = f"Delta: against the {days} days before."
cols = st.columns(4)
ui.card(
    cols[0],
    "Spend",
    fmt.money(now_totals["spend"]),
    delta=ui.signed(now_totals["spend"] - before["spend"], fmt.money),
    help=f"Priced requests only; unpriced ones are counted apart. {vs}",
)
ui.card(
    cols[1],
    "Requests",
    f"{now_totals['requests']:,}",
    delta=f"{now_totals['requests'] - before['requests']:+,}",
    delta_color="off",
    help=vs,
)
ui.card(
    cols[2],
    "Cost per request",
    fmt.money(now_totals["cost_per_request"]),
    help=f"USD per priced request. {vs}",
    delta=ui.signed(now_totals["cost_per_request"] - before["cost_per_request"], fmt.money)
    if now_totals["cost_per_request"] is not None and before["cost_per_request"] is not None
    else None,
)
ui.card(
    cols[3],
    "Tokens",
    fmt.tokens(now_totals["tokens"]),
    delta=ui.signed(now_totals["tokens"] - before["tokens"], fmt.tokens),
    delta_color="off",
    help=f"Input + output + cache reads + cache writes. {vs}",
)

# -- budgets --------------------------------------------------------------------
st.subheader("Budgets")
ui.question(
    f"Will today and this month stay within budget? (as of {snapshot.now.tz_convert(tz):%Y-%m-%d %H:%M})"
)
cols = st.columns(3)
budgets = {
    "day": state.budget_slider("budget_day", cols[0]),
    "month": state.budget_slider("budget_month", cols[1]),
    "session": state.budget_slider("budget_session", cols[2]),
}
report = api.budget_report(snapshot, budgets)
cols = st.columns(4)
ui.card(
    cols[0],
    "Alert level",
    report["status"],
    level=report["status"],
    help="The worst level of the daily and monthly budgets.",
)
for col, key, label in (
    (cols[1], "day", "Daily budget"),
    (cols[2], "month", "Monthly budget"),
    (cols[3], "session", "Per-session budget"),
):
    s = report["budgets"][key]
    if s is None:
        ui.card(
            col,
            label,
            "not set",
            help="Set a budget above zero to evaluate it."
            if key != "session"
            else "No active 5-hour block, or no budget.",
        )
        continue
    tte = s["time_to_exhaustion_hours"]
    ui.card(
        col,
        label,
        s["level"],
        level=s["level"],
        delta_color="off",
        delta_arrow="off",
        delta=f"{fmt.pct(s['percent_used'] / 100, 0)} of {fmt.money(s['budget'])} used",
        help=ui.md(
            f"{fmt.money(s['spend'])} spent, {fmt.money(s['remaining'])} left; "
            + (
                "used up"
                if tte == 0
                else f"exhausted in {fmt.duration_ms(tte * 3_600_000)} at the current rate"
                if tte is not None
                else "no spend in the burn window, so no exhaustion time"
            )
            + f". {s['rule']}."
        ),
    )
proj = report["projection"]
interval = report["interval"]
cols = st.columns(4)
ui.card(
    cols[0],
    "Spent today",
    fmt.money(report["current_cost"]),
    delta_color="off",
    delta_arrow="off",
    delta=f"{report['requests_today']:,} requests",
)
ui.card(
    cols[1],
    "Burn rate",
    f"{fmt.money(report['burn_rate'])}/h",
    delta_color="off",
    delta_arrow="off",
    delta=(
        f"{fmt.money(interval['low'])}–{fmt.money(interval['high'])} ({interval['level']:.0%})"
        if interval["low"] is not None
        else None
    ),
    help=ui.md(f"Over the last {snapshot.window_hours:g} hours. {interval['method']}."),
)
day_budget = report["budgets"]["day"]
ttes = day_budget["time_to_exhaustion_hours"] if day_budget else None
ui.card(
    cols[2],
    "Daily budget lasts",
    "–" if ttes is None else ("used up" if ttes == 0 else fmt.duration_ms(ttes * 3_600_000)),
    help="Remaining daily budget / burn rate.",
)
month = proj["month"]
ui.card(
    cols[3],
    "Projected this month",
    fmt.money(month["projected"]) if month else "–",
    delta_color="off",
    delta_arrow="off",
    delta=f"{fmt.money(month['low'])}–{fmt.money(month['high'])}" if month else None,
    help=ui.md(month["method"]) if month else "Needs 3 days of history before today.",
)
for alert in report["alerts"]:
    (st.error if alert["level"] in ("CRITICAL", "EMERGENCY") else st.warning)(ui.md(alert["message"]))
day = proj["day"]
session = proj["session"]
st.caption(
    ui.md(
        (f"Today is projected to end at {fmt.money(day['projected'])}" if day else "No spend today")
        + (
            f" ({fmt.money(day['low'])}–{fmt.money(day['high'])}); "
            if day and day["low"] is not None
            else "; "
        )
        + (
            f"the active 5-hour block at {fmt.money(session['projected'])} by "
            f"{pd.Timestamp(session['end']).tz_convert(tz):%H:%M}."
            if session
            else "no active 5-hour block."
        )
    )
)

# -- cost by period -------------------------------------------------------------
st.subheader("Cost by period")
c1, c2 = st.columns(2)
with c1:
    period = state.url_widget(
        st.segmented_control, "Period", list(costs.PERIODS), "period", "day", required=True
    )
with c2:
    by = state.url_widget(st.segmented_control, "Split by", list(costs.BY), "by", "model", required=True)
split = data.load(costs.load_costs_by, filters, period=period, by=by).assign(
    start=lambda d: d["bucket"].dt.tz_localize(None)
)
color = alt.Color(
    "key:N", title=by.capitalize(), scale=ui.model_scale(split["key"]) if by == "model" else alt.Undefined
)
ui.chart(
    alt.Chart(split, title=f"What did each {by} cost per {period}?")
    .mark_bar()
    .encode(
        x=alt.X(
            "start:T",
            title=f"{period.capitalize()} (start, {tz})",
            timeUnit="yearmonthdate" if period != "month" else "yearmonth",
        ),
        y=alt.Y("sum(cost_usd):Q", title="Cost (USD)"),
        color=color,
        tooltip=[
            alt.Tooltip("start:T", title=period),
            alt.Tooltip("key:N", title=by),
            alt.Tooltip("cost_usd:Q", title="Cost (USD)", format="$,.2f"),
            alt.Tooltip("share:Q", title="Share", format=".1%"),
            alt.Tooltip("requests:Q", format=","),
            alt.Tooltip("unpriced_requests:Q", title="Unpriced requests", format=","),
        ],
    ),
    caption="Unpriced requests are counted in the tooltip, never added as $0.".replace("$", r"\$"),
)

# -- month to date + forecast -------------------------------------------------------
st.subheader("This month")
curve = api.month_to_date(snapshot)
backtest = costs.backtest_daily_forecast(snapshot.daily)
left, right = st.columns([3, 1])
with left:
    if curve.empty:
        st.caption("Nothing spent this month yet.")
    else:
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
        if budgets["month"] > 0:
            rule = pd.DataFrame(
                {"y": [budgets["month"]], "label": [f"Monthly budget {fmt.money(budgets['month'])}"]}
            )
            layers += [
                alt.Chart(rule).mark_rule(color="red", strokeDash=[2, 2]).encode(y="y:Q"),
                alt.Chart(rule)
                .mark_text(align="left", dx=4, dy=-6, color="red")
                .encode(y="y:Q", text="label:N", x=alt.value(0)),
            ]
        ui.chart(
            alt.layer(*layers).properties(title="Will this month's spend stay under the monthly budget?"),
            caption=ui.md(
                "Solid: spent so far; dashed: the month projection with its 95% prediction band "
                f"({month['method'] if month else 'needs 3 days of history'})."
            ),
        )
with right:
    st.markdown("**How far to trust the forecast**")
    if backtest is None:
        st.caption("Too little history for a backtest (needs 15 days).")
    else:
        ui.card(
            st,
            "Mean absolute error",
            f"{fmt.money(backtest.mae)}/day",
            help="Rolling-origin backtest of the same daily model on the days before today.",
        )
        ui.card(st, "Mean absolute % error", fmt.pct(backtest.mape, 0))
        ui.card(
            st,
            "Interval coverage",
            fmt.pct(backtest.coverage, 0),
            help=f"Share of actual days inside the {backtest.level:.0%} interval.",
        )
        st.caption(
            f"{backtest.n_forecasts:,} forecasts from {backtest.n_origins} origins, up to "
            f"{backtest.horizon} days ahead."
        )

# -- burn rate ------------------------------------------------------------------
st.subheader("Burn rate")
hourly = api.hourly_spend(snapshot)
rate = pd.DataFrame(
    {
        "rate": [report["burn_rate"]],
        "low": [interval["low"] or report["burn_rate"]],
        "high": [interval["high"] or report["burn_rate"]],
        "label": [f"{fmt.money(report['burn_rate'])}/h"],
    }
)
ui.chart(
    alt.layer(
        alt.Chart(hourly)
        .mark_bar(opacity=0.7)
        .encode(
            x=alt.X("hour:T", title=f"Hour ({tz})", timeUnit="yearmonthdatehours"),
            y=alt.Y("cost_usd:Q", title="Spend (USD per hour)"),
            tooltip=[
                alt.Tooltip("hour:T", timeUnit="yearmonthdatehours", format="%Y-%m-%d %H:00"),
                alt.Tooltip("cost_usd:Q", title="Spend (USD)", format="$,.2f"),
                "requests:Q",
            ],
        ),
        alt.Chart(rate).mark_rect(opacity=0.15, color="orange").encode(y="low:Q", y2="high:Q"),
        alt.Chart(rate).mark_rule(color="orange").encode(y="rate:Q"),
        alt.Chart(rate)
        .mark_text(align="left", dx=4, dy=-6, color="orange")
        .encode(y="rate:Q", text="label:N", x=alt.value(0)),
    ).properties(title=f"How fast is money going out? (last {snapshot.window_hours:g} hours)"),
    caption=ui.md(
        f"Bars: spend per hour; line and band: the burn rate and its {interval['level'] or 0.95:.0%} "
        "interval."
    ),
)

# -- 5-hour blocks --------------------------------------------------------------
st.subheader("5-hour usage blocks")
if "blocks" not in st.session_state:
    st.session_state["blocks"] = st.query_params.get("blocks") == "week"
week = st.toggle(
    "Last 7 days (one more query)",
    key="blocks",
    on_change=lambda: state.sync_to_url("blocks", "week" if st.session_state["blocks"] else None),
)
requests = (
    data.load(
        costs.load_request_costs,
        filters.with_window(
            (snapshot.now - pd.Timedelta(days=7)).to_pydatetime(),
            (snapshot.now + pd.Timedelta(milliseconds=1)).to_pydatetime(),
        ),
    )
    if week
    else snapshot.requests
)
blocks = costs.usage_blocks(requests, snapshot.now.to_pydatetime())
if blocks.empty:
    st.caption("No requests in this span.")
else:
    shown = blocks.assign(
        start=ui.in_zone(tz, blocks["block_start"]),
        end=ui.in_zone(tz, blocks["block_end"]),
        state=blocks["active"].map({True: "active", False: "closed"}),
    )
    ui.chart(
        alt.Chart(shown, title="How much did each 5-hour block cost?")
        .mark_rect(opacity=0.8)
        .encode(
            x=alt.X("start:T", title=f"Block ({tz})"),
            x2="end:T",
            y=alt.Y("cost_usd:Q", title="Cost (USD)"),
            y2=alt.datum(0),
            color=alt.Color(
                "state:N",
                title=None,
                scale=alt.Scale(domain=["closed", "active"], range=["#1f77b4", "#ff7f0e"]),
            ),
            tooltip=[
                alt.Tooltip("start:T", format="%Y-%m-%d %H:%M"),
                alt.Tooltip("end:T", format="%H:%M"),
                alt.Tooltip("cost_usd:Q", title="Cost (USD)", format="$,.2f"),
                "requests:Q",
                alt.Tooltip("projected_cost:Q", title="Projected (USD)", format="$,.2f"),
            ],
        ),
        caption="A block starts at the hour of its first request and lasts 5 hours (Claude's plans count usage "
        "this way).",
    )
    ui.table(
        shown[
            [
                "start",
                "end",
                "state",
                "requests",
                "unpriced_requests",
                "cost_usd",
                "tokens",
                "burn_rate_per_hour",
                "projected_cost",
            ]
        ],
        "usage blocks",
        key="blocks",
        column_config={
            "cost_usd": st.column_config.NumberColumn("Cost (USD)", format="dollar"),
            "projected_cost": st.column_config.NumberColumn("Projected (USD)", format="dollar"),
            "burn_rate_per_hour": st.column_config.NumberColumn("USD / hour", format="dollar"),
        },
    )

# -- provenance, reconciliation, dedup ------------------------------------------
st.subheader("Where the numbers come from")
ui.question("Which costs were reported by Claude Code, computed from the price book, or left unpriced?")
ui.table(
    provenance.by_source,
    "cost provenance",
    key="provenance",
    column_config={
        "share": st.column_config.NumberColumn("Share of requests", format="percent"),
        "cost_usd": st.column_config.NumberColumn("Cost (USD)", format="dollar"),
    },
)

if {"jsonl", "otel"} <= set(facts.sources):
    rec = data.load(costs.reconcile_sources, filters)
    if rec is not None:
        ui.question("Do the transcripts and OpenTelemetry agree, request by request?")
        cols = st.columns(4)
        ui.card(
            cols[0],
            "Matched requests",
            f"{rec.n_matched:,}",
            delta=f"{rec.n_jsonl_only:,} JSONL only, {rec.n_otel_only:,} OTel only",
            delta_color="off",
            delta_arrow="off",
        )
        ui.card(
            cols[1],
            "Reported − computed",
            fmt.money(rec.cost_diff_total),
            delta_arrow="off",
            delta=fmt.pct(rec.cost_diff_percent / 100) if rec.cost_diff_percent is not None else None,
            delta_color="off",
        )
        ui.card(cols[2], "Within 1%", fmt.pct(rec.share_within_1pct, 0), help="Share of compared requests.")
        ui.card(cols[3], "Token mismatches", f"{rec.n_token_mismatch:,}")
        diffs = rec.frame.assign(abs_diff=rec.frame["cost_diff"].abs()).sort_values(
            "abs_diff", ascending=False
        )
        ui.table(diffs.drop(columns="abs_diff").head(500), "reconciliation", key="reconcile")

st.markdown("**Dedup audit: what the last ingest runs dropped as duplicates**")
audit = api.dedup_audit(data.load(api.load_ingest_runs, None, n=20))
if audit.empty:
    st.caption("No ingest run recorded yet.")
else:
    ui.table(
        audit.assign(started=ui.in_zone(tz, audit["started"]), finished=ui.in_zone(tz, audit["finished"])),
        "dedup audit",
        key="dedup",
    )
    st.caption(
        "duplicate_content_block: repeated lines of one API response; sidechain_replay: a subagent "
        "replaying its parent's message; already_in_store: events read again; otel_duplicates: OTel "
        "records already imported. None: the run does not report it."
    )
