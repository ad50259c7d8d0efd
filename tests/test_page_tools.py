from datetime import UTC, datetime, timedelta

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

from analytics import fmt, tools
from ui.components import literal


def test_renders_on_demo_and_numbers_match_the_analytics(app_on_demo, demo_store):
    at = page("tools").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Tools"]
    f = page_filters(demo_store)
    usage = tools.tool_usage(tools.load_tool_stats(demo_store, f))
    sequences = tools.load_tool_sequences(demo_store, f)
    mining = tools.mine_ngrams(sequences)
    loops = tools.find_loops(sequences)
    assert metric(at, "Tool calls").value == f"{usage.n_calls:,}"
    assert metric(at, "Tool success rate").value == fmt.pct(tools.success_rate(usage), 1)
    assert metric(at, "Tools used").value == f"{usage.n_tools:,}"
    # against the 30 days before, from that window's per-tool rows
    before = tools.tool_usage(tools.load_tool_stats(demo_store, f.previous()))
    assert before.n_calls and before.n_calls != usage.n_calls
    assert metric(at, "Tool calls").delta == vs_before(usage.n_calls, before.n_calls, "{:,}".format)
    rate = vs_before(tools.success_rate(usage), tools.success_rate(before), lambda x: f"{x * 100:.1f} pp")
    assert metric(at, "Tool success rate").delta == rate
    assert metric(at, "Edit → failed Bash → Edit").value == f"{loops.edit_fail_edit:,}"
    assert metric(at, "Edit-fail-edit cost").value == fmt.money(loops.edit_fail_edit_cost_usd)

    (shown,) = frames_with(at, "tool", "calls", "success_rate", "p95_ms")
    assert shown["tool"].tolist() == usage.table["tool"].tolist()
    assert shown["calls"].tolist() == usage.table["calls"].tolist()
    assert shown["p95_ms"].tolist() == usage.table["p95_ms"].tolist()
    (flows,) = frames_with(at, "label", "session_share")
    expected = tools.common_workflows(mining).table
    assert flows["label"].tolist() == expected["label"].tolist()
    assert flows["count"].tolist() == expected["count"].tolist()
    (repeats,) = frames_with(at, "runs", "longest")
    assert repeats["tool"].tolist() == loops.repeats["tool"].tolist()

    sentences = tools.suggestions(usage, mining, loops)
    assert sentences and [t.value for t in at.text] == [f"• {s}" for s in sentences]
    assert not any(s in m.value for m in at.markdown for s in sentences)  # plain text, never Markdown

    heat, (cells,) = charts(at)["After one tool, which tool comes next?"]
    rect = heat["layer"][0]
    assert rect["mark"]["type"] == "rect"
    assert {t["field"] for t in rect["encoding"]["tooltip"]} == {
        "from_tool",
        "to_tool",
        "probability",
        "count",
    }
    trans = tools.transition_matrix(sequences)
    assert len(cells) == len(trans.table)
    got = {(r.from_tool, r.to_tool): r.probability for r in cells.itertuples()}
    want = {(r.from_tool, r.to_tool): r.probability for r in trans.table.itertuples()}
    assert got == want
    assert any(literal("claude-experimental-x") in w.value for w in at.warning)


def test_ngram_toggle_is_held_in_the_url(app_on_demo, demo_store):
    at = page("tools", ngrams="all").run()
    assert not at.exception
    assert at.toggle(key="ngrams").value is True
    (grams,) = frames_with(at, "label", "cost_per_occurrence")
    mining = tools.mine_ngrams(tools.load_tool_sequences(demo_store, page_filters(demo_store)))
    assert grams["label"].tolist() == mining.ngrams["label"].head(500).tolist()
    at.toggle(key="ngrams").set_value(False).run()
    assert "ngrams" not in at.query_params
    assert not frames_with(at, "label", "cost_per_occurrence")


def test_empty_store_says_so(app_on_empty):
    at = page("tools").run()
    assert not at.exception
    assert len(at.info) == 1 and "the store is empty" in at.info[0].value
    assert not at.metric


def test_range_without_tool_calls_says_so(app_on_demo):
    at = page("tools", **{"from": "2001-01-01", "to": "2001-01-31"}).run()
    assert not at.exception
    assert len(at.info) == 1 and "No tool calls from 2001-01-01 to 2001-01-31" in at.info[0].value


def test_a_single_session_renders(app_on_empty):
    insert_events(app_on_empty, one_session(datetime.now(UTC) - timedelta(hours=2)))
    at = page("tools").run()
    assert not at.exception
    assert metric(at, "Tool calls").value == "3"
    assert metric(at, "Tool success rate").value == fmt.pct(2 / 3, 1)
    assert metric(at, "Edit → failed Bash → Edit").value == "0"
    assert any("No sequence of 3+ distinct steps recurs" in c.value for c in at.caption)
    assert any(c.value.startswith("Nothing stands out") for c in at.caption)
    _, (cells,) = charts(at)["After one tool, which tool comes next?"]
    assert sorted(zip(cells["from_tool"], cells["to_tool"], cells["probability"], strict=True)) == [
        ("Bash", "Edit", 1.0),
        ("Read", "Bash", 1.0),
    ]
    assert not at.warning  # every model is priced
