from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
from apptest_helpers import (
    charts,
    frames_with,
    insert_events,
    metric,
    one_session,
    page,
    page_filters,
    vs_before,
)

from analytics import fmt, sessions
from ui import outcomes as outcome_view


def demo_frames(store, **query):
    f = page_filters(store, **query)
    frame = sessions.load_sessions(store, f)
    scores = sessions.productivity_scores(frame)
    return frame, sessions.load_session_tool_mix(store, f), scores, sessions.with_scores(frame, scores)


def test_renders_on_demo_and_numbers_match_the_analytics(app_on_demo, demo_store):
    at = page("sessions").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Sessions"]
    frame, tool_mix, scores, table = demo_frames(demo_store)
    totals = sessions.session_totals(frame)
    assert metric(at, "Sessions").value == f"{totals.n_sessions:,}"
    assert metric(at, "Median session cost").value == fmt.money(totals.median_cost_usd)
    assert metric(at, "Median active time").value == fmt.duration_ms(totals.median_active_s * 1000)
    assert metric(at, "Failed operations").value == fmt.pct(totals.error_rate)
    # against the 30 days before, from that window's session rows
    before = sessions.session_totals(sessions.load_sessions(demo_store, page_filters(demo_store).previous()))
    assert before is not None and before.n_sessions != totals.n_sessions
    assert metric(at, "Sessions").delta == vs_before(totals.n_sessions, before.n_sessions, "{:,}".format)
    failed = vs_before(totals.error_rate, before.error_rate, lambda x: f"{x * 100:.2f} pp")
    assert metric(at, "Failed operations").delta == failed

    (listed,) = frames_with(at, "session_id", "score", "primary_model")
    assert listed["session_id"].tolist() == frame["session_id"].tolist()[::-1]  # newest first
    assert listed["score"].tolist() == table["score"].tolist()[::-1]

    (weights,) = frames_with(at, "factor", "weight", "definition")
    assert dict(zip(weights["factor"], weights["weight"], strict=True)) == {
        "cost efficiency": 0.24,
        "error resilience": 0.20,
        "tool effectiveness": 0.16,
        "time management": 0.20,
        "outcome efficiency": 0.20,
    }
    assert any(c.value == scores.method for c in at.caption)

    # nothing picked: no comparison, insights for the most recent session
    assert at.selectbox(key="session_a").value is None and at.selectbox(key="session_b").value is None
    assert not frames_with(at, "measure", "difference")
    latest = sessions.session_insights(frame["session_id"].iloc[-1], frame, scores, tool_mix)
    texts = [t.value for t in at.text]
    for s in latest.strengths + latest.improvements + latest.recommendations:
        assert any(s in t for t in texts)

    # A/B by CC version, the two largest groups, cost per session
    assert at.segmented_control(key="ab_by").value == "cc_version"
    ab = sessions.compare_groups(table, "cc_version", "cost")
    assert metric(at, "Mann–Whitney U").value == f"{ab.u:,.1f}"
    assert metric(at, "p-value").value == f"{ab.p_value:.3g}"
    assert metric(at, "Median A").value == fmt.money(ab.median_a)
    assert metric(at, "Median B").value == fmt.money(ab.median_b)
    assert (metric(at, "Median A").delta, metric(at, "Median B").delta) == (f"n = {ab.n_a}", f"n = {ab.n_b}")
    assert sessions.describe_comparison(ab) in texts
    # the box plots, computed on the server: a row per group and the values beyond the whiskers
    title = f"How is {sessions.METRIC_LABELS['cost']} per session spread in each group?"
    spec, sent = charts(at)[title]
    (boxes,) = [d for d in sent if "q1" in d.columns]
    (beyond,) = [d for d in sent if "value" in d.columns]
    assert boxes["group"].tolist() == [ab.group_a, ab.group_b]
    column = sessions.GROUP_METRICS["cost"]
    for box in boxes.itertuples():
        values = sorted(table.loc[table[sessions.GROUP_KEYS["cc_version"]] == box.group, column].dropna())
        q1, median, q3 = (float(np.percentile(values, q)) for q in (25, 50, 75))
        low, high = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
        assert (box.n, box.q1, box.median, box.q3) == (len(values), q1, median, q3)
        assert (box.lower, box.upper) == (
            min(v for v in values if v >= low),
            max(v for v in values if v <= high),
        )
        outside = sorted(beyond.loc[beyond["group"] == box.group, "value"])
        assert outside == [v for v in values if v < low or v > high]
    assert len(boxes) + len(beyond) < len(table)  # not every session


def test_url_restores_the_comparison(app_on_demo, demo_store):
    frame, tool_mix, scores, _ = demo_frames(demo_store)
    a, b = frame["session_id"].iloc[3], frame["session_id"].iloc[-2]
    at = page("sessions", session_a=a, session_b=b).run()
    assert not at.exception
    assert (at.selectbox(key="session_a").value, at.selectbox(key="session_b").value) == (a, b)
    cmp = sessions.compare_sessions(a, b, frame, tool_mix)
    (shown,) = frames_with(at, "measure", "difference")
    rows = shown.set_index("measure")
    assert rows.loc["Cost"].tolist() == [
        fmt.money(cmp.cost_a),
        fmt.money(cmp.cost_b),
        f"{'-' if cmp.cost_diff < 0 else '+'}{fmt.money(abs(cmp.cost_diff))}",
    ]
    assert rows.loc["Requests", ["a", "b"]].tolist() == [f"{cmp.requests_a:,}", f"{cmp.requests_b:,}"]
    assert rows.loc["Tool calls", ["a", "b"]].tolist() == [f"{cmp.tool_calls_a:,}", f"{cmp.tool_calls_b:,}"]
    assert rows.loc["Error rate", ["a", "b"]].tolist() == [
        fmt.pct(cmp.error_rate_a, 1),
        fmt.pct(cmp.error_rate_b, 1),
    ]
    assert rows.loc["Duration", "a"] == fmt.duration_ms(cmp.duration_a * 1000)
    pd.testing.assert_frame_equal(shown, sessions.comparison_table(cmp))
    assert metric(at, "Tool-mix similarity").value == f"{cmp.tool_cosine:.2f}"
    assert metric(at, "Tools in common").value == fmt.pct(cmp.tool_jaccard, 0)
    for name, sid in (("A", a), ("B", b)):
        ins = sessions.session_insights(sid, frame, scores, tool_mix)
        assert any(
            m.value.startswith(f"**Session {name}** · score {ins.score:.0f} / 100") for m in at.markdown
        )

    # picking another session writes it to the URL
    other = frame["session_id"].iloc[0]
    at.selectbox(key="session_b").set_value(other).run()
    assert not at.exception
    assert at.query_params["session_b"] == other and at.query_params["session_a"] == a
    cmp = sessions.compare_sessions(a, other, frame, tool_mix)
    (shown,) = frames_with(at, "measure", "difference")
    pd.testing.assert_frame_equal(shown, sessions.comparison_table(cmp))


def test_the_session_table_pages_its_rows_over_the_whole_order(app_on_demo, demo_store, monkeypatch):
    monkeypatch.setattr(outcome_view, "PAGE_ROWS", 7)
    _, _, _, table = demo_frames(demo_store)
    newest = table.sort_values(["start"], ascending=False)["session_id"].tolist()
    at = page("sessions").run()
    (listed,) = frames_with(at, "session_id", "score", "primary_model")
    assert listed["session_id"].tolist() == newest[:7]
    pages = -(-len(table) // 7)
    assert at.number_input(key="sessions_page").label == f"Page (of {pages:,})"
    assert any(c.value.startswith(f"Sessions 1–7 of {len(table):,}, newest first") for c in at.caption)

    at.number_input(key="sessions_page").set_value(2).run()
    (listed,) = frames_with(at, "session_id", "score", "primary_model")
    assert listed["session_id"].tolist() == newest[7:14]

    at.selectbox(key="sessions_sort").set_value("score").run()  # the whole table, then the page
    (listed,) = frames_with(at, "session_id", "score", "primary_model")
    best = table.sort_values(["score", "start"], ascending=False, na_position="last", kind="stable")
    assert listed["session_id"].tolist() == best["session_id"].tolist()[7:14]


def test_a_session_outside_the_dates_is_reported(app_on_demo):
    at = page("sessions", session_a="no-such-session").run()
    assert not at.exception
    assert any("has no events in these dates" in w.value for w in at.warning)
    assert at.selectbox(key="session_a").value is None


def test_ab_by_model_is_held_in_the_url(app_on_demo, demo_store):
    at = page("sessions").run()
    at.segmented_control(key="ab_by").set_value("model").run()
    assert not at.exception
    assert at.query_params["ab_by"] == "model"
    _, _, _, table = demo_frames(demo_store)
    ab = sessions.compare_groups(table, "model", "cost")
    assert (at.selectbox(key="ab_a_model").value, at.selectbox(key="ab_b_model").value) == (
        ab.group_a,
        ab.group_b,
    )
    assert metric(at, "p-value").value == f"{ab.p_value:.3g}"
    assert sessions.describe_comparison(ab) in [t.value for t in at.text]

    again = page("sessions", ab_by="model", ab_metric="duration").run()  # a copied URL
    assert not again.exception
    assert again.segmented_control(key="ab_by").value == "model"
    assert again.selectbox(key="ab_metric").value == "duration"
    ab = sessions.compare_groups(table, "model", "duration")
    assert metric(again, "p-value").value == f"{ab.p_value:.3g}"
    verdict = "significant at 5%" if ab.p_value < 0.05 else "not significant at 5%"
    assert metric(again, "p-value").delta == verdict


def test_empty_store_says_so(app_on_empty):
    at = page("sessions").run()
    assert not at.exception
    assert len(at.info) == 1 and "the store is empty" in at.info[0].value
    assert not at.metric


def test_a_single_session_renders_without_scores(app_on_empty):
    insert_events(app_on_empty, one_session(datetime.now(UTC) - timedelta(hours=2)))
    at = page("sessions", session_a="only").run()
    assert not at.exception
    assert metric(at, "Sessions").value == "1"
    assert metric(at, "Median session cost").value == "$0.05"
    assert metric(at, "Failed operations").value == fmt.pct(1 / 5)  # 1 failed of 3 tool calls + 2 requests
    assert any(
        m.value.startswith("**Session A** · score – (not enough sessions to rank)") for m in at.markdown
    )
    assert any("it needs at least 2 sessions" in c.value for c in at.caption)
    assert any("nothing to compare" in c.value for c in at.caption)
