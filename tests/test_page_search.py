import re
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from apptest_helpers import charts, frames_with, insert_events, metric, page, page_filters

from analytics import search
from ui.components import literal

WORD = "refactor"  # demo prompt template: "refactor {N} in {F} so it is easier to test"
INJECTIONS = ["' OR 1=1 --", "<script>alert(1)</script>", "{q:String}", "\\", "\\\\", "%", "_"]
ABSENT = ["' OR 1=1 --", "<script>alert(1)</script>", "{q:String}"]  # not in any demo text


def hits_of(at):
    (table,) = frames_with(at, "rank", "text", "field")
    return table


def test_query_finds_the_word_and_numbers_match_the_analytics(app_on_demo, demo_store):
    at = page("search", q=WORD).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Search"]
    assert at.text_input(key="q").value == WORD
    expected = search.load_search(demo_store, page_filters(demo_store), WORD)
    assert expected.total > 0
    assert metric(at, "Matching events").value == f"{expected.total:,}"
    assert metric(at, "Shown").value == f"{len(expected.hits):,}"
    table = hits_of(at)
    assert table["text"].tolist() == search.hits_table(expected)["text"].tolist()
    top = table.iloc[0]
    assert top["rank"] == 1 and WORD in top["text"].lower()
    assert f"«{WORD}»" in top["text"].lower()
    assert (table["field"] == "prompt").all()
    assert table["session"].str.startswith("/sessions?session_a=").all()

    # the first hit in its session: marked snippet as text, neighbouring events as a table
    assert at.selectbox(key="hit").value == 0
    assert search.marked_snippet(expected.hits[0]) in [t.value for t in at.text]
    (context,) = frames_with(at, "offset", "error_text")
    assert context["offset"].tolist() == [c.offset for c in expected.hits[0].context]
    assert context.loc[context["offset"] == 0, "text"].tolist() == [expected.hits[0].text]

    # facets: counts by field, project and day as bar charts, by session as a table
    shown = charts(at)
    for name, title in (("project", "Which projects match?"), ("day", "On which days?")):
        _, (bars,) = shown[title]
        pd.testing.assert_frame_equal(bars[["value", "hits"]], expected.facet(name), check_dtype=False)
    assert expected.facet("project")["hits"].sum() == expected.total  # every match has one project
    _, (by_field,) = shown["In which fields?"]
    assert by_field[["value", "hits"]].values.tolist() == [["prompts", expected.total]]
    (sessions_facet,) = [f for f in frames_with(at, "value", "hits") if "kind" not in f.columns]
    assert sessions_facet["hits"].tolist() == expected.facet("session")["hits"].tolist()

    # names found: identifiers written as code only, the same as the analytics finds
    (names,) = frames_with(at, "kind", "value", "count", "hits")
    pd.testing.assert_frame_equal(names, expected.patterns, check_dtype=False)
    assert set(names["kind"]) <= set(search.NAME_KINDS) and "in" not in set(names["value"])


def test_suggested_query_button_sets_the_query(app_on_demo, demo_store):
    at = page("search", q=WORD).run()
    expected = search.load_search(demo_store, page_filters(demo_store), WORD)
    assert expected.suggestions
    buttons = [b for b in at.button if b.key and b.key.startswith("suggest_")]
    assert len(buttons) == len(expected.suggestions)
    nxt = expected.suggestions[0]
    at.button(key="suggest_0").click().run()
    assert not at.exception
    assert at.text_input(key="q").value == nxt
    assert at.query_params["q"] == nxt
    after = search.load_search(demo_store, page_filters(demo_store), nxt)
    assert metric(at, "Matching events").value == f"{after.total:,}"


def test_fields_and_typing_are_held_in_the_url(app_on_demo, demo_store):
    at = page("search").run()
    assert not at.exception
    assert not at.metric  # no query yet
    at.text_input(key="q").input("KeyError").run()
    assert at.query_params["q"] == "KeyError"
    at.pills(key="fields").set_value(["error"]).run()
    assert not at.exception
    assert at.query_params["fields"] == "error"
    expected = search.load_search(demo_store, page_filters(demo_store), "KeyError", fields=("error",))
    assert metric(at, "Matching events").value == f"{expected.total:,}"
    assert (hits_of(at)["field"] == "error").all()

    again = page("search", q="KeyError", fields="error").run()  # a copied URL
    assert again.pills(key="fields").value == ["error"]
    assert metric(again, "Matching events").value == f"{expected.total:,}"


@pytest.mark.parametrize("query", INJECTIONS)
def test_user_text_finds_only_literal_matches(app_on_demo, demo_store, query):
    at = page("search", q=query).run()
    assert not at.exception
    expected = search.load_search(demo_store, page_filters(demo_store), query)
    if query in ABSENT:
        assert expected.total == 0
    if expected.total == 0:
        assert len(at.info) == 1 and "No event matches" in at.info[0].value
        assert not frames_with(at, "rank", "text", "field")
        return
    assert metric(at, "Matching events").value == f"{expected.total:,}"
    for text in hits_of(at)["text"]:
        marked = re.findall(r"«(.*?)»", text)
        assert marked and all(
            re.fullmatch(f"(?:{re.escape(query)})+", m) for m in marked
        )  # adjacent ones merge


def test_transcript_markup_is_shown_literally(app_on_empty):
    store = app_on_empty
    prompt = (
        "make <b>bold</b> and **md** work, then [click](javascript:alert(1)) $x$ <script>alert(1)</script>"
    )
    ts = datetime.now(UTC) - timedelta(hours=1)
    common = dict(source="demo", session_id="s1", version=1, project="/x")
    rows = [
        dict(
            common,
            ts=ts,
            event="user_prompt",
            event_id="p1",
            seq=1,
            tool="",
            success=None,
            text=prompt,
            error_text="",
        ),
        dict(
            common,
            ts=ts + timedelta(seconds=5),
            event="tool_result",
            event_id="t1",
            seq=2,
            tool="Bash",
            success=0,
            text="echo **md**",
            error_text="<i>oops</i> **bold** failure",
        ),
    ]
    store.insert_df("events", pd.DataFrame(rows).astype({"success": "UInt8", "seq": "int64"}))
    at = page("search", q="bold").run()
    assert not at.exception
    table = hits_of(at)
    by_event = dict(zip(table["field"], table["text"], strict=True))
    assert by_event["prompt"] == (
        "make <b>«bold»</b> and **md** work, then [click](javascript:alert(1)) $x$ <script>alert(1)</script>"
    )
    assert by_event["error"] == "<i>oops</i> **«bold»** failure"
    texts = [t.value for t in at.text]
    (context,) = frames_with(at, "offset", "error_text")
    assert prompt in context["text"].tolist()
    assert "<i>oops</i> **bold** failure" in context["error_text"].tolist()
    assert any(t in (by_event["prompt"], by_event["error"]) for t in texts)
    for element in list(at.markdown) + list(at.caption) + list(at.info) + list(at.warning):
        assert "bold" not in element.value and "**md**" not in element.value
    assert not at.get("html")


def test_empty_store_says_so(app_on_empty):
    at = page("search", q=WORD).run()
    assert not at.exception
    assert len(at.info) == 1 and "the store is empty" in at.info[0].value
    assert not at.metric


def test_the_whole_conversation_is_searched_with_readable_fields(app_on_empty):
    store = app_on_empty
    ts = datetime.now(UTC) - timedelta(hours=2)
    insert_events(
        store,
        [
            dict(
                ts=ts, event="user_prompt", session_id="s1", event_id="p1", seq=1, project="/x", text="why?"
            ),
            dict(
                ts=ts + timedelta(seconds=5),
                event="api_request",
                session_id="s1",
                event_id="a1",
                seq=2,
                project="/x",
                model="claude-sonnet-4-5",
                text="I will run **pytest** on `tests/test_cart.py`, which we fixed.",
            ),
            dict(
                ts=ts + timedelta(seconds=9),
                event="tool_result",
                session_id="s1",
                event_id="t1",
                seq=3,
                project="/x",
                tool="Bash",
                success=1,
                text="make check",
                output_text="==== 3 passed (pytest 8.3) ====",
            ),
        ],
    )
    at = page("search", q="pytest").run()
    assert not at.exception
    assert at.pills(key="fields").value == list(search.FIELDS)
    assert [at.pills(key="fields").format_func(f) for f in search.FIELDS] == [
        "prompts",
        "tool inputs",
        "assistant text",
        "tool output",
        "errors",
    ]
    table = hits_of(at)
    assert table[["field", "text"]].values.tolist() == [
        ["assistant", "I will run **«pytest»** on `tests/test_cart.py`, which we fixed."],
        ["tool_output", "==== 3 passed («pytest» 8.3) ===="],
    ]
    assert metric(at, "Matching events").value == "2"
    _, (by_field,) = charts(at)["In which fields?"]
    assert by_field[["value", "hits"]].values.tolist() == [["assistant text", 1], ["tool output", 1]]
    (context,) = frames_with(at, "offset", "output_text", "error_text")
    assert context["output_text"].tolist() == ["", "", "==== 3 passed (pytest 8.3) ===="]
    (names,) = frames_with(at, "kind", "value", "count", "hits")
    assert names[["kind", "value"]].values.tolist() == [["file", "tests/test_cart.py"]]
    suggestions = [b.label for b in at.button if b.key and b.key.startswith("suggest_")]
    assert suggestions == [literal("pytest test_cart.py")]  # button labels are Markdown: escaped
    at.pills(key="fields").set_value(["prompt", "tool_input", "error"]).run()
    assert len(at.info) == 1 and "No event matches" in at.info[0].value
