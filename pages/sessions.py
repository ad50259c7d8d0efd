"""Sessions: how each session went, two sessions side by side, and whether versions or models differ."""

from datetime import timedelta
from pathlib import PurePosixPath

import altair as alt
import pandas as pd
import streamlit as st

from analytics import fmt, models, sessions
from ui import components as ui
from ui import data, state

AB_BY = {"cc_version": "Claude Code version", "model": "Model"}
UNITS = {
    "cost": "USD",
    "cost_per_request": "USD",
    "duration": "s",
    "active_time": "s",
    "requests": "count",
    "tool_calls": "count",
    "error_rate": "share",
    "tool_error_rate": "share",
    "tokens": "tokens",
    "score": "0–100",
}


st.title("Sessions")
ui.question(
    "How did each session go, how do two sessions compare, and do versions or models make a difference?"
)
tz, facts, filters = data.page_view()

frame = data.load(sessions.load_sessions, filters)
if frame.empty:
    ui.nothing_in_window("sessions", filters, facts)
unpriced = models.model_summary(data.load(models.load_model_usage, filters)).unpriced_models
if unpriced:
    st.warning(
        "Requests of models without a known price add nothing to session costs (never \\$0): "
        + ", ".join(f"`{m}`" for m in unpriced),
        icon=":material/money_off:",
    )
tool_mix = data.load(sessions.load_session_tool_mix, filters)
scores = sessions.productivity_scores(frame, filters=filters)
table = sessions.with_scores(frame, scores)

# -- key numbers ---------------------------------------------------------------
span = filters.end - filters.start
days = round(span / timedelta(days=1))
totals = sessions.session_totals(frame)
before = sessions.session_totals(
    data.load(sessions.load_sessions, filters.with_window(filters.start - span, filters.start))
)
cols = st.columns(4)
ui.card(
    cols[0],
    "Sessions",
    f"{totals.n_sessions:,}",
    delta=f"{totals.n_sessions - (before.n_sessions if before else 0):+,} vs the {days} days before",
    delta_color="off",
)
ui.card(
    cols[1],
    "Median session cost",
    fmt.money(totals.median_cost_usd),
    delta=(
        f"{ui.signed(totals.median_cost_usd - before.median_cost_usd, fmt.money)} vs before"
        if before
        and totals.median_cost_usd == totals.median_cost_usd
        and before.median_cost_usd == before.median_cost_usd
        else None
    ),
    help="Over sessions with a priced request.",
)
ui.card(
    cols[2],
    "Median active time",
    fmt.duration_ms(totals.median_active_s * 1000),
    delta=f"{ui.signed((totals.median_active_s - before.median_active_s) * 1000, fmt.duration_ms)} vs before"
    if before
    else None,
    delta_color="off",
    help=f"Time between events, without pauses longer than {sessions.IDLE_MINUTES} minutes.",
)
ui.card(
    cols[3],
    "Failed operations",
    fmt.pct(totals.error_rate),
    delta=(
        f"{(totals.error_rate - before.error_rate) * 100:+.2f} pp vs before"
        if before and before.error_rate == before.error_rate and totals.error_rate == totals.error_rate
        else None
    ),
    help="(Failed tool calls + API errors) / (tool calls + requests + API errors), all sessions.",
)

# -- the sessions ------------------------------------------------------------------
st.subheader("All sessions")
shown = table.assign(start=ui.in_zone(tz, table["start"]), end=ui.in_zone(tz, table["end"])).iloc[::-1]
ui.table(
    shown,
    "sessions",
    key="sessions",
    column_order=[
        "start",
        "score",
        "cost_usd",
        "duration_s",
        "active_s",
        "requests",
        "tool_calls",
        "error_rate",
        "project",
        "primary_model",
        "cc_version",
        "user",
        "session_id",
    ],
    column_config={
        "start": st.column_config.DatetimeColumn(f"Start ({tz})", format="YYYY-MM-DD HH:mm"),
        "duration_s": st.column_config.NumberColumn("Span (s)", format="%.0f"),
        "active_s": st.column_config.NumberColumn("Active (s)", format="%.0f"),
        "error_rate": st.column_config.NumberColumn("Failed ops", format="percent"),
        "cost_usd": st.column_config.NumberColumn("Cost (USD; blank: unpriced)", format="dollar"),
        "cost_per_request": st.column_config.NumberColumn("Per request", format="dollar"),
        "score": st.column_config.ProgressColumn("Score", min_value=0, max_value=100, format="%.0f"),
    },
)
st.caption("Newest first; click a column header to sort.")

# -- compare two sessions --------------------------------------------------------------
st.subheader("Compare two sessions")
ids = frame["session_id"].tolist()[::-1]
folders = {p: PurePosixPath(p).name or "–" for p in frame["project"].unique()}
labels = dict(
    zip(
        frame["session_id"],
        frame["start"].dt.tz_convert(tz).dt.strftime("%Y-%m-%d %H:%M")
        + " · "
        + frame["project"].map(folders)
        + " · "
        + frame["cost_usd"].map(fmt.money)
        + " · "
        + frame["session_id"].str[:8],
        strict=True,
    )
)
linked = [st.query_params.get(k) for k in ("session_a", "session_b")]
c1, c2 = st.columns(2)
picks = [
    state.url_widget(
        col.selectbox,
        f"Session {name}",
        ids,
        key,
        None,
        index=None,
        format_func=labels.get,
        placeholder="Pick a session",
    )
    for col, name, key in ((c1, "A", "session_a"), (c2, "B", "session_b"))
]
if any(s and s not in labels for s in linked):
    st.warning(
        "A session in the link has no events in these dates or filters: widen the dates in the sidebar."
    )
a, b = picks
if a and b:
    cmp = sessions.compare_sessions(a, b, frame, tool_mix)
    left, right = st.columns([3, 2])
    with left:
        st.dataframe(
            sessions.comparison_table(cmp),
            hide_index=True,
            width="stretch",
            column_config={
                "measure": st.column_config.TextColumn(""),
                "a": st.column_config.TextColumn("A"),
                "b": st.column_config.TextColumn("B"),
                "difference": st.column_config.TextColumn("B − A"),
            },
        )
    with right:
        ui.card(
            st,
            "Tool-mix similarity",
            "–" if cmp.tool_cosine is None else f"{cmp.tool_cosine:.2f}",
            help="Cosine similarity of the call counts per tool (1 = same proportions).",
        )
        ui.card(
            st,
            "Tools in common",
            "–" if cmp.tool_jaccard is None else fmt.pct(cmp.tool_jaccard, 0),
            help="Jaccard index: tools used by both / tools used by either.",
        )
        for name, only in (("A", cmp.tools_only_a), ("B", cmp.tools_only_b)):
            if only:
                ui.plain(f"Only in {name}: {', '.join(only)}")
    st.caption(cmp.method)
else:
    st.caption("Pick two sessions (or open a link with session_a and session_b) to compare them.")

# -- insights ------------------------------------------------------------------------------
st.subheader("Insights")
subjects = [(n, s) for n, s in (("A", a), ("B", b)) if s] or [("latest", ids[0])]
if not (a or b):
    st.caption("For the most recent session; pick sessions above to see theirs.")
for col, (name, sid) in zip(st.columns(len(subjects)), subjects, strict=True):
    ins = sessions.session_insights(sid, frame, scores, tool_mix)
    with col:
        st.markdown(
            f"**{'Most recent session' if name == 'latest' else f'Session {name}'}** · score "
            + (f"{ins.score:.0f} / 100" if ins.score is not None else "– (not enough sessions to rank)")
        )
        ui.plain(labels[sid])
        lines = (
            [f"+ {t}" for t in ins.strengths]
            + [f"− {t}" for t in ins.improvements]
            + [f"→ {t}" for t in ins.recommendations]
        )
        for line in lines or ["Nothing stands out: every factor is between the 25th and 75th percentile."]:
            ui.plain(line)
st.caption(f"Marks: + a strength, − to improve, → a recommendation. {ins.method}")

# -- productivity score ---------------------------------------------------------------------
st.subheader("Productivity score")
if scores is None:
    st.caption("A score ranks sessions against each other: it needs at least 2 sessions.")
else:
    st.dataframe(
        pd.DataFrame(
            {
                "factor": [k.replace("_", " ") for k in scores.weights],
                "weight": list(scores.weights.values()),
                "definition": [scores.definitions[k] for k in scores.weights],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={"weight": st.column_config.NumberColumn("Weight", format="percent")},
    )
    st.caption(scores.method)
    points = scores.table.assign(start=ui.in_zone(tz, scores.table["start"]))
    ui.chart(
        alt.Chart(points, title="Which sessions scored well, and when?")
        .mark_circle(size=60, opacity=0.8)
        .encode(
            x=alt.X("start:T", title=f"Session start ({tz})"),
            y=alt.Y("score:Q", title="Productivity score (0–100)", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color(
                "primary_model:N", title="Main model", scale=ui.model_scale(points["primary_model"])
            ),
            tooltip=[
                alt.Tooltip("start:T", format="%Y-%m-%d %H:%M"),
                "session_id:N",
                alt.Tooltip("score:Q", format=".0f"),
                alt.Tooltip("cost_efficiency:Q", title="Cost efficiency", format=".2f"),
                alt.Tooltip("error_resilience:Q", title="Error resilience", format=".2f"),
                alt.Tooltip("tool_effectiveness:Q", title="Tool effectiveness", format=".2f"),
                alt.Tooltip("time_management:Q", title="Time management", format=".2f"),
                "project:N",
            ],
        ),
        caption=f"{scores.n_sessions:,} sessions scored, {scores.n_unscored:,} without any defined factor.",
    )
    peaks = sessions.peak_hours(scores, tz)
    if peaks is not None:
        ui.chart(
            alt.Chart(peaks.table, title="At what hour of the day do sessions score best?")
            .mark_bar()
            .encode(
                x=alt.X("hour:O", title=f"Hour the session started ({tz})"),
                y=alt.Y("mean_score:Q", title="Mean productivity score", scale=alt.Scale(domain=[0, 100])),
                color=alt.condition(
                    alt.FieldOneOfPredicate("hour", list(peaks.best_hours)),
                    alt.value("#2ca02c"),
                    alt.value("#9ecae1"),
                ),
                tooltip=[
                    "hour:O",
                    "sessions:Q",
                    alt.Tooltip("mean_score:Q", format=".1f"),
                    alt.Tooltip("median_score:Q", format=".1f"),
                ],
            ),
            caption=f"Green: the best hours. {peaks.method}",
        )

# -- A/B -------------------------------------------------------------------------------------
st.subheader("A/B: versions and models")
c1, c2 = st.columns(2)
by = state.url_widget(
    c1.segmented_control,
    "Compare sessions by",
    list(AB_BY),
    "ab_by",
    "cc_version",
    format_func=AB_BY.get,
    required=True,
)
metric = state.url_widget(
    c2.selectbox,
    "Per-session measure",
    list(sessions.GROUP_METRICS),
    "ab_metric",
    "cost",
    format_func=lambda m: sessions.METRIC_LABELS[m].capitalize(),
)
state.sync_to_url("ab_by", by)
sizes = sessions.group_sizes(table, by)
groups = list(sizes)
if len(groups) < 2:
    st.caption(f"Only {len(groups)} {AB_BY[by].lower()} in these sessions: nothing to compare.")
else:
    default = sessions.compare_groups(table, by, metric)
    first, second = (default.group_a, default.group_b) if default else (groups[0], groups[1])
    c1, c2 = st.columns(2)

    def fmt_group(g: str) -> str:
        return f"{g} ({sizes[g]:,} sessions)"

    ga = state.url_widget(
        c1.selectbox, "Group A", groups, f"ab_a_{by}", first, param="ab_a", format_func=fmt_group
    )
    gb = state.url_widget(
        c2.selectbox, "Group B", groups, f"ab_b_{by}", second, param="ab_b", format_func=fmt_group
    )
    result = sessions.compare_groups(table, by, metric, ga, gb) if ga != gb else None
    if result is None:
        st.caption(
            "Pick two different groups, each with at least 5 sessions that have this measure "
            "(and not all values equal)."
        )
    else:
        cols = st.columns(4)
        ui.card(cols[0], "Mann–Whitney U", f"{result.u:,.1f}", help=result.method)
        ui.card(
            cols[1],
            "p-value",
            f"{result.p_value:.3g}",
            delta="significant at 5%" if result.p_value < 0.05 else "not significant at 5%",
            delta_color="off",
            delta_arrow="off",
        )
        ui.card(
            cols[2],
            "Median A",
            sessions.format_metric(metric, result.median_a),
            delta=f"n = {result.n_a:,}",
            delta_color="off",
            delta_arrow="off",
        )
        ui.card(
            cols[3],
            "Median B",
            sessions.format_metric(metric, result.median_b),
            delta=f"n = {result.n_b:,}",
            delta_color="off",
            delta_arrow="off",
        )
        ui.plain(sessions.describe_comparison(result))
        column = sessions.GROUP_METRICS[metric]
        key = sessions.GROUP_KEYS[by]
        pair = table[table[key].isin([ga, gb])]
        ui.chart(
            alt.Chart(
                pair, title=f"How is {sessions.METRIC_LABELS[metric]} per session spread in each group?"
            )
            .mark_boxplot(extent=1.5, size=28)
            .encode(
                y=alt.Y(f"{key}:N", title=AB_BY[by], sort=[ga, gb], axis=alt.Axis(labelLimit=260)),
                x=alt.X(
                    f"{column}:Q",
                    title=f"{sessions.METRIC_LABELS[metric].capitalize()} per session ({UNITS[metric]})",
                ),
                color=alt.Color(
                    f"{key}:N",
                    legend=None,
                    scale=ui.model_scale([ga, gb])
                    if by == "model"
                    else alt.Scale(domain=[ga, gb], range=["#1f77b4", "#ff7f0e"]),
                ),
            )
            .properties(height=alt.Step(50)),
            caption=f"Effect size (rank-biserial): {result.effect_size:+.2f}; "
            f"P(A > B) = {result.probability_a_greater:.0%}.",
        )
