"""Tools: which tools run, how often they fail, how long they take, and the sequences they run in."""

from datetime import timedelta

import altair as alt
import streamlit as st

from analytics import fmt, models, tools
from ui import components as ui
from ui import data, state

OUTCOMES = {"succeeded": "#2ca02c", "failed": "#d62728", "rejected by the user": "#ff7f0e"}

st.title("Tools")
ui.question(
    "Which tools does Claude Code use, how often do they fail, and which sequences cost time and money?"
)
tz, facts, filters = data.page_view()

usage = tools.tool_usage(data.load(tools.load_tool_stats, filters), filters)
if usage.n_calls == 0:
    ui.nothing_in_window("tool calls", filters, facts)
unpriced = models.model_summary(data.load(models.load_model_usage, filters)).unpriced_models
if unpriced:
    st.warning(
        "Sessions using models without a known price add no cost to the patterns below (never \\$0): "
        + ", ".join(f"`{m}`" for m in unpriced),
        icon=":material/money_off:",
    )

sequences = data.load(tools.load_tool_sequences, filters)
mining = tools.mine_ngrams(sequences, filters=filters)
loops = tools.find_loops(sequences, filters=filters)

# -- key numbers ---------------------------------------------------------------
span = filters.end - filters.start
days = round(span / timedelta(days=1))
before = tools.tool_usage(
    data.load(tools.load_tool_stats, filters.with_window(filters.start - span, filters.start))
)
rate, rate_before = tools.success_rate(usage), tools.success_rate(before)
cols = st.columns(4)
ui.card(
    cols[0],
    "Tool calls",
    f"{usage.n_calls:,}",
    delta=f"{usage.n_calls - before.n_calls:+,} vs the {days} days before",
    delta_color="off",
)
ui.card(
    cols[1],
    "Tool success rate",
    fmt.pct(rate, 1),
    delta=f"{(rate - rate_before) * 100:+.1f} pp vs before"
    if rate is not None and rate_before is not None
    else None,
    delta_color="normal",
    help="Succeeded / calls with a known outcome; a call the user rejected counts as failed.",
)
ui.card(
    cols[2],
    "Tools used",
    f"{usage.n_tools:,}",
    delta=f"{usage.n_tools - before.n_tools:+,} vs before" if before.n_tools else None,
    delta_color="off",
    delta_arrow="off",
)
ui.card(
    cols[3],
    "Edit → failed Bash → Edit",
    f"{loops.edit_fail_edit:,}",
    delta=f"in {loops.edit_fail_edit_sessions:,} of {loops.n_sessions:,} sessions",
    delta_color="off",
    delta_arrow="off",
    help="A command failed right after an edit and the file was edited again.",
)

# -- usage and success -------------------------------------------------------------
st.subheader("Usage and outcomes")
table = usage.table
left, right = st.columns(2)
with left:
    ui.chart(
        alt.Chart(table, title="Which tools are used most, and how often do they fail?")
        .transform_calculate(
            **{
                "succeeded": "datum.succeeded",
                "failed": "datum.failed - datum.rejected",
                "rejected by the user": "datum.rejected",
            }
        )
        .transform_fold(list(OUTCOMES), as_=["outcome", "n"])
        .mark_bar()
        .encode(
            x=alt.X("n:Q", title="Calls"),
            y=alt.Y("tool:N", title="Tool", sort=alt.EncodingSortField("calls", order="descending")),
            color=alt.Color(
                "outcome:N",
                title="Outcome",
                scale=alt.Scale(domain=list(OUTCOMES), range=list(OUTCOMES.values())),
            ),
            tooltip=[
                "tool:N",
                "outcome:N",
                alt.Tooltip("n:Q", title="Calls with this outcome", format=","),
                alt.Tooltip("calls:Q", title="All calls", format=","),
                alt.Tooltip("share:Q", title="Share of all calls", format=".1%"),
                alt.Tooltip("success_rate:Q", title="Success rate", format=".1%"),
            ],
        ),
        caption=usage.method,
    )
with right:
    timed = table[table["timed_calls"] > 0]
    ui.chart(
        ui.duration_ranges(
            timed,
            "tool",
            "Tool",
            "How long does each tool take? (median to p95)",
            "Duration (ms, log scale)",
            [
                alt.Tooltip("mean_ms:Q", title="Mean (ms)", format=",.0f"),
                alt.Tooltip("timed_calls:Q", title="Timed calls", format=","),
            ],
        ),
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

# -- workflows -----------------------------------------------------------------------
st.subheader("Workflows")
flows = tools.common_workflows(mining)
if flows.table.empty:
    st.caption("No sequence of 3+ distinct steps recurs in 2 or more sessions.")
else:
    ui.chart(
        alt.Chart(flows.table, title="Which multi-step workflows recur across sessions?")
        .mark_bar()
        .encode(
            x=alt.X("session_share:Q", title="Share of sessions with tool calls", axis=alt.Axis(format="%")),
            y=alt.Y("label:N", title=None, sort="-x", axis=alt.Axis(labelLimit=320)),
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
        ),
        caption=f"{flows.method} {tools.COST_RULE}",
    )
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
if "ngrams" not in st.session_state:
    st.session_state["ngrams"] = st.query_params.get("ngrams") == "all"
if st.toggle(
    "All n-grams (2–4 calls)",
    key="ngrams",
    on_change=lambda: state.sync_to_url("ngrams", "all" if st.session_state["ngrams"] else None),
):
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
trans = tools.transition_matrix(sequences, filters)
if trans.table.empty:
    st.caption("No session has two tool calls in a row.")
else:
    order = sorted(trans.matrix.index.union(trans.matrix.columns))
    heat = alt.Chart(trans.table).encode(
        x=alt.X("to_tool:N", title="Next tool", sort=order),
        y=alt.Y("from_tool:N", title="Tool", sort=order),
        tooltip=[
            alt.Tooltip("from_tool:N", title="From"),
            alt.Tooltip("to_tool:N", title="To"),
            alt.Tooltip("probability:Q", title="Probability", format=".1%"),
            alt.Tooltip("count:Q", title="Transitions", format=","),
        ],
    )
    ui.chart(
        alt.layer(
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
        ).properties(title="After one tool, which tool comes next?"),
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
