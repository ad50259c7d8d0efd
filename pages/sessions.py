"""Sessions: how each session went, two sessions side by side, and whether versions or models differ."""

from functools import partial

import streamlit as st

from analytics import fmt, models, outcomes, sessions
from ui import cache, charts, sections, state
from ui import components as ui
from ui import outcomes as outcome_view
from ui.page import page_view

AB_BY = {"cc_version": "Claude Code version", "model": "Model"}
HEADERS = {"measure": "", "a": "A", "b": "B", "difference": "B − A"}
LISTED = ["start", "score", "cost_usd", "span", "active", "requests", "tool_calls", "error_rate"]
LISTED += list(outcome_view.SESSION_COLUMNS)  # what each session produced
LISTED += ["project", "primary_model", "cc_version", "user", "session_id"]
PICK_NEWEST = 1000
"""Sessions the two pickers offer (the newest): a select box sends every option to the browser."""
MAX_POINTS = 5000
"""Sessions drawn in the score chart (the newest)."""


st.title("Sessions")
ui.question(
    "How did each session go, how do two sessions compare, and do versions or models make a difference?"
)
tz, facts, filters = page_view()

cache.prefetch(
    (outcomes.load_outcomes_by, filters, {"by": "session"}),
    (sessions.load_session_totals, filters.previous(), {}),
    (outcomes.load_totals, filters, {}),
)
frame = cache.load(sessions.load_sessions, filters)
if frame.empty:
    ui.nothing_in_window("sessions", filters, facts)
by_session = cache.load(outcomes.load_outcomes_by, filters, by="session")
frame = outcomes.with_session_outcomes(frame, by_session)  # what each session produced
unpriced = cache.load(models.load_unpriced_models, filters)
ui.unpriced_warning(
    "Requests of models without a known price add nothing to session costs (never \\$0): ", unpriced
)
scores = sessions.productivity_scores(frame, filters=filters)
table = sessions.with_scores(frame, scores)

# -- key numbers ---------------------------------------------------------------
totals = sessions.session_totals(frame)
before = cache.load(sessions.load_session_totals, filters.previous())  # only its figures
sections.session_cards(totals, before, filters)

# -- the sessions ------------------------------------------------------------------
st.subheader("All sessions")
outcome_view.session_table(table, tz, LISTED)

# -- compare two sessions --------------------------------------------------------------
st.subheader("Compare two sessions")
ids = frame["session_id"].tolist()[::-1]
known = set(ids)
linked = [st.query_params.get(k) for k in ("session_a", "session_b")]
choices = ids[:PICK_NEWEST] + [s for s in linked if s in known and s not in ids[:PICK_NEWEST]]
labels = sessions.session_labels(frame[frame["session_id"].isin(choices)], tz)
c1, c2 = st.columns(2)
pick = {"index": None, "format_func": labels.get, "placeholder": "Pick a session"}
a = state.url_widget(c1.selectbox, "Session A", choices, "session_a", None, **pick)
b = state.url_widget(c2.selectbox, "Session B", choices, "session_b", None, **pick)
if len(ids) > PICK_NEWEST:
    st.caption(
        f"The pickers offer the {PICK_NEWEST:,} newest of {len(ids):,} sessions (and any in the link): "
        "narrow the dates or filters in the sidebar to reach older ones."
    )
if any(s and s not in known for s in linked):
    st.warning(
        "A session in the link has no events in these dates or filters: widen the dates in the sidebar."
    )
# the tool mix of the sessions compared below and of the latest one (the insights' default)
picked = tuple(sorted({s for s in (a, b, ids[0]) if s}))
tool_mix = cache.load(sessions.load_session_tool_mix, filters, sessions=picked)
if a and b:
    cmp = sessions.compare_sessions(a, b, frame, tool_mix)
    left, right = st.columns([3, 2])
    with left:
        headers = {c: st.column_config.TextColumn(t) for c, t in HEADERS.items()}
        st.dataframe(sessions.comparison_table(cmp), hide_index=True, width="stretch", column_config=headers)
    with right:
        cosine = "–" if cmp.tool_cosine is None else f"{cmp.tool_cosine:.2f}"
        proportions = "Cosine similarity of the call counts per tool (1 = same proportions)."
        ui.card(st, "Tool-mix similarity", cosine, help=proportions)
        common = "–" if cmp.tool_jaccard is None else fmt.pct(cmp.tool_jaccard, 0)
        ui.card(
            st, "Tools in common", common, help="Jaccard index: tools used by both / tools used by either."
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

st.subheader("What did the spend buy?")
subject = a or b or ids[0]
outcome_view.session_outcomes(filters, by_session, subject, labels[subject], tz)

# -- productivity score ---------------------------------------------------------------------
st.subheader("Productivity score")
if scores is None:
    st.caption("A score ranks sessions against each other: it needs at least 2 sessions.")
else:
    weight = {"weight": st.column_config.NumberColumn("Weight", format="percent")}
    st.dataframe(sessions.score_factors(scores), hide_index=True, width="stretch", column_config=weight)
    st.caption(scores.method)
    drawn = scores.table.nlargest(MAX_POINTS, "start")
    newest = f" The chart shows the {MAX_POINTS:,} newest." if len(drawn) < len(scores.table) else ""
    ui.chart(
        charts.score_points(drawn, tz),
        caption=f"{scores.n_sessions:,} sessions scored, {scores.n_unscored:,} without any defined factor."
        + newest,
    )
    peaks = sessions.peak_hours(scores, tz)
    if peaks is not None:
        ui.chart(
            charts.peak_hour_bars(peaks.table, peaks.best_hours, tz),
            caption=f"Green: the best hours. {peaks.method}",
        )

# -- A/B -------------------------------------------------------------------------------------
st.subheader("A/B: versions and models")
c1, c2 = st.columns(2)
choice = {"format_func": AB_BY.get, "required": True}
by = state.url_widget(
    c1.segmented_control, "Compare sessions by", list(AB_BY), "ab_by", "cc_version", **choice
)
measures = {m: sessions.METRIC_LABELS[m].capitalize() for m in sessions.GROUP_METRICS}
metric = state.url_widget(
    c2.selectbox, "Per-session measure", list(measures), "ab_metric", "cost", format_func=measures.get
)
state.sync_to_url("ab_by", by)
sizes = sessions.group_sizes(table, by, metric)
groups = list(sizes)
if len(groups) < 2:
    st.caption(f"Only {len(groups)} {AB_BY[by].lower()} in these sessions: nothing to compare.")
else:
    default = sessions.compare_groups(table, by, metric)
    first, second = (default.group_a, default.group_b) if default else (groups[0], groups[1])
    c1, c2 = st.columns(2)
    sized = {g: f"{g} ({n:,} sessions with this measure)" for g, n in sizes.items()}
    ga = state.url_widget(
        c1.selectbox, "Group A", groups, f"ab_a_{by}", first, param="ab_a", format_func=sized.get
    )
    gb = state.url_widget(
        c2.selectbox, "Group B", groups, f"ab_b_{by}", second, param="ab_b", format_func=sized.get
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
        verdict = "significant at 5%" if result.p_value < 0.05 else "not significant at 5%"
        ui.note_card(cols[1], "p-value", f"{result.p_value:.3g}", verdict)
        show = partial(sessions.format_metric, metric)
        ui.note_card(cols[2], "Median A", show(result.median_a), f"n = {result.n_a:,}")
        ui.note_card(cols[3], "Median B", show(result.median_b), f"n = {result.n_b:,}")
        ui.plain(sessions.describe_comparison(result))
        key, column = sessions.GROUP_KEYS[by], sessions.GROUP_METRICS[metric]
        label, unit = sessions.METRIC_LABELS[metric], sessions.METRIC_UNITS[metric]
        spread = charts.group_boxes(table, key, column, label, unit, [ga, gb], AB_BY[by], by == "model")
        effect = f"Effect size (rank-biserial): {result.effect_size:+.2f}; "
        ui.chart(spread, caption=effect + f"P(A > B) = {result.probability_a_greater:.0%}.")
