"""GET /api/search: the search as JSON, its strict parameters, and the privacy and access rules."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from apptest_helpers import insert_events
from starlette.applications import Starlette
from starlette.testclient import TestClient

from analytics import api, search

WINDOW = "from=2025-03-01&to=2025-03-10&tz=UTC"
END = datetime(2025, 3, 11, tzinfo=UTC)  # recency counts back from the window's end (the view is past)
TOKEN = "search-token-for-tests"


def ev(event_id: str, session: str, ts: str, event: str, **kw) -> dict:
    return dict(
        ts=datetime.fromisoformat(ts).replace(tzinfo=UTC),
        event=event,
        session_id=session,
        event_id=event_id,
        seq=int(event_id[-1]),
        **kw,
    )


CONVERSATION = [
    ev(
        "p1",
        "s1",
        "2025-03-09T12:00:00",
        "user_prompt",
        project="/a",
        text="Why does login fail in `auth.py`?",
    ),
    ev(
        "a1",
        "s1",
        "2025-03-09T12:00:05",
        "api_request",
        project="/a",
        model="claude-sonnet-4-5",
        text="Let me run pytest on tests/test_login.py first.",
    ),
    ev(
        "t1",
        "s1",
        "2025-03-09T12:00:10",
        "tool_result",
        project="/a",
        tool="Bash",
        success=0,
        text="pytest tests/test_login.py",
        error_text="FAILED test_login - KeyError: 'user'",
    ),
    ev("p2", "s2", "2025-03-10T09:00:00", "user_prompt", project="/b", text="login works now, thanks"),
]


@pytest.fixture
def conversation(empty_store):
    insert_events(empty_store, CONVERSATION)
    return empty_store


def client(store, **kw) -> TestClient:
    return TestClient(Starlette(routes=api.routes(lambda: store, **kw)))


def recency(ts: str) -> float:
    age_days = (END - datetime.fromisoformat(ts).replace(tzinfo=UTC)).total_seconds() / 86400
    return 0.5 + 0.5 * 2 ** (-age_days / 7)


def test_search_answers_hits_facets_and_names(conversation):
    resp = client(conversation).get(f"/api/search?q=login&{WINDOW}")
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/json"
    body = resp.json()
    assert (body["query"], body["terms"], body["mode"], body["limit"]) == ("login", ["login"], "tokens", 50)
    assert body["fields"] == ["prompt", "tool_input", "assistant", "tool_output", "error"]
    assert body["window"] == {"start": "2025-03-01T00:00:00+00:00", "end": "2025-03-11T00:00:00+00:00"}
    assert body["total"] == 4
    assert [(h["event_id"], h["field"], h["event"]) for h in body["hits"]] == [
        ("p2", "prompt", "user_prompt"),
        ("p1", "prompt", "user_prompt"),
        ("a1", "assistant", "api_request"),
        ("t1", "tool_input", "tool_result"),  # its error matches too: one hit, under its text field
    ]
    top = body["hits"][0]
    assert top == {
        "event_id": "p2",
        "session_id": "s2",
        "ts": "2025-03-10T09:00:00+00:00",
        "event": "user_prompt",
        "field": "prompt",
        "snippet": "login works now, thanks",
        "spans": [[0, 5]],
        "snippet_offset": 0,
        "field_length": 23,
        "project": "/b",
        "tool": "",
        "model": "",
        "score": pytest.approx(math.log(2) * recency("2025-03-10T09:00:00"), rel=1e-6),
        "relevance": pytest.approx(math.log(2)),
        "recency": pytest.approx(recency("2025-03-10T09:00:00"), rel=1e-6),
        "term_hits": 1,
    }
    assert body["hits"][2]["relevance"] == pytest.approx(0.7 * math.log(2))
    assert body["hits"][2]["model"] == "claude-sonnet-4-5"
    assert body["facets"] == {
        "field": [
            {"value": "prompt", "hits": 2},
            {"value": "assistant", "hits": 1},
            {"value": "tool_input", "hits": 1},
        ],
        "project": [{"value": "/a", "hits": 3}, {"value": "/b", "hits": 1}],
        "session": [{"value": "s1", "hits": 3}, {"value": "s2", "hits": 1}],
        "tool": [{"value": "Bash", "hits": 1}],
        "model": [{"value": "claude-sonnet-4-5", "hits": 1}],
        "day": [{"value": "2025-03-09", "hits": 3}, {"value": "2025-03-10", "hits": 1}],
    }
    assert body["names"] == [
        {"kind": "file", "value": "tests/test_login.py", "count": 2, "hits": 2},
        {"kind": "file", "value": "auth.py", "count": 1, "hits": 1},
    ]
    assert body["suggestions"] == ["login test_login.py", "login auth.py"]
    assert body["notes"] == [] and body["method"] == search.SCORE_FORMULA
    assert body["now"] == "2025-03-10T23:59:59.999000+00:00"


def test_search_parameters_narrow_the_answer(conversation):
    c = client(conversation)
    for fields in ("fields=prompt,assistant", "fields=prompt&fields=assistant", "fields=assistant,prompt,"):
        body = c.get(f"/api/search?q=login&{fields}&{WINDOW}").json()
        assert [h["event_id"] for h in body["hits"]] == ["p2", "p1", "a1"]
        assert {f["value"] for f in body["facets"]["field"]} == {"prompt", "assistant"}
    body = c.get(f"/api/search?q=KeyError&fields=error&{WINDOW}").json()
    assert [(h["event_id"], h["field"], h["spans"]) for h in body["hits"]] == [("t1", "error", [[20, 28]])]
    assert c.get(f"/api/search?q=ogin&{WINDOW}").json()["total"] == 0
    assert c.get(f"/api/search?q=ogin&mode=substring&{WINDOW}").json()["total"] == 4
    assert len(c.get(f"/api/search?q=login&limit=1&{WINDOW}").json()["hits"]) == 1
    assert c.get(f"/api/search?q=login&limit=1&{WINDOW}").json()["total"] == 4
    assert c.get(f"/api/search?q=login&project=/b&{WINDOW}").json()["total"] == 1
    assert (
        c.get(f"/api/search?q=login&model=claude-sonnet-4-5&{WINDOW}").json()["total"] == 4
    )  # model-less kept
    assert c.get("/api/search?q=login&from=2025-03-10&to=2025-03-10&tz=UTC").json()["total"] == 1
    assert c.get("/api/search?q=login&from=2025-03-10&to=2025-03-10&tz=Pacific/Auckland").json()["total"] == 4


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("", "q"),
        ("q=", "q"),
        ("q=%20%20", "q"),
        ("q=login&fields=body", "fields"),
        ("q=login&fields=prompt,text;DROP", "fields"),
        ("q=login&mode=regex", "mode"),
        ("q=login&limit=0", "limit"),
        ("q=login&limit=501", "limit"),
        ("q=login&limit=abc", "limit"),
        ("q=login&limit=1.5", "limit"),
        ("q=login&limit=-3", "limit"),
        ("q=login&tz=Nowhere/Land", "tz"),
        ("q=login&from=2025-13-01", "from"),
    ],
)
def test_search_rejects_bad_parameters_with_400(conversation, query, parameter):
    resp = client(conversation).get(f"/api/search?{query}")
    assert resp.status_code == 400 and resp.headers["content-type"] == "application/json"
    assert resp.json()["parameter"] == parameter and parameter in resp.json()["error"]


def test_search_limits_and_defaults(conversation):
    c = client(conversation)
    assert c.get(f"/api/search?q=login&limit=500&{WINDOW}").json()["limit"] == 500
    assert c.get(f"/api/search?q=login&limit=1&{WINDOW}").json()["limit"] == 1
    assert c.get(f"/api/search?q=login&fields=&mode=&{WINDOW}").json()["fields"] == list(search.FIELDS)
    body = c.get(f"/api/search?q=%27%20OR%201%3D1%20--&{WINDOW}").json()
    assert (body["total"], body["hits"], body["terms"]) == (0, [], ["'", "OR", "1=1", "--"])


def test_search_is_off_without_text_and_says_so_with_403(conversation):
    resp = client(conversation, text_allowed=False).get(f"/api/search?q=login&{WINDOW}")
    assert resp.status_code == 403 and resp.headers["content-type"] == "application/json"
    assert resp.json() == {"error": search.SEARCH_OFF}  # no hits, no counts, no names
    assert client(conversation, text_allowed=False).get("/api/search").status_code == 403
    hosted = client(conversation, token=TOKEN, require_token=True, text_allowed=False)
    assert hosted.get(f"/api/search?q=login&{WINDOW}").status_code == 401  # who asks comes first
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert hosted.get(f"/api/search?q=login&{WINDOW}", headers=auth).json() == {"error": search.SEARCH_OFF}
    shown = client(conversation, token=TOKEN, require_token=True, text_allowed=True)
    assert shown.get(f"/api/search?q=login&{WINDOW}", headers=auth).json()["total"] == 4


def test_search_needs_the_bearer_token_and_reuses_answers(conversation):
    opened: list[int] = []

    def provider():
        opened.append(1)
        return conversation

    c = TestClient(Starlette(routes=api.routes(provider, TOKEN, cache_seconds=60)))
    resp = c.get(f"/api/search?q=login&{WINDOW}")
    assert resp.status_code == 401 and resp.headers["www-authenticate"] == 'Bearer realm="telemetry-api"'
    auth = {"Authorization": f"Bearer {TOKEN}"}
    first = c.get(f"/api/search?q=login&{WINDOW}", headers=auth).json()
    assert c.get(f"/api/search?q=login&{WINDOW}", headers=auth).json() == first and len(opened) == 1
    assert c.get(f"/api/search?q=pytest&{WINDOW}", headers=auth).json()["total"] == 2 and len(opened) == 2
    assert c.post(f"/api/search?q=login&{WINDOW}", headers=auth).status_code == 405


def test_search_answers_503_when_the_store_fails():
    from analytics.store import StoreError

    def unreachable():
        raise StoreError("Cannot reach the ClickHouse server at db:8123")

    resp = TestClient(Starlette(routes=api.routes(unreachable))).get("/api/search?q=login")
    assert resp.status_code == 503 and "Cannot reach the ClickHouse server" in resp.json()["error"]


def test_search_finds_a_word_only_in_tool_output(empty_store):
    insert_events(
        empty_store,
        [
            ev(
                "t9",
                "s9",
                "2025-03-09T10:00:00",
                "tool_result",
                project="/a",
                tool="Bash",
                success=1,
                text="make check",
                output_text="platform linux -- Python 3.11.7, pytest-8.3.2\ncollected 3 items",
            )
        ],
    )
    c = client(empty_store)
    body = c.get(f"/api/search?q=pytest&{WINDOW}").json()
    assert body["total"] == 1 and body["facets"]["field"] == [{"value": "tool_output", "hits": 1}]
    (hit,) = body["hits"]
    assert (hit["field"], hit["tool"], hit["snippet"][hit["spans"][0][0] : hit["spans"][0][1]]) == (
        "tool_output",
        "Bash",
        "pytest",
    )
    assert hit["relevance"] == pytest.approx(0.4 * math.log(2))
    assert (
        c.get(f"/api/search?q=pytest&fields=prompt,tool_input,assistant,error&{WINDOW}").json()["total"] == 0
    )
