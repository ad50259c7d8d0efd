from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from apptest_helpers import insert_events as insert
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.filters import Filters
from analytics.search import (
    FIELD_LABELS,
    FIELD_WEIGHTS,
    FIELDS,
    _py_pattern,
    _re2_pattern,
    _sql,
    find_names,
    find_names_in,
    highlight,
    match_params,
    parse_query,
    read_fields,
    search,
    suggest_queries,
    tokens_of,
)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
WINDOW = Filters(start=T0 - timedelta(days=30), end=T0 + timedelta(days=9))
DAY = 86400


def ev(event_id: str, session: str, second: int, event: str, **kw) -> dict:
    return dict(
        ts=T0 + timedelta(seconds=second),
        source="demo",
        event=event,
        session_id=session,
        event_id=event_id,
        seq=second,
        version=1,
        **kw,
    )


CORPUS = [
    ev("p1", "s1", DAY, "user_prompt", project="/a", text="Fix the flaky login test in auth.py"),
    ev("t1", "s1", DAY + 10, "tool_result", project="/a", tool="Read", success=1, text="/repo/auth.py"),
    ev(
        "t2",
        "s1",
        DAY + 20,
        "tool_result",
        project="/a",
        tool="Bash",
        success=0,
        text="pytest tests/test_login.py",
        error_text="FAILED test_login - AssertionError: login failed",
    ),
    ev("p2", "s2", 8 * DAY, "user_prompt", project="/b", text="login page crashes with ValueError"),
    ev("e1", "s2", 8 * DAY + 5, "api_error", project="/b", error_text="API Error: 529 overloaded"),
    ev("t3", "s2", 8 * DAY + 10, "tool_result", project="/b", tool="Grep", success=1, text="def login"),
    ev("t4", "s3", 2 * DAY, "tool_result", project="/c", tool="Edit", success=1, text="/repo/loginhelper.py"),
]
LITERALS = [
    ev("q1", "s4", 3 * DAY, "user_prompt", text="x' OR 1=1 --y"),
    ev("q2", "s4", 3 * DAY + 1, "user_prompt", text="100% done_ok"),
    ev("q3", "s4", 3 * DAY + 2, "user_prompt", text="path C:\\temp\\new"),
    ev("q4", "s4", 3 * DAY + 3, "user_prompt", text="fill {x:String} template"),
    ev("q5", "s4", 3 * DAY + 4, "user_prompt", text='say "hi" now'),
    ev("d1", "s4", 3 * DAY + 5, "user_prompt", text="or 1 1 x OR y"),
    ev("d2", "s4", 3 * DAY + 6, "user_prompt", text="100 percent done ok, temp new, x String"),
]


@pytest.fixture
def corpus(empty_store):
    insert(empty_store, CORPUS + LITERALS)
    return empty_store


def test_ranking_fields_and_score(corpus):
    res = search(corpus, "login", WINDOW)
    # p2 and t3 are a day old, p1 and t2 eight days; prompts weigh 1.0, tool inputs 0.6
    assert [h.event_id for h in res.hits] == ["p2", "p1", "t3", "t2"]
    assert res.total == 4
    recent = 0.5 + 0.5 * 2 ** (-1 / 7)
    assert res.hits[0].score == pytest.approx(math.log(2) * recent)
    assert res.hits[0].recency == pytest.approx(recent)
    assert res.hits[1].score == pytest.approx(math.log(2) * (0.5 + 0.5 * 2 ** (-8 / 7)))
    t2 = res.hits[3]
    assert (t2.field, t2.tool, t2.term_hits) == (
        "tool_input",
        "Bash",
        1,
    )  # text and error both match: one hit
    assert res.hits[0].field == "prompt"
    assert res.window == (WINDOW.start, WINDOW.end)
    assert "ln(1 + " in res.method


def test_facets_count_all_matches(corpus):
    res = search(corpus, "login", WINDOW, limit=1)
    assert len(res.hits) == 1 and res.total == 4
    got = {(r.facet, r.value): r.hits for r in res.facets.itertuples()}
    assert got == {
        ("project", "/a"): 2,
        ("project", "/b"): 2,
        ("session", "s1"): 2,
        ("session", "s2"): 2,
        ("tool", "Bash"): 1,
        ("tool", "Grep"): 1,
        ("day", "2025-03-02"): 2,
        ("day", "2025-03-09"): 2,
        ("field", "prompt"): 2,
        ("field", "tool_input"): 2,
    }
    assert list(res.related_sessions["value"]) == ["s1", "s2"]


def test_error_field_and_filters(corpus):
    res = search(corpus, "AssertionError", WINDOW)
    assert [(h.event_id, h.field) for h in res.hits] == [("t2", "error")]
    assert res.hits[0].text == "FAILED test_login - AssertionError: login failed"
    assert res.hits[0].spans == ((20, 34),)
    assert search(corpus, "AssertionError", WINDOW, fields=("prompt", "tool_input")).total == 0
    assert [h.event_id for h in search(corpus, "login", WINDOW, fields=("prompt",)).hits] == ["p2", "p1"]
    only_a = Filters(start=WINDOW.start, end=WINDOW.end, projects=("/a",))
    assert {h.event_id for h in search(corpus, "login", only_a).hits} == {"p1", "t2"}
    early = Filters(start=WINDOW.start, end=T0 + timedelta(days=5))
    assert {h.event_id for h in search(corpus, "login", early).hits} == {"p1", "t2"}


def test_whole_words_vs_substring(corpus):
    assert "t4" not in {h.event_id for h in search(corpus, "login", WINDOW).hits}
    sub = search(corpus, "login", WINDOW, mode="substring")
    assert sub.total == 5 and "t4" in {h.event_id for h in sub.hits}
    assert search(corpus, "ogi", WINDOW).total == 0
    assert search(corpus, "ogi", WINDOW, mode="substring").total == 5
    assert search(corpus, "LOGIN", WINDOW).total == 4  # case-insensitive


def test_all_terms_must_match(corpus):
    assert [h.event_id for h in search(corpus, "login ValueError", WINDOW).hits] == ["p2"]
    assert search(corpus, "login nosuchword", WINDOW).total == 0
    assert [h.event_id for h in search(corpus, '"flaky login"', WINDOW).hits] == ["p1"]
    assert search(corpus, '"login flaky"', WINDOW).total == 0


def test_highlight_spans_and_context(corpus):
    res = search(corpus, "login", WINDOW, context=2)
    p1 = next(h for h in res.hits if h.event_id == "p1")
    assert p1.text == "Fix the flaky login test in auth.py"
    assert p1.spans == ((14, 19),)
    assert (p1.text_offset, p1.text_length) == (0, 35)
    assert [(c.offset, c.event_id) for c in p1.context] == [(0, "p1"), (1, "t1"), (2, "t2")]
    t2 = next(h for h in res.hits if h.event_id == "t2")
    assert [(c.offset, c.event_id, c.success) for c in t2.context] == [
        (-2, "p1", None),
        (-1, "t1", 1),
        (0, "t2", 0),
    ]
    assert t2.context[0].text == "Fix the flaky login test in auth.py"


def test_refinement_files_patterns_suggestions(corpus):
    res = search(corpus, "login", WINDOW)
    assert res.related_files.to_dict("records") == [
        {"path": "/repo/auth.py", "touches": 1, "sessions": 1, "tools": ["Read"]}
    ]
    assert res.patterns.to_dict("records") == [
        {"kind": "error", "value": "ValueError", "count": 1, "hits": 1},
        {"kind": "file", "value": "auth.py", "count": 1, "hits": 1},
        {"kind": "function", "value": "login", "count": 1, "hits": 1},
        {"kind": "file", "value": "tests/test_login.py", "count": 1, "hits": 1},
    ]
    assert res.suggestions == ("login ValueError", "login auth.py", "login test_login.py", "auth.py")


@pytest.mark.parametrize(
    "query, mode, expected",
    [
        ("' OR 1=1 --", "tokens", ["q1"]),
        ("' OR 1=1 --", "substring", ["q1"]),
        ('"\' OR 1=1 --"', "tokens", ["q1"]),
        ("%", "tokens", ["q2"]),
        ("%", "substring", ["q2"]),
        ("_", "substring", ["q2"]),
        ("100%", "tokens", ["q2"]),
        ("C:\\temp", "tokens", ["q3"]),
        ("\\", "substring", ["q3"]),
        ("{x:String}", "tokens", ["q4"]),
        ("{x:String}", "substring", ["q4"]),
        ('"', "tokens", ["q5"]),
        ('"hi"', "tokens", ["q5"]),
        ("'; DROP TABLE events; --", "tokens", []),
        ("%'||'", "substring", []),
    ],
)
def test_user_text_finds_only_the_literal(corpus, query, mode, expected):
    res = search(corpus, query, WINDOW, fields=("prompt",), mode=mode)
    assert sorted(h.event_id for h in res.hits) == expected
    assert res.terms == parse_query(query)
    assert res.total == len(expected)
    assert corpus.rows_sql("SELECT count() FROM events")[0][0] == len(CORPUS) + len(LITERALS)


def test_index_is_used_by_every_branch(corpus):
    params = match_params(parse_query("login"), "tokens")
    plan = "\n".join(
        r[0]
        for r in corpus.rows_sql(
            "EXPLAIN indexes = 1 " + _sql("search_hits"),
            **WINDOW.params(),
            **params,
            ref=WINDOW.end.replace(tzinfo=None),
            limit=10,
            half_life_days=7.0,
            weighted_fields=["prompt", "tool_input", "error"],
            weights=[1.0, 0.6, 0.8],
        )
    )
    assert "Name: idx_text" in plan and "Name: idx_error" in plan and "Name: idx_output" in plan
    assert 'tokens: ["login"]' in plan


def test_degenerate_queries(store_factory, corpus):
    empty = search(store_factory(), "login", WINDOW)
    assert (empty.total, empty.hits) == (0, ())
    assert empty.facets.empty and empty.related_files.empty and empty.patterns.empty
    for q in ("", "   \t\n"):
        res = search(corpus, q, WINDOW)
        assert (res.total, res.hits, res.terms) == (0, (), ())
        assert res.facets.empty and res.suggestions == ()
    with pytest.raises(ValueError):
        search(corpus, "login", WINDOW, fields=("prompt", "text; DROP"))
    with pytest.raises(ValueError):
        search(corpus, "login", WINDOW, mode="regex")


def test_notes_explain_scans_and_truncation(corpus):
    assert search(corpus, "login", WINDOW).notes == ()
    assert search(corpus, "%", WINDOW).notes == (
        "No whole word in the query can use the text index: the whole window is scanned.",
    )
    many = " ".join(f"w{i}" for i in range(20))
    assert search(corpus, many, WINDOW).notes == (
        "Only the first 16 terms of the first 1000 characters are searched.",
    )


def test_parse_query():
    assert parse_query('foo "bar baz"  qux') == ("foo", "bar baz", "qux")
    assert parse_query('say "hi') == ("say", '"hi')
    assert parse_query('"" x') == ('""', "x")  # an empty quoted run is literal
    assert parse_query("Foo foo FOO") == ("Foo",)
    assert parse_query("") == ()


def test_match_params_tokens():
    p = match_params(["C:\\temp", "naïve", "--"], "tokens")
    assert p["tokens"] == ["c", "temp"]
    assert p["like"] == "%"
    assert (p["exact"], match_params(["pytest", "Error2"], "tokens")["exact"]) == (False, True)
    assert not match_params(["pytest"], "substring")["exact"]
    s = match_params(["foo.bar.baz", "100%_x"], "substring")
    assert s["tokens"] == ["bar"]  # only tokens bounded inside a term are whole
    assert s["like"] == "%foo.bar.baz%"  # the longest ASCII term
    assert s["patterns"] == []
    assert match_params(["100%_X\\"], "substring")["like"] == "%100\\%\\_x\\\\%"


def test_find_names_and_highlight():
    frame = find_names(["def load(x): raise KeyError", "class Store: pass", "KeyError again"])
    assert frame.to_dict("records") == [
        {"kind": "error", "value": "KeyError", "count": 2, "hits": 2},
        {"kind": "class", "value": "Store", "count": 1, "hits": 1},
        {"kind": "function", "value": "load", "count": 1, "hits": 1},
    ]
    assert highlight("Login, login_x; xlogin", ["login"]) == ((0, 5), (7, 12))
    assert highlight("aaa", ["a", "aa"], mode="substring") == ((0, 3),)


ALPHABET = st.sampled_from(list("aB1 -_é'%\\\"xZ9.:"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(ALPHABET, max_size=12))
def test_tokens_match_clickhouse_tokenizer(empty_store, text):
    got = empty_store.rows_sql("SELECT tokens(lower({t:String}), 'splitByNonAlpha')", t=text)[0][0]
    assert [t for t, _, _ in tokens_of(text)] == list(got)


WORD = st.sampled_from(["a", "B", "x1", "k", "s", "a-b", "a.B", "b_a", "x1a"])
FIELD_TEXT = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "X1", "x1a", "\u212a", "\u017f", "é", "K"]), st.sampled_from(" -._")
    ),
    max_size=5,
).map(lambda parts: "".join(w + sep for w, sep in parts))
"""Words of the queries and their neighbours, the Kelvin sign and the long s (folded to ``k`` and ``s`` by
case-insensitive matching) and the separators between them."""


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["user_prompt", "tool_result", "api_request"]), FIELD_TEXT, FIELD_TEXT, FIELD_TEXT
        ),
        min_size=1,
        max_size=6,
    ),
    st.lists(WORD, min_size=1, max_size=2),
)
def test_tokens_decide_whole_words(empty_store, rows, words):
    """Skipping the text checks when the tokens decide (``exact``) finds exactly the matches of the full checks."""
    empty_store.command_sql("TRUNCATE TABLE events")
    insert(
        empty_store,
        [
            ev(f"h{i}", "s1", i, event, text=text, error_text=error, output_text=output)
            for i, (event, text, error, output) in enumerate(rows)
        ],
    )
    params = match_params(parse_query(" ".join(words)), "tokens")
    assert params["exact"] == all(w.isalnum() for w in words)
    found = [
        empty_store.query_sql(
            _sql("search_hits"),
            **WINDOW.params(),
            **dict(params, exact=exact),
            ref=WINDOW.end.replace(tzinfo=None),
            limit=100,
            half_life_days=7.0,
            weighted_fields=list(FIELD_WEIGHTS),
            weights=list(FIELD_WEIGHTS.values()),
        ).to_dict("records")
        for exact in (params["exact"], False)
    ]
    assert found[0] == found[1]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(ALPHABET, min_size=1, max_size=4).filter(lambda s: s.strip()), st.text(ALPHABET, max_size=14))
def test_server_and_highlight_patterns_agree(empty_store, term, text):
    server = empty_store.rows_sql("SELECT match({s:String}, {p:String})", s=text, p=_re2_pattern(term))[0][0]
    assert bool(server) == bool(_py_pattern(term, "tokens").search(text))


def test_demo_data_spans_point_at_the_terms(demo_store):
    res = search(demo_store, "pytest", Filters())
    assert res.hits and res.total >= len(res.hits)
    assert sum(res.facet("field")["hits"]) == res.total
    scores = [h.score for h in res.hits]
    assert scores == sorted(scores, reverse=True)
    for h in res.hits:
        assert h.spans and all(h.text[s:e].lower() == "pytest" for s, e in h.spans)
        assert [c.offset for c in h.context].count(0) == 1


def test_mark_spans_and_plain_tables(corpus):
    from dataclasses import replace

    from analytics.search import context_table, hits_table, mark_spans, marked_snippet

    assert mark_spans("fix the test", ((4, 7),)) == "fix «the» test"
    assert mark_spans("<b>x</b> **x**", ((3, 4), (11, 12)), ("[", "]")) == "<b>[x]</b> **[x]**"
    assert mark_spans("abc", ((1, 9), (0, 2), (3, 3))) == "a«bc»"  # clipped, overlap and empty skipped
    assert mark_spans("abc", ()) == "abc"

    res = search(corpus, "login", WINDOW, context=2)
    table = hits_table(res)
    assert table["rank"].tolist() == [1, 2, 3, 4]
    assert table["session_id"].tolist() == ["s2", "s1", "s2", "s1"]
    assert table.loc[1, "text"] == "Fix the flaky «login» test in auth.py"
    assert table.loc[0, "field"] == "prompt" and table.loc[0, "ts"] == res.hits[0].ts
    assert hits_table(search(corpus, "nothing-like-this", WINDOW)).columns.tolist() == table.columns.tolist()

    t2 = next(h for h in res.hits if h.event_id == "t2")
    ctx = context_table(t2)
    assert ctx["offset"].tolist() == [-2, -1, 0]
    assert ctx["event"].tolist() == ["user_prompt", "tool_result", "tool_result"]
    assert ctx["success"].tolist()[1:] == [1, 0] and pd.isna(ctx["success"].tolist()[0])
    assert ctx.loc[0, "text"] == "Fix the flaky login test in auth.py"

    from analytics.search import load_search

    loaded = load_search(corpus, WINDOW, "login", fields=("prompt",), context=0)
    assert [h.event_id for h in loaded.hits] == ["p2", "p1"] and loaded.fields == ("prompt",)
    assert [[c.offset for c in h.context] for h in loaded.hits] == [[0], [0]]

    long = replace(res.hits[0], text_offset=5, text_length=500)
    assert marked_snippet(long).startswith("…") and marked_snippet(long).endswith("…")


# -- the whole conversation ------------------------------------------------------------


CONVERSATION = [
    ev("cp", "s9", DAY, "user_prompt", project="/w", text="why does the suite fail?"),
    ev(
        "ca",
        "s9",
        DAY + 1,
        "api_request",
        project="/w",
        model="claude-sonnet-4-5",
        text="I will run pytest on `tests/test_cart.py` to see which test fails.",
    ),
    ev("ct", "s9", DAY + 2, "tool_result", project="/w", tool="Bash", success=1, text="make check"),
]


def test_assistant_text_is_searched_and_labelled(empty_store):
    insert(empty_store, CONVERSATION)
    res = search(empty_store, "pytest", WINDOW)
    assert [(h.event_id, h.field, h.event, h.model) for h in res.hits] == [
        ("ca", "assistant", "api_request", "claude-sonnet-4-5")
    ]
    assert res.hits[0].spans == ((11, 17),)
    assert res.hits[0].relevance == pytest.approx(0.7 * math.log(2))
    assert res.facet("field").to_dict("records") == [{"value": "assistant", "hits": 1}]
    assert search(empty_store, "pytest", WINDOW, fields=("prompt", "tool_input", "error")).total == 0
    assert [h.event_id for h in search(empty_store, "suite", WINDOW, fields=("assistant",)).hits] == []
    assert res.patterns.to_dict("records") == [
        {"kind": "file", "value": "tests/test_cart.py", "count": 1, "hits": 1}
    ]


def test_read_fields_splits_commas_and_keeps_the_unknown_apart():
    assert read_fields(["prompt,error", "error", " tool_output ", "", "body"]) == (
        ("prompt", "error", "tool_output"),
        ("body",),
    )
    assert read_fields([]) == ((), ())
    assert FIELDS == ("prompt", "tool_input", "assistant", "tool_output", "error")
    assert set(FIELD_LABELS) == set(FIELDS) == set(FIELD_WEIGHTS)


# -- names found: identifiers written as code, never prose ---------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        # the words the old rule took from prose ("function for", "class which", "vs", "doesn")
        ("This function for parsing vs the class which doesn't work, for which we have no fix.", []),
        ("Which is better vs. that? It doesn't matter, e.g. for U.S. users, and/or input/output.", []),
        ("The APIs and PRs are fine; OK, TODO, HTTP and JSON are acronyms, not names.", []),
        (
            "Which file? `pytest -x` says KeyError in src/app.py, vs load_data",
            [
                ("name", "pytest"),
                ("flag", "-x"),
                ("error", "KeyError"),
                ("file", "src/app.py"),
                ("name", "load_data"),
            ],
        ),
        (
            "Call `load_search` from search.py; it returns SearchResults, not a dict (see useState).",
            [("name", "load_search"), ("file", "search.py"), ("name", "SearchResults"), ("name", "useState")],
        ),
        (
            "def parse_row(line): raise ValueError  # class Store: pass; function render() {}",
            [("function", "parse_row"), ("error", "ValueError"), ("class", "Store"), ("function", "render")],
        ),
        (
            "Run it with --dry-run or -rf; a well-known 5-ish -- thing -> done",
            [("flag", "--dry-run"), ("flag", "-rf")],
        ),
        (
            "see /work/main/analytics/api.py. and ~/.bashrc, ./setup.py, /usr/bin/env and https://example.com/a/b.py",
            [
                ("file", "/work/main/analytics/api.py"),
                ("file", "~/.bashrc"),
                ("file", "./setup.py"),
                ("file", "/usr/bin/env"),
            ],
        ),
        (
            "os.path.join failed with pandas.errors.ParserError in __init__ (MAX_TERMS, _private, _emphasis_)",
            [
                ("name", "os.path.join"),
                ("error", "pandas.errors.ParserError"),
                ("name", "__init__"),
                ("name", "MAX_TERMS"),
                ("name", "_private"),
            ],
        ),
        ("use `the` and `for` but `git status` and `npm`", [("name", "git"), ("name", "npm")]),
        ("line one\\nTraceback in\\nload_data", [("name", "load_data")]),
    ],
)
def test_names_are_identifiers_written_as_code(text, expected):
    assert find_names_in(text) == expected


def test_names_and_suggestions_skip_prose_in_mixed_texts():
    texts = [
        "I think the test for which we need a fix doesn't run: `pytest -k test_refund` raises KeyError.",
        "Which one? The KeyError comes from webhooks.handle_event in src/payments/webhooks.py vs the old code.",
        "for the record, which is fine, vs nothing else",
    ]
    names = find_names(texts)
    assert names.to_dict("records") == [
        {"kind": "error", "value": "KeyError", "count": 2, "hits": 2},
        {"kind": "flag", "value": "-k", "count": 1, "hits": 1},
        {"kind": "name", "value": "pytest", "count": 1, "hits": 1},
        {"kind": "file", "value": "src/payments/webhooks.py", "count": 1, "hits": 1},
        {"kind": "name", "value": "test_refund", "count": 1, "hits": 1},
        {"kind": "name", "value": "webhooks.handle_event", "count": 1, "hits": 1},
    ]
    files = pd.DataFrame({"path": ["/repo/src/payments/webhooks.py", "/repo/README.md"]})
    assert suggest_queries("refund", ("refund",), names, files) == (
        "refund KeyError",
        "refund pytest",
        "refund webhooks.py",
        "webhooks.py",
        "README.md",
        "test_refund",
        "webhooks.handle_event",
    )
    prose = {"i", "think", "the", "test", "for", "which", "we", "need", "fix", "doesn", "vs", "one", "record"}
    assert not prose & {
        w.casefold() for q in suggest_queries("refund", ("refund",), names, files) for w in q.split()
    }
    assert find_names([]).empty and list(find_names([]).columns) == ["kind", "value", "count", "hits"]


OUTPUTS = [
    ev("op", "s8", DAY, "user_prompt", project="/o", text="run the checks"),
    ev(
        "o1",
        "s8",
        DAY + 1,
        "tool_result",
        project="/o",
        tool="Bash",
        success=1,
        text="make check",
        output_text="platform linux -- Python 3.11, pytest-8.3.2\n3 passed in 0.12s",
    ),
    ev(
        "o2",
        "s8",
        DAY + 2,
        "tool_result",
        project="/o",
        tool="Bash",
        success=1,
        text="pytest -q",
        output_text="pytest: 1 passed",
    ),
    ev(
        "o3",
        "s8",
        DAY + 3,
        "tool_result",
        project="/o",
        tool="Bash",
        success=0,
        text="tox",
        output_text="pytest not installed",
        error_text="pytest not installed",
    ),
]


def test_tool_output_is_searched_after_the_input_and_the_error(empty_store):
    insert(empty_store, OUTPUTS)
    res = search(empty_store, "pytest", WINDOW, context=1)
    assert sorted((h.event_id, h.field) for h in res.hits) == [
        ("o1", "tool_output"),  # only its output says pytest
        ("o2", "tool_input"),  # its input does too: one hit, under the input
        ("o3", "error"),  # its error does too: one hit, under the error
    ]
    o1 = next(h for h in res.hits if h.event_id == "o1")
    assert o1.text == "platform linux -- Python 3.11, pytest-8.3.2\n3 passed in 0.12s"
    assert o1.spans == ((31, 37),) and o1.relevance == pytest.approx(0.4 * math.log(2))
    assert [(c.offset, c.event_id, c.output_text) for c in o1.context] == [
        (-1, "op", ""),
        (0, "o1", "platform linux -- Python 3.11, pytest-8.3.2\n3 passed in 0.12s"),
        (1, "o2", "pytest: 1 passed"),
    ]
    assert res.facet("field").to_dict("records") == [
        {"value": "error", "hits": 1},
        {"value": "tool_input", "hits": 1},
        {"value": "tool_output", "hits": 1},
    ]
    only_output = search(empty_store, "pytest", WINDOW, fields=("tool_output",))
    assert sorted((h.event_id, h.field) for h in only_output.hits) == [
        ("o1", "tool_output"),
        ("o2", "tool_output"),
        ("o3", "tool_output"),
    ]
    assert (
        search(empty_store, "pytest", WINDOW, fields=("prompt", "tool_input", "assistant", "error")).total
        == 2
    )
    assert search(empty_store, "passed", WINDOW, fields=("tool_output",), mode="substring").total == 2
    assert search(empty_store, "Python 3.11", WINDOW).hits[0].field == "tool_output"


def test_a_directory_is_suggested_by_its_whole_path_not_a_plain_word():
    names = find_names(
        ["cd /Users/me/project && ls ~/work/.gitignore /srv/app/Makefile src/cart_utils/app.py"]
    )
    assert list(names["value"]) == [
        "/Users/me/project",
        "/srv/app/Makefile",
        "src/cart_utils/app.py",
        "~/work/.gitignore",
    ]
    files = pd.DataFrame({"path": ["/repo/docs", "/repo/src/test_cart"]})
    assert suggest_queries("ls", ("ls",), names, files) == (
        "ls /Users/me/project",
        "ls /srv/app/Makefile",
        "ls app.py",
        "/repo/docs",
        "test_cart",
        ".gitignore",
    )
