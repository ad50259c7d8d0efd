from __future__ import annotations

import collections
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from apptest_helpers import insert_events as insert
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import tools as tools_module
from analytics.filters import Filters
from analytics.tools import (
    SEQUENCE_COLUMNS,
    STATS_COLUMNS,
    ToolTotals,
    common_workflows,
    find_loops,
    load_tool_sequences,
    load_tool_stats,
    load_tool_totals,
    mine_ngrams,
    success_rate,
    suggestions,
    tool_calls,
    tool_usage,
    transition_matrix,
)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ALL = Filters()


def calls(session: str, tools: list[str], failed: set[int] = frozenset(), start: int = 0, **kw) -> list[dict]:
    """tool_result rows one second apart; positions in ``failed`` have success = 0."""
    return [
        dict(
            ts=T0 + timedelta(seconds=start + i),
            event="tool_result",
            session_id=session,
            event_id=f"{session}-t{start + i:03d}",
            seq=start + i,
            tool=t,
            success=0 if i in failed else 1,
            **kw,
        )
        for i, t in enumerate(tools)
    ]


def request(session: str, i: int, cost: float | None, model: str = "claude-sonnet-4-5") -> dict:
    return dict(
        ts=T0 + timedelta(seconds=i),
        event="api_request",
        session_id=session,
        event_id=f"{session}-r{i}",
        seq=i,
        model=model,
        cost_usd=cost,
        input_tokens=10,
    )


def row(mining, label: str) -> dict:
    r = mining.ngrams[mining.ngrams["label"] == label]
    assert len(r) == 1, label
    return r.iloc[0].to_dict()


def seqframe(sessions: dict[str, list[str]], costs: dict[str, float] | None = None) -> pd.DataFrame:
    """A frame shaped like load_tool_sequences, for pure tests."""
    costs = costs or {}
    return pd.DataFrame(
        {
            "session_id": list(sessions),
            "tools": list(sessions.values()),
            "failed": [[0] * len(v) for v in sessions.values()],
            "requests": [1] * len(sessions),
            "unpriced_requests": [0] * len(sessions),
            "cost_usd": [costs.get(s, float("nan")) for s in sessions],
        }
    )


def test_ngrams_counts_success_and_cost(empty_store):
    # Second Grep (position 4) failed; the session cost 0.25 + 0.35 = 0.60 over 6 calls: 0.10 per call.
    insert(
        empty_store,
        calls("s1", ["Read", "Grep", "Edit", "Read", "Grep", "Edit"], failed={4})
        + [request("s1", 0, 0.25), request("s1", 3, 0.35)],
    )
    seqs = load_tool_sequences(empty_store, ALL)
    assert list(seqs["tools"][0]) == ["Read", "Grep", "Edit", "Read", "Grep", "Edit"]
    assert list(seqs["failed"][0]) == [0, 0, 0, 0, 1, 0]
    assert seqs["cost_usd"][0] == pytest.approx(0.60)

    m = mine_ngrams(seqs, filters=ALL)
    assert (m.n_sessions, m.n_calls) == (1, 6)
    assert m.window == (ALL.start, ALL.end)
    counts = dict(zip(m.ngrams["label"], m.ngrams["count"], strict=True))
    assert counts == {
        "Read → Grep": 2,
        "Grep → Edit": 2,
        "Edit → Read": 1,
        "Read → Grep → Edit": 2,
        "Grep → Edit → Read": 1,
        "Edit → Read → Grep": 1,
        "Read → Grep → Edit → Read": 1,
        "Grep → Edit → Read → Grep": 1,
        "Edit → Read → Grep → Edit": 1,
    }
    rg = row(m, "Read → Grep")
    assert rg["pattern"] == ("Read", "Grep")
    assert rg["sessions"] == 1
    assert rg["success_rate"] == 0.5
    assert rg["cost_usd"] == pytest.approx(0.40)
    assert rg["cost_per_occurrence"] == pytest.approx(0.20)
    rge = row(m, "Read → Grep → Edit")
    assert rge["success_rate"] == 0.5
    assert rge["cost_usd"] == pytest.approx(0.60)
    assert row(m, "Edit → Read")["success_rate"] == 1.0
    assert row(m, "Edit → Read → Grep")["success_rate"] == 0.0
    # most frequent first, then by label
    assert list(m.ngrams["label"][:3]) == ["Grep → Edit", "Read → Grep", "Read → Grep → Edit"]


def test_sequence_order_uses_ts_then_seq_then_event_id(empty_store):
    same = T0
    rows = [
        dict(ts=same, event="tool_result", session_id="s", event_id="b", seq=2, tool="Edit", success=1),
        dict(ts=same, event="tool_result", session_id="s", event_id="a", seq=2, tool="Grep", success=1),
        dict(ts=same, event="tool_result", session_id="s", event_id="z", seq=1, tool="Read", success=1),
        dict(
            ts=same - timedelta(seconds=1),
            event="tool_result",
            session_id="s",
            event_id="y",
            seq=9,
            tool="Glob",
            success=1,
        ),
    ]
    insert(empty_store, rows)
    seqs = load_tool_sequences(empty_store, ALL)
    assert list(seqs["tools"][0]) == ["Glob", "Read", "Grep", "Edit"]
    assert pd.isna(seqs["cost_usd"][0])


def test_unpriced_session_gives_nan_cost_not_zero(empty_store):
    insert(empty_store, calls("s1", ["Read", "Grep"]) + [request("s1", 0, None, model="mystery-model")])
    m = mine_ngrams(load_tool_sequences(empty_store, ALL))
    r = row(m, "Read → Grep")
    assert pd.isna(r["cost_usd"])
    assert r["unpriced_occurrences"] == 1


def test_transition_probabilities(empty_store):
    insert(
        empty_store,
        calls("s1", ["Read", "Grep", "Edit", "Read", "Grep", "Edit"]) + calls("s2", ["Read", "Edit"]),
    )
    tm = transition_matrix(load_tool_sequences(empty_store, ALL))
    got = {(r.from_tool, r.to_tool): (r.count, r.probability) for r in tm.table.itertuples()}
    assert got == {
        ("Read", "Grep"): (2, pytest.approx(2 / 3)),
        ("Read", "Edit"): (1, pytest.approx(1 / 3)),
        ("Grep", "Edit"): (2, 1.0),
        ("Edit", "Read"): (1, 1.0),
    }
    assert (tm.n_transitions, tm.n_sessions) == (6, 2)
    assert tm.matrix.loc["Read", "Grep"] == pytest.approx(2 / 3)
    assert tm.matrix.loc["Grep", "Read"] == 0.0


def test_loops_and_edit_fail_edit(empty_store):
    s1 = ["Read", "Read", "Read", "Read", "Grep", "Read", "Read", "Read", "Edit", "Bash", "Edit"]
    insert(
        empty_store,
        calls("s1", s1, failed={1, 9})
        + [request("s1", 0, 1.10)]
        + calls("s2", ["Edit", "Bash", "Write", "Bash", "Bash"], failed={3}),
    )
    rep = find_loops(load_tool_sequences(empty_store, ALL), min_repeat=3)
    assert rep.n_sessions == 2
    assert len(rep.repeats) == 1
    r = rep.repeats.iloc[0].to_dict()
    assert r["tool"] == "Read"
    assert (r["runs"], r["sessions"], r["calls"], r["longest"]) == (2, 1, 7, 4)
    assert r["mean_length"] == 3.5
    assert r["failed_share"] == pytest.approx(1 / 7)
    assert r["cost_usd"] == pytest.approx(0.70)  # 7 calls x 1.10 / 11
    # s1: Edit, Bash(failed), Edit. s2: Edit, Bash(ok), Write is not a cycle.
    assert (rep.edit_fail_edit, rep.edit_fail_edit_sessions) == (1, 1)
    assert rep.edit_fail_edit_cost_usd == pytest.approx(0.30)
    rep2 = find_loops(load_tool_sequences(empty_store, ALL), min_repeat=2)
    assert dict(zip(rep2.repeats["tool"], rep2.repeats["runs"], strict=True)) == {"Read": 2, "Bash": 1}


def test_tool_stats_percentiles_and_rates(empty_store):
    rows = calls("s1", ["Bash"] * 5, failed={0, 1}) + calls("s2", ["Read"] * 2, start=10)
    for r, d in zip(rows[:5], [500.0, 100.0, 300.0, 200.0, 400.0], strict=True):
        r["duration_ms"] = d
    rows[0]["error_type"] = "user_rejected"
    rows[5]["success"] = None  # unknown outcome
    insert(empty_store, rows)
    u = tool_usage(load_tool_stats(empty_store, ALL))
    assert (u.n_calls, u.n_tools) == (7, 2)
    bash = u.table.iloc[0].to_dict()
    assert bash["tool"] == "Bash"
    assert (bash["calls"], bash["succeeded"], bash["failed"], bash["rejected"]) == (5, 3, 2, 1)
    assert bash["success_rate"] == 0.6
    assert bash["share"] == pytest.approx(5 / 7)
    assert (bash["p50_ms"], bash["p95_ms"], bash["mean_ms"]) == (300.0, 500.0, 300.0)
    read = u.table.iloc[1].to_dict()
    assert (read["calls"], read["succeeded"], read["failed"], read["timed_calls"]) == (2, 1, 0, 0)
    assert read["success_rate"] == 1.0
    assert pd.isna(read["p50_ms"])


def test_filters_cut_window_and_project(empty_store):
    insert(
        empty_store,
        calls("s1", ["Read", "Grep"], project="/a") + calls("s2", ["Edit", "Bash"], start=100, project="/b"),
    )
    only_b = Filters(projects=("/b",))
    assert list(load_tool_stats(empty_store, only_b)["tool"]) == ["Bash", "Edit"]
    early = Filters(start=T0, end=T0 + timedelta(seconds=50))
    assert list(load_tool_sequences(empty_store, early)["session_id"]) == ["s1"]


def test_workflows_rank_distinct_step_patterns():
    seqs = seqframe(
        {
            "a": ["Read", "Grep", "Edit", "Bash"],
            "b": ["Read", "Grep", "Edit"],
            "c": ["Read", "Read", "Read", "Grep", "Edit"],
        },
        costs={"a": 0.4, "b": 0.3, "c": 0.5},
    )
    wf = common_workflows(mine_ngrams(seqs), min_length=3, min_sessions=2)
    assert list(wf.table["label"]) == ["Read → Grep → Edit"]
    r = wf.table.iloc[0]
    assert (r["count"], r["sessions"]) == (3, 3)
    assert r["session_share"] == 1.0
    assert r["cost_usd"] == pytest.approx(0.3 + 0.3 + 0.3)


def test_suggestions_are_backed_by_numbers():
    loop = ["Grep", "Read", "Grep", "Edit"]
    seqs = seqframe({f"s{i}": loop for i in range(5)}, costs={f"s{i}": 2.0 for i in range(5)})
    seqs.loc[0, "failed"] = [0, 1, 0, 0]
    mining = mine_ngrams(seqs)
    loops = find_loops(seqs)
    out = suggestions(mining=mining, loops=loops, min_occurrences=5, min_sessions=2)
    # each Grep→Read→Grep occurrence covers 3 of 4 calls of a $2 session: 5 x $1.50
    assert out == [
        "Grep→Read→Grep loops cost $7.50 over 5 sessions (5 occurrences, 80% without a failed call)."
    ]
    assert suggestions(mining=mining, loops=loops, min_occurrences=6) == []


def test_suggestions_failing_and_slow_tools():
    stats = pd.DataFrame(
        [
            dict(
                tool="Bash",
                calls=40,
                succeeded=28,
                failed=12,
                rejected=0,
                sessions=3,
                timed_calls=40,
                p50_ms=2000.0,
                p95_ms=45000.0,
                mean_ms=5000.0,
            ),
            dict(
                tool="Read",
                calls=50,
                succeeded=50,
                failed=0,
                rejected=0,
                sessions=3,
                timed_calls=50,
                p50_ms=10.0,
                p95_ms=30.0,
                mean_ms=12.0,
            ),
        ]
    )
    assert suggestions(usage=tool_usage(stats)) == [
        "Bash failed 12 of 40 calls (30%), 100% of all tool failures.",
        "Bash is slow: p95 45.0 s, median 2.0 s over 40 timed calls.",
    ]


def test_empty_store_gives_empty_results(empty_store):
    stats = load_tool_stats(empty_store, ALL)
    seqs = load_tool_sequences(empty_store, ALL)
    assert stats.empty and seqs.empty
    assert list(stats.columns) == STATS_COLUMNS and list(seqs.columns) == SEQUENCE_COLUMNS
    u = tool_usage(stats)
    assert u.n_calls == 0 and u.table.empty
    m = mine_ngrams(seqs)
    assert m.ngrams.empty and m.n_sessions == 0
    assert transition_matrix(seqs).table.empty
    loops = find_loops(seqs)
    assert loops.repeats.empty and loops.edit_fail_edit == 0
    assert common_workflows(m).table.empty
    assert suggestions(u, m, loops) == []


def test_single_call_sessions_have_no_ngrams():
    seqs = seqframe({"a": ["Read"], "b": ["Grep"]})
    m = mine_ngrams(seqs)
    assert m.ngrams.empty and (m.n_sessions, m.n_calls) == (2, 2)
    assert transition_matrix(seqs).n_transitions == 0


TOOLS = st.sampled_from(["Read", "Grep", "Edit", "Bash"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(TOOLS, max_size=12), min_size=1, max_size=6))
def test_ngram_counts_match_brute_force(sessions):
    seqs = seqframe({f"s{i}": s for i, s in enumerate(sessions)})
    m = mine_ngrams(seqs)
    windows = [
        (k, tuple(s[i : i + n]))
        for k, s in enumerate(sessions)
        for n in (2, 3, 4)
        for i in range(len(s) - n + 1)
    ]
    expected = collections.Counter(p for _, p in windows)
    got = dict(zip(m.ngrams["pattern"], m.ngrams["count"], strict=True))
    assert got == dict(expected)
    in_sessions = collections.Counter(p for _, p in set(windows))
    # Distinct sessions per pattern: hashed, or on a session x pattern bitmap of one band or many;
    # patterns grouped on their key range (4 tools: 256 keys of 4 calls) or hashed.
    for ratio, cells, dense in (
        (0, 1, 0),
        (10**9, 1, 16),
        (10**9, 64, tools_module.DENSE_KEYS),
        (10**9, 1000, 0),
        (10**9, tools_module.DISTINCT_CELLS, tools_module.DENSE_KEYS),
    ):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(tools_module, "BITMAP_CELLS_PER_ROW", ratio)
            mp.setattr(tools_module, "DISTINCT_CELLS", cells)
            mp.setattr(tools_module, "DENSE_KEYS", dense)
            for mined in (mine_ngrams(seqs), mine_ngrams(tool_calls(seqs))):
                assert dict(zip(mined.ngrams["pattern"], mined.ngrams["count"], strict=True)) == dict(
                    expected
                )
                assert dict(zip(mined.ngrams["pattern"], mined.ngrams["sessions"], strict=True)) == dict(
                    in_sessions
                )
    tm = transition_matrix(seqs)
    assert tm.n_transitions == sum(max(len(s) - 1, 0) for s in sessions)
    pairs = dict(
        zip(zip(tm.table["from_tool"], tm.table["to_tool"], strict=True), tm.table["count"], strict=True)
    )
    assert pairs == {p: c for p, c in expected.items() if len(p) == 2}
    if not tm.table.empty:
        sums = tm.table.groupby("from_tool")["probability"].sum()
        assert all(abs(v - 1) < 1e-12 for v in sums)


def test_demo_data_invariants(demo_store):
    seqs = load_tool_sequences(demo_store, ALL)
    m = mine_ngrams(seqs)
    bigrams = m.ngrams[m.ngrams["length"] == 2]
    assert bigrams["count"].sum() == sum(len(t) - 1 for t in seqs["tools"])
    tm = transition_matrix(seqs)
    assert tm.table.groupby("from_tool")["probability"].sum().round(12).eq(1.0).all()
    loops = find_loops(seqs)
    assert loops.edit_fail_edit > 0  # the demo plants edit -> failing Bash -> edit cycles
    assert common_workflows(m).table["length"].ge(3).all()
    usage = tool_usage(load_tool_stats(demo_store, ALL))
    assert usage.n_calls == sum(len(t) for t in seqs["tools"])
    totals = load_tool_totals(demo_store, ALL)
    assert (totals.n_calls, totals.n_tools) == (usage.n_calls, usage.n_tools)
    assert totals.success_rate == success_rate(usage)


def test_overall_success_rate(empty_store):
    rows = calls("s1", ["Bash"] * 5, failed={0, 1}) + calls("s2", ["Read"] * 2, start=10)
    rows[5]["success"] = None  # unknown outcome: not in the denominator
    insert(empty_store, rows)
    # Bash 3 succeeded, 2 failed; Read 1 succeeded, 1 unknown
    assert success_rate(tool_usage(load_tool_stats(empty_store, ALL))) == 4 / 6
    assert success_rate(tool_usage(load_tool_stats(empty_store, Filters(end=T0)))) is None
    totals = load_tool_totals(empty_store, ALL)  # the same sums in one row
    assert (totals.n_calls, totals.succeeded, totals.failed, totals.n_tools) == (7, 4, 2, 2)
    assert totals.success_rate == 4 / 6
    assert load_tool_totals(empty_store, Filters(end=T0)) == ToolTotals(0, 0, 0, 0)
    assert load_tool_totals(empty_store, Filters(end=T0)).success_rate is None
