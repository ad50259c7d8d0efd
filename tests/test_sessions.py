from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from apptest_helpers import insert_events as insert
from scipy import stats

from analytics import rollups
from analytics.filters import Filters
from analytics.sessions import (
    DERIVED_COLUMNS,
    SESSION_COLUMNS,
    TOOL_MIX_COLUMNS,
    WEIGHTS,
    _derive,
    _metrics_query,
    compare_groups,
    compare_sessions,
    consistency,
    load_session_tool_mix,
    load_session_totals,
    load_sessions,
    peak_hours,
    percentile_rank,
    productivity_scores,
    session_insights,
)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ALL = Filters()
SONNET = "claude-sonnet-4-5"
HAIKU = "claude-haiku-4-5"


def ev(session: str, second: int, event: str, **kw) -> dict:
    return dict(
        ts=T0 + timedelta(seconds=second),
        source="demo",
        event=event,
        session_id=session,
        event_id=f"{session}-{second}",
        seq=second,
        version=1,
        **kw,
    )


SESSION_A = [
    ev("A", 0, "user_prompt", project="/p", cc_version="1.0.0", text="fix it"),
    ev(
        "A",
        60,
        "api_request",
        project="/p",
        cc_version="1.0.0",
        model=SONNET,
        cost_usd=0.10,
        input_tokens=100,
        output_tokens=50,
        cache_read_tokens=1000,
        cache_write_5m_tokens=10,
    ),
    ev("A", 120, "tool_result", project="/p", cc_version="1.0.0", tool="Read", success=1),
    ev("A", 180, "tool_result", project="/p", cc_version="1.0.0", tool="Bash", success=0),
    ev(
        "A",
        780,
        "api_request",
        project="/p",
        cc_version="1.0.1",
        model=SONNET,
        cost_usd=0.30,
        input_tokens=200,
        output_tokens=70,
    ),
    ev("A", 840, "api_error", project="/p", cc_version="1.0.1", status_code=529),
    ev("A", 900, "tool_result", project="/p", cc_version="1.0.1", tool="Read", success=1),
]
SESSION_B = [
    ev("B", 2000, "user_prompt", project="/q", cc_version="1.0.1"),
    ev("B", 2030, "api_request", project="/q", cc_version="1.0.1", model=HAIKU, cost_usd=0.05),
    ev("B", 2040, "tool_result", project="/q", cc_version="1.0.1", tool="Read", success=1),
    ev("B", 2100, "tool_result", project="/q", cc_version="1.0.1", tool="Grep", success=1),
    ev("B", 2130, "api_request", project="/q", cc_version="1.0.1", model=HAIKU, cost_usd=0.05),
    ev("B", 2200, "tool_result", project="/q", cc_version="1.0.1", tool="Edit", success=1),
]
DAY2 = 86400 + 8 * 3600  # 2025-03-02 20:00 UTC
SESSION_C = [
    ev("C", DAY2, "user_prompt", project="/q"),
    ev("C", DAY2 + 100, "api_request", project="/q", model=SONNET, cost_usd=0.30),
]


@pytest.fixture
def three(empty_store):
    insert(empty_store, SESSION_A + SESSION_B + SESSION_C)
    return empty_store


def test_session_metrics_and_active_time(three):
    s = load_sessions(three, ALL).set_index("session_id")
    assert list(s.index) == ["A", "B", "C"]
    a = s.loc["A"]
    assert a["start"] == pd.Timestamp(T0)
    assert a["end"] == pd.Timestamp(T0 + timedelta(seconds=900))
    assert a["duration_s"] == 900.0
    assert a["active_s"] == 300.0  # gaps 60, 60, 60, (600 idle), 60, 60
    assert (a["events"], a["prompts"], a["requests"], a["tool_calls"], a["tool_errors"], a["api_errors"]) == (
        7,
        1,
        2,
        3,
        1,
        1,
    )
    assert a["cost_usd"] == pytest.approx(0.40)
    assert a["cost_per_request"] == pytest.approx(0.20)
    assert (a["input_tokens"], a["output_tokens"], a["cache_read_tokens"], a["cache_write_tokens"]) == (
        300,
        120,
        1000,
        10,
    )
    assert a["total_tokens"] == 1430
    assert a["error_rate"] == pytest.approx(2 / 6)
    assert a["tool_error_rate"] == pytest.approx(1 / 3)
    assert a["api_error_rate"] == pytest.approx(1 / 3)
    assert a["active_share"] == pytest.approx(1 / 3)
    assert list(a["models"]) == [SONNET]
    assert (a["primary_model"], a["project"], a["cc_version"], a["user"]) == (SONNET, "/p", "1.0.1", "local")
    b = s.loc["B"]
    assert (b["duration_s"], b["active_s"], b["error_rate"], b["active_share"]) == (200.0, 200.0, 0.0, 1.0)
    c = s.loc["C"]
    assert pd.isna(c["tool_error_rate"]) and c["tool_calls"] == 0


def test_models_and_the_primary_model_with_ties(empty_store):
    def request(session, second, model):
        return ev(session, second, "api_request", model=model, cost_usd=0.01)

    insert(
        empty_store,
        [request("T", 0, SONNET), request("T", 1, HAIKU), request("T", 2, SONNET), request("T", 3, HAIKU)]
        + [request("U", 0, HAIKU), request("U", 1, SONNET), request("U", 2, SONNET)]
        + [ev("V", 0, "user_prompt")],
    )
    s = load_sessions(empty_store, ALL).set_index("session_id")
    assert s.loc["T", "models"] == [HAIKU, SONNET]  # a plain list (as the CSV writes it)
    assert s.loc["T", "primary_model"] == HAIKU  # 2 requests each: the first by name
    assert (s.loc["U", "models"], s.loc["U", "primary_model"]) == ([HAIKU, SONNET], SONNET)  # 2 over 1
    assert (s.loc["V", "models"], s.loc["V", "primary_model"]) == ([], "")


@pytest.mark.parametrize(
    ("tz", "query"), [("UTC", "sessions_metrics_rollup"), ("Asia/Kolkata", "sessions_metrics")]
)  # a half-hour zone cannot read whole hours: the raw query answers
def test_sessions_read_as_arrow_equal_the_frame_the_client_decodes(demo_store, tz, query):
    f = Filters(tz=tz)
    params = {"idle_ms": rollups.SESSION_IDLE_MS, **f.params()}
    assert _metrics_query(demo_store, f, params["idle_ms"]) == query
    decoded = _derive(demo_store.query(query, **params))
    pd.testing.assert_frame_equal(load_sessions(demo_store, f), decoded)  # values and dtypes


def test_idle_threshold_and_time_zone(three):
    s = load_sessions(three, Filters(tz="Asia/Tokyo"), idle_minutes=10).set_index("session_id")
    assert s.loc["A", "active_s"] == 900.0  # the 600 s gap is active under a 10 min threshold
    assert (s.loc["A", "start_hour"], s.loc["A", "start_day"]) == (21, "2025-03-01")
    assert (s.loc["C", "start_hour"], s.loc["C", "start_day"]) == (5, "2025-03-03")


def test_model_filter_drops_sessions_without_that_model(three):
    s = load_sessions(three, Filters(models=(HAIKU,)))
    assert list(s["session_id"]) == ["B"]


def test_compare_sessions(three):
    cmp = compare_sessions("A", "B", load_sessions(three, ALL), load_session_tool_mix(three, ALL))
    assert cmp.cost_diff == pytest.approx(-0.30)
    assert cmp.cost_per_request_diff == pytest.approx(-0.15)
    assert cmp.error_rate_diff == pytest.approx(-1 / 3)
    assert (cmp.duration_diff, cmp.active_diff) == (-700.0, -100.0)
    # counts over (Bash, Edit, Grep, Read): A = (1, 0, 0, 2), B = (0, 1, 1, 1)
    assert cmp.tool_cosine == pytest.approx(2 / math.sqrt(15))
    assert cmp.tool_jaccard == 0.25
    assert (cmp.tools_only_a, cmp.tools_only_b) == (("Bash",), ("Edit", "Grep"))
    self_cmp = compare_sessions("A", "A", load_sessions(three, ALL), load_session_tool_mix(three, ALL))
    assert self_cmp.tool_cosine == pytest.approx(1.0) and self_cmp.cost_diff == 0.0
    c = compare_sessions("A", "C", load_sessions(three, ALL), load_session_tool_mix(three, ALL))
    assert c.tool_cosine is None and c.tool_jaccard == 0.0
    assert compare_sessions("A", "nope", load_sessions(three, ALL), load_session_tool_mix(three, ALL)) is None
    picked = load_session_tool_mix(three, ALL, sessions=("A", "B"))  # what the page loads: two sessions
    assert picked.to_dict("records") == [
        {"session_id": "A", "tool": "Read", "calls": 2, "errors": 0},
        {"session_id": "A", "tool": "Bash", "calls": 1, "errors": 1},
        {"session_id": "B", "tool": "Edit", "calls": 1, "errors": 0},
        {"session_id": "B", "tool": "Grep", "calls": 1, "errors": 0},
        {"session_id": "B", "tool": "Read", "calls": 1, "errors": 0},
    ]
    assert compare_sessions("A", "B", load_sessions(three, ALL), picked) == cmp
    assert load_session_tool_mix(three, ALL, sessions=()).empty


def test_productivity_scores_factors_and_weights(three):
    ps = productivity_scores(load_sessions(three, ALL), filters=ALL)
    assert (
        dict(ps.weights)
        == dict(WEIGHTS)
        == {
            "cost_efficiency": 0.24,
            "error_resilience": 0.20,
            "tool_effectiveness": 0.16,
            "time_management": 0.20,
            "outcome_efficiency": 0.20,
        }
    )
    # no outcome data in these sessions: the outcome factor is undefined and the scores are those of
    # the other four factors (their weights keep the proportions 30/25/20/25)
    assert ps.table["outcome_efficiency"].isna().all()
    t = ps.table.set_index("session_id")
    # cost per request A 0.20, B 0.05, C 0.30; error rate A 1/3, B 0, C 0; tool success A 2/3, B 1, C none;
    # active share A 1/3, B 1, C 1
    assert t.loc[
        "A", ["cost_efficiency", "error_resilience", "tool_effectiveness", "time_management"]
    ].tolist() == [0.5, 0.0, 0.0, 0.0]
    assert t.loc[
        "B", ["cost_efficiency", "error_resilience", "tool_effectiveness", "time_management"]
    ].tolist() == [1.0, 0.75, 1.0, 0.75]
    assert pd.isna(t.loc["C", "tool_effectiveness"]) and t.loc["C", "factors_used"] == 3
    assert t.loc["A", "score"] == pytest.approx(15.0)
    assert t.loc["B", "score"] == pytest.approx(87.5)
    assert t.loc["C", "score"] == pytest.approx(100 * (0.25 * 0.75 + 0.25 * 0.75) / 0.8)
    assert (ps.n_sessions, ps.n_unscored) == (3, 0)


def test_the_outcome_factor_ranks_cost_per_outcome_and_spending_for_nothing_last():
    nan = float("nan")
    frame = pd.DataFrame(
        {
            "session_id": ["a", "b", "c", "d"],
            "cost_per_request": nan,
            "error_rate": nan,
            "tool_success_rate": nan,
            "active_share": nan,
            # $1 per outcome, spent and produced nothing, $0.50 per outcome, unpriced
            "cost_per_outcome": [1.0, math.inf, 0.5, nan],
        }
    )
    ps = productivity_scores(frame)
    t = ps.table.set_index("session_id")
    # ranks among a, b, c (lower is better): c best (1), a (0.5), b last (0); d has no defined factor
    assert t["outcome_efficiency"].to_dict() == {"a": 0.5, "b": 0.0, "c": 1.0}
    assert t["score"].to_dict() == {"a": 50.0, "b": 0.0, "c": 100.0}
    assert (ps.n_sessions, ps.n_unscored) == (3, 1)
    # nobody produced anything: no outcome data, the factor says nothing
    nothing = productivity_scores(frame.assign(cost_per_outcome=[math.inf, math.inf, math.inf, nan]))
    assert nothing.table.empty and nothing.n_unscored == 4


def test_peak_hours_and_consistency(three):
    ps = productivity_scores(load_sessions(three, ALL))
    ph = peak_hours(ps, tz="UTC", min_sessions=2)
    assert ph.best_hours == (12,)
    assert ph.table.set_index("hour").loc[12, "mean_score"] == pytest.approx((15.0 + 87.5) / 2)
    assert ph.table.set_index("hour").loc[20, "sessions"] == 1
    assert peak_hours(ps, min_sessions=3) is None
    c = consistency(ps)
    assert c.n_days == 2
    assert c.cv == pytest.approx((51.25 - 46.875) / math.sqrt(2) / ((51.25 + 46.875) / 2))
    assert consistency(ps, min_days=3) is None


def test_session_insights(three):
    sessions = load_sessions(three, ALL)
    ps = productivity_scores(sessions)
    ins = session_insights("A", sessions, ps, load_session_tool_mix(three, ALL))
    assert ins.score == pytest.approx(15.0)
    assert ins.strengths == ()
    assert ins.improvements == (
        "2 of 6 operations failed (33.3%; median 0.0%): worse than 100% of the other 2 sessions.",
        "Tool calls succeeded 2 of 3 times (67%; median 83%): worse than 100% of the other 2 sessions.",
        "Active 5 min of a 15 min span (33%; median 100%): worse than 100% of the other 2 sessions.",
    )
    assert ins.recommendations == ("1 of 3 API calls failed.",)
    b = session_insights("B", sessions, ps)
    assert (
        b.strengths[0]
        == "Cost per request was $0.0500 (median $0.2000): better than 100% of the other 2 sessions."
    )
    assert len(b.strengths) == 4 and b.improvements == ()
    assert session_insights("zzz", sessions, ps) is None


def test_compare_groups_matches_scipy():
    a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    b = [4.0, 5.0, 7.0, 8.0, 9.0, 10.0, 11.0]
    frame = pd.DataFrame(
        {"cc_version": ["1.0"] * 6 + ["2.0"] * 7, "cost_usd": a + b, "primary_model": [SONNET] * 13}
    )
    g = compare_groups(frame, by="cc_version", metric="cost")
    ref = stats.mannwhitneyu(b, a, alternative="two-sided")  # "2.0" is the larger group, so it is group a
    assert (g.group_a, g.group_b, g.n_a, g.n_b) == ("2.0", "1.0", 7, 6)
    assert g.u == ref.statistic
    assert g.p_value == pytest.approx(ref.pvalue)
    assert (g.median_a, g.median_b) == (8.0, 3.5)
    assert g.effect_size == pytest.approx(2 * ref.statistic / 42 - 1)
    explicit = compare_groups(frame, by="cc_version", metric="cost", a="1.0", b="2.0")
    assert explicit.u == stats.mannwhitneyu(a, b, alternative="two-sided").statistic
    assert compare_groups(frame, by="cc_version", metric="cost", min_n=7) is None
    assert compare_groups(frame, by="model", metric="cost") is None  # one group only
    with pytest.raises(ValueError):
        compare_groups(frame, by="cc_version; DROP", metric="cost")


def test_percentile_rank_ties_and_degenerate():
    r = percentile_rank(pd.Series([3.0, 1.0, 1.0, float("nan"), 2.0]), higher_is_better=True)
    assert r.tolist()[:3] == [1.0, 1 / 6, 1 / 6] and pd.isna(r[3]) and r[4] == pytest.approx(2 / 3)
    assert percentile_rank(pd.Series([5.0]), True).isna().all()


def test_degenerate_inputs(empty_store):
    s = load_sessions(empty_store, ALL)
    mix = load_session_tool_mix(empty_store, ALL)
    assert s.empty and mix.empty
    assert list(s.columns) == SESSION_COLUMNS + DERIVED_COLUMNS and list(mix.columns) == TOOL_MIX_COLUMNS
    assert productivity_scores(s) is None
    assert peak_hours(None) is None and consistency(None) is None
    assert compare_sessions("a", "b", s, mix) is None
    assert session_insights("a", s, None) is None
    assert compare_groups(s, by="model", metric="cost") is None


def test_single_session_has_no_score(empty_store):
    insert(empty_store, SESSION_B)
    s = load_sessions(empty_store, ALL)
    assert len(s) == 1 and productivity_scores(s) is None


def test_demo_data_scores_are_bounded(demo_store):
    sessions = load_sessions(demo_store, ALL)
    ps = productivity_scores(sessions)
    assert ps.n_sessions + ps.n_unscored == len(sessions)
    assert ps.table["score"].between(0, 100).all()
    factors = ps.table[list(WEIGHTS)]
    assert ((factors >= 0) & (factors <= 1) | factors.isna()).all().all()
    assert (sessions["active_s"] <= sessions["duration_s"] + 1e-9).all()
    mix = load_session_tool_mix(demo_store, ALL)
    assert mix.groupby("session_id")["calls"].sum().sum() == sessions["tool_calls"].sum()


def test_session_totals_scores_and_group_sizes(three):
    from analytics.sessions import group_sizes, session_totals, with_scores

    sessions = load_sessions(three, ALL)
    t = session_totals(sessions)
    # A: $0.40, 900 s span, 300 s active, 2 of 6 operations failed; B: $0.10, 200 s, 200 s, 0 of 5;
    # C: $0.30, 100 s, 100 s, 0 of 1
    assert (t.n_sessions, t.median_duration_s, t.median_active_s) == (3, 200.0, 200.0)
    assert t.cost_usd == pytest.approx(0.80) and t.median_cost_usd == pytest.approx(0.30)
    assert t.error_rate == pytest.approx(2 / 12)
    assert session_totals(sessions.iloc[:0]) is None
    stored = load_session_totals(three, ALL)  # the same figures, aggregated in the store
    assert (stored.n_sessions, stored.median_duration_s, stored.median_active_s) == (3, 200.0, 200.0)
    assert stored.cost_usd == pytest.approx(0.80) and stored.median_cost_usd == pytest.approx(0.30)
    assert stored.error_rate == pytest.approx(2 / 12)
    assert (
        load_session_totals(three, Filters(start=T0 - timedelta(days=2), end=T0 - timedelta(days=1))) is None
    )

    scored = with_scores(sessions, productivity_scores(sessions))
    assert list(scored["session_id"]) == ["A", "B", "C"]
    assert scored["score"].tolist()[:2] == pytest.approx([15.0, 87.5])
    assert scored.loc[0, ["cost_efficiency", "time_management"]].tolist() == [0.5, 0.0]
    assert with_scores(sessions, None)["score"].isna().all()

    # cc_version is the latest seen: A 1.0.1, B 1.0.1, C "" (none recorded)
    assert group_sizes(sessions, "cc_version") == {"1.0.1": 2}
    assert group_sizes(sessions, "project") == {"/q": 2, "/p": 1}
    with pytest.raises(ValueError):
        group_sizes(sessions, "nope")


def test_describe_comparison_states_the_verdict():
    from analytics.sessions import GroupComparison, describe_comparison, format_metric

    base = dict(by="cc_version", metric="cost", group_a="2.0", group_b="1.0", n_a=7, n_b=6, median_a=8.0)
    significant = GroupComparison(
        **base, median_b=3.5, u=39.0, p_value=0.0082, effect_size=0.86, probability_a_greater=0.93, method=""
    )
    assert describe_comparison(significant) == (
        "Median cost per session: $8.00 for 2.0 (n = 7) vs $3.50 for 1.0 (n = 6); Mann-Whitney U = 39.0, "
        "p = 0.0082: the difference is statistically significant at the 5% level."
    )
    chance = GroupComparison(
        **{**base, "metric": "duration"},
        median_b=7.5,
        u=25.0,
        p_value=0.62,
        effect_size=0.19,
        probability_a_greater=0.6,
        method="",
    )
    assert describe_comparison(chance).endswith(
        "p = 0.62: the difference is not statistically significant at the 5% level (it may be chance)."
    )
    assert describe_comparison(chance).startswith("Median duration per session: 8.0 s for 2.0")
    assert (format_metric("error_rate", 0.125), format_metric("requests", 48.0)) == ("12.5%", "48")
    assert format_metric("cost", float("nan")) == "unpriced"


def test_comparison_table_shows_compare_sessions_as_text(three):
    from analytics.sessions import comparison_table

    cmp = compare_sessions("A", "B", load_sessions(three, ALL), load_session_tool_mix(three, ALL))
    assert comparison_table(cmp).values.tolist() == [
        ["Cost", "$0.40", "$0.10", "-$0.30"],
        ["Cost per request", "$0.20", "$0.05", "-$0.15"],
        ["Error rate", "33.3%", "0.0%", "-33.3 pp"],
        ["Duration", "15.0 min", "3.3 min", "-11.7 min"],
        ["Active time", "5.0 min", "3.3 min", "-1.7 min"],
        ["Requests", "2", "2", "+0"],
        ["Tool calls", "3", "3", "+0"],
    ]
