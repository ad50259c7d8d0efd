"""Costs: where the money goes, how fast it goes, and whether the budgets hold."""

import streamlit as st

from analytics import costs, fmt, monitor
from analytics.view import BUDGETS, WINDOW_HOURS
from ui import cache, charts, sections, state
from ui import components as ui
from ui import outcomes as outcome_view
from ui.page import page_view

st.title("Costs")
ui.question("Where does the money go, how fast is it going, and will we stay within budget?")
tz, facts, filters = page_view()

provenance = costs.cost_provenance(cache.load(costs.load_cost_provenance, filters))
if provenance is None:
    ui.nothing_in_window("API requests", filters, facts)
ui.unpriced_warning(
    ui.md(
        f"{provenance.unpriced_requests:,} requests of models without a known price are counted but not in "
        "the spend (never as $0): "
    ),
    provenance.unpriced_models,
)

# -- key numbers ---------------------------------------------------------------
series = cache.load(costs.load_cost_series, filters, freq="day")
now = costs.period_totals(series)
before = costs.period_totals(cache.load(costs.load_cost_series, filters.previous(), freq="day"))
as_of = state.as_of(filters)
snapshot = cache.load(monitor.load_spend_snapshot, filters, window_hours=WINDOW_HOURS, now=as_of)
cols = st.columns(4)
priced = "Priced requests only; unpriced ones are counted apart."
ui.vs_before_card(cols[0], "Spend", now.spend, before.spend, filters, fmt.money, help=priced)
ui.vs_before_card(cols[1], "Requests", now.requests, before.requests, filters, ui.count, delta_color="off")
per_request = (now.cost_per_request, before.cost_per_request)
ui.vs_before_card(
    cols[2], "Cost per request", *per_request, filters, fmt.money, help="USD per priced request."
)
tokens = (now.tokens, before.tokens)
mix = "Input + output + cache reads + cache writes."
ui.vs_before_card(cols[3], "Tokens", *tokens, filters, fmt.tokens, delta_color="off", help=mix)

# -- spend trend ----------------------------------------------------------------
st.subheader("Is spend rising or falling?", anchor="spend-trend")
spend = monitor.spend_series(series)
fit = monitor.daily_trend(spend)
color = ui.EVENT_COLORS["api_request"]
trend = charts.trend_chart(
    spend,
    fit,
    title="Spend per day and its fitted trend",
    y_title="Spend (USD)",
    value_format="$,.2f",
    tz=tz,
    color=color,
)
ui.chart(trend, caption=ui.md(ui.trend_verdict(fit, lambda x: ui.signed(x, fmt.money))))

st.subheader("What did the spend buy?", anchor="spend-bought")
ui.question("How many commits, pull requests, lines and accepted edits came of the spend, at what cost each?")
outcome_view.spend_bought(filters, tz)

# -- budgets --------------------------------------------------------------------
st.subheader("Budgets")
ui.question("Will today and this month stay within budget?")
ui.as_of_note(state.current_view().is_live(), snapshot.now, snapshot.last_activity, tz)
budgets = state.budget_sliders(st.columns(3))
report = monitor.budget_report(snapshot, budgets)
proj, burn = report.projection, report.burn
day, month, session = (proj.day, proj.month, proj.session) if proj else (None, None, None)
low, high, level = (burn.per_hour_low, burn.per_hour_high, burn.level) if burn else (None, None, None)
cols = st.columns(4)
worst = "The worst level of the daily and monthly budgets."
ui.card(cols[0], "Alert level", report.status, level=report.status, help=worst)
for col, budget in zip(cols[1:], BUDGETS, strict=True):
    unset = "Set a budget above zero to evaluate it."
    if budget.key == "session":
        unset = "No active 5-hour block, or no budget."
    ui.budget_card(col, budget.label, report.statuses[budget.key], unset)
cols = st.columns(4)
ui.note_card(cols[0], "Spent today", fmt.money(report.spent_today), f"{report.requests_today:,} requests")
band = f"{ui.money_range(low, high)} ({level:.0%})" if low is not None else None
method = burn.method if burn else "no request in the window: rate 0"
window = ui.md(f"Over the last {snapshot.window_hours:g} hours. {method}.")
ui.note_card(cols[1], "Burn rate", f"{fmt.money(report.burn_rate)}/h", band, help=window)
lasts = ui.time_left(getattr(report.statuses["day"], "time_to_exhaustion", None))
ui.card(cols[2], "Daily budget lasts", lasts, help="Remaining daily budget / burn rate.")
spread = ui.money_range(month.low, month.high) if month else None
how = ui.md(month.method) if month else "Needs 3 days of history before today."
ui.note_card(cols[3], "Projected this month", fmt.money(month.projected) if month else "–", spread, help=how)
for alert in report.alerts:
    (st.error if alert.level in ("CRITICAL", "EMERGENCY") else st.warning)(ui.md(alert.message))
today = f"Today is projected to end at {fmt.money(day.projected)}" if day else "No spend today"
today += f" ({ui.money_range(day.low, day.high)}); " if day and day.low is not None else "; "
if session:
    today += (
        f"the active 5-hour block at {fmt.money(session.projected)} by {session.end.tz_convert(tz):%H:%M}."
    )
else:
    today += "no active 5-hour block."
st.caption(ui.md(today))

# -- cost by period -------------------------------------------------------------
st.subheader("Cost by period")
c1, c2 = st.columns(2)
period = state.url_widget(c1.segmented_control, "Period", list(costs.PERIODS), "period", "day", required=True)
by = state.url_widget(c2.segmented_control, "Split by", list(costs.BY), "by", "model", required=True)
ui.chart(
    charts.cost_by_period(cache.load(costs.load_costs_by, filters, period=period, by=by), by, period, tz),
    caption=ui.md("Unpriced requests are counted in the tooltip, never added as $0."),
)

# -- month to date + forecast -------------------------------------------------------
st.subheader("This month")
curve = monitor.month_to_date(snapshot)
backtest = costs.backtest_daily_forecast(snapshot.daily)
left, right = st.columns([3, 1])
with left:
    if curve.empty:
        st.caption("Nothing spent this month yet.")
    else:
        ui.chart(
            charts.month_curve(curve, budgets["month"], tz),
            caption=ui.md(
                "Solid: spent so far; dashed: the month projection with its 95% prediction band "
                f"({month.method if month else 'needs 3 days of history'})."
            ),
        )
with right:
    st.markdown("**How far to trust the forecast**")
    if backtest is None:
        st.caption("Too little history for a backtest (needs 15 days).")
    else:
        rolling = "Rolling-origin backtest of the same daily model on the days before today."
        ui.card(st, "Mean absolute error", f"{fmt.money(backtest.mae)}/day", help=rolling)
        ui.card(st, "Mean absolute % error", fmt.pct(backtest.mape, 0))
        inside = f"Share of actual days inside the {backtest.level:.0%} interval."
        ui.card(st, "Interval coverage", fmt.pct(backtest.coverage, 0), help=inside)
        st.caption(
            f"{backtest.n_forecasts:,} forecasts from {backtest.n_origins} origins, up to "
            f"{backtest.horizon} days ahead."
        )

# -- burn rate ------------------------------------------------------------------
st.subheader("Burn rate")
hourly = monitor.hourly_spend(snapshot)
burn_chart = charts.hourly_burn(hourly, report.burn_rate, low, high, tz, snapshot.window_hours)
bands = f"Bars: spend per hour; line and band: the burn rate and its {level or 0.95:.0%} interval."
ui.chart(burn_chart, caption=ui.md(bands))

# -- 5-hour blocks --------------------------------------------------------------
st.subheader("5-hour usage blocks")
ui.question("How much of a usual block has the active one used, and when does it reset?")
now_dt = snapshot.now.to_pydatetime()
month_hours = cache.load(costs.load_request_hours, filters.days_up_to(now_dt, 30))
ui.block_limit_cards(costs.block_limits(costs.usage_blocks(month_hours, now_dt)), tz)
week = state.url_toggle("Show the last 7 days", "blocks", "week")
requests = cache.load(costs.load_request_hours, filters.days_up_to(now_dt, 7)) if week else snapshot.requests
blocks = costs.usage_blocks(requests, now_dt)
if blocks.empty:
    st.caption("No requests in this span.")
else:
    shown = blocks.assign(
        start=ui.in_zone(tz, blocks["block_start"]),
        end=ui.in_zone(tz, blocks["block_end"]),
        state=blocks["active"].map({True: "active", False: "closed"}),
    )
    ui.chart(
        charts.block_rects(shown, tz),
        caption="A block starts at the hour of its first request and lasts 5 hours (Claude's plans count usage "
        "this way).",
    )
    columns = ["start", "end", "state", "requests", "unpriced_requests", "cost_usd", "tokens"]
    ui.table(
        shown[[*columns, "burn_rate_per_hour", "projected_cost"]],
        "usage blocks",
        key="blocks",
        column_config={
            "cost_usd": st.column_config.NumberColumn("Cost (USD)", format="dollar"),
            "projected_cost": st.column_config.NumberColumn("Projected (USD)", format="dollar"),
            "burn_rate_per_hour": st.column_config.NumberColumn("USD / hour", format="dollar"),
        },
    )

# -- provenance, reconciliation, dedup ------------------------------------------
sections.provenance(provenance, filters, facts, tz)
