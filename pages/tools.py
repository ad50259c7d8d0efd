"""Tools: which tools run, how often they fail, how long they take, and the sequences they run in."""

import streamlit as st

from analytics import fmt, models, monitor, tools
from ui import cache, charts, state
from ui import components as ui
from ui.page import page_view

st.title("Tools")
ui.question(
    "Which tools does Claude Code use, how often do they fail, and which sequences cost time and money?"
)
tz, facts, filters = page_view()

usage = tools.tool_usage(cache.load(tools.load_tool_stats, filters), filters)
if usage.n_calls == 0:
    ui.nothing_in_window("tool calls", filters, facts)
unpriced = cache.load(models.load_unpriced_models, filters)
ui.unpriced_warning(
    "Sessions using models without a known price add no cost to the patterns below (never \\$0): ", unpriced
)

calls = cache.load(tools.load_tool_calls, filters)
mining = tools.mine_ngrams(calls, filters=filters)
loops = tools.find_loops(calls, filters=filters)

# -- key numbers ---------------------------------------------------------------
before = cache.load(tools.load_tool_totals, filters.previous())
cols = st.columns(4)
ui.vs_before_card(cols[0], "Tool calls", usage.n_calls, before.n_calls, filters, ui.count, delta_color="off")
ui.vs_before_card(
    cols[1],
    "Tool success rate",
    tools.success_rate(usage),
    before.success_rate,
    filters,
    lambda rate: fmt.pct(rate, 1),
    change=lambda diff: ui.points(diff, 1),
    delta_color="normal",
    help="Succeeded / calls with a known outcome; a call the user rejected counts as failed.",
)
ui.vs_before_card(
    cols[2],
    "Tools used",
    usage.n_tools,
    before.n_tools or None,
    filters,
    ui.count,
    delta_color="off",
    delta_arrow="off",
)
ui.note_card(
    cols[3],
    "Edit → failed Bash → Edit",
    f"{loops.edit_fail_edit:,}",
    f"in {loops.edit_fail_edit_sessions:,} of {loops.n_sessions:,} sessions",
    help="A command failed right after an edit and the file was edited again.",
)

# -- usage and success -------------------------------------------------------------
st.subheader("Usage and outcomes")
table = usage.table
left, right = st.columns(2)
with left:
    ui.chart(charts.outcome_bars(table), caption=usage.method)
with right:
    ui.chart(
        charts.tool_durations(table[table["timed_calls"] > 0]),
        caption="Dot: median; tick: 95th percentile (exact). Calls without a duration are left out.",
    )
ui.table(
    table,
    "tool usage",
    key="tool_usage",
    column_config={
        "share": st.column_config.NumberColumn("Share", format="percent"),
        "success_rate": st.column_config.NumberColumn("Success rate", format="percent"),
        "p50_ms": st.column_config.NumberColumn("p50 (ms)", format="%.0f"),
        "p95_ms": st.column_config.NumberColumn("p95 (ms)", format="%.0f"),
        "mean_ms": st.column_config.NumberColumn("Mean (ms)", format="%.0f"),
    },
)

st.subheader("Are tool calls failing more often?", anchor="tool-failure-trend")
daily = cache.load(monitor.load_daily_activity, filters)
failing = monitor.tool_failure_series(daily) if not daily.empty else None
if failing is None or failing.empty:
    st.caption("No tool calls in this range.")
else:
    fit = monitor.daily_trend(failing)
    color = ui.OUTCOME_COLORS["failed"]
    title = "Share of tool calls that failed per day"
    chart = charts.trend_chart(
        failing, fit, title=title, y_title="Failed", value_format=".1%", tz=tz, color=color
    )
    ui.chart(chart, caption=ui.trend_verdict(fit, lambda x: f"{x * 100:+.2f} percentage points"))

# -- workflows -----------------------------------------------------------------------
st.subheader("Workflows")
flows = tools.common_workflows(mining)
if flows.table.empty:
    st.caption("No sequence of 3+ distinct steps recurs in 2 or more sessions.")
else:
    ui.chart(charts.workflow_bars(flows.table), caption=f"{flows.method} {tools.COST_RULE}")
    ui.table(
        flows.table.drop(columns="pattern"),
        "workflows",
        key="workflows",
        column_config={
            "label": st.column_config.TextColumn("Workflow"),
            "session_share": st.column_config.NumberColumn("Share of sessions", format="percent"),
            "success_rate": st.column_config.NumberColumn("Success", format="percent"),
            "cost_usd": st.column_config.NumberColumn("Cost (USD; blank: unpriced)", format="dollar"),
        },
    )
if state.url_toggle("All n-grams (2–4 calls)", "ngrams", "all"):
    ui.table(
        mining.ngrams.drop(columns="pattern").head(500),
        "tool n-grams",
        key="ngrams_table",
        column_config={
            "success_rate": st.column_config.NumberColumn("Success", format="percent"),
            "cost_usd": st.column_config.NumberColumn("Cost (USD)", format="dollar"),
            "cost_per_occurrence": st.column_config.NumberColumn("Cost / occurrence", format="dollar"),
        },
    )
    st.caption(f"The 500 most frequent of {len(mining.ngrams):,}. {mining.method}")

# -- transitions ----------------------------------------------------------------------
st.subheader("Transitions")
trans = tools.transition_matrix(calls, filters)
if trans.table.empty:
    st.caption("No session has two tool calls in a row.")
else:
    ui.chart(
        charts.transition_heatmap(trans.table),
        caption=f"{trans.n_transitions:,} transitions in {trans.n_sessions:,} sessions. {trans.method}",
    )

# -- loops ----------------------------------------------------------------------------
st.subheader("Loops")
ui.question("Where does Claude Code go round in circles?")
c1, c2 = st.columns([1, 3])
ui.card(
    c1,
    "Edit-fail-edit cost",
    fmt.money(loops.edit_fail_edit_cost_usd) if loops.edit_fail_edit else "–",
    help="Attributed cost of the calls inside the cycles.",
)
with c2:
    if loops.repeats.empty:
        st.caption(f"No tool ran {loops.min_repeat} or more times in a row.")
    else:
        ui.table(
            loops.repeats,
            "repeat loops",
            key="loops",
            column_config={
                "failed_share": st.column_config.NumberColumn("Failed", format="percent"),
                "mean_length": st.column_config.NumberColumn("Mean run", format="%.1f"),
                "cost_usd": st.column_config.NumberColumn("Cost (USD)", format="dollar"),
            },
        )
st.caption(loops.method)

# -- suggestions -----------------------------------------------------------------------
st.subheader("Suggestions")
found = tools.suggestions(usage, mining, loops)
if not found:
    st.caption("Nothing stands out: no loop, failure rate or slow tool passes the thresholds.")
for sentence in found:
    ui.plain(f"• {sentence}")
