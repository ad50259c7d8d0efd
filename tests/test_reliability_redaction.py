"""One redaction gate: in a hosted view with text hidden, no transcript text reaches the browser,
a table (and so its CSV download) or a JSON answer.

A store is seeded with marker strings in every field that carries transcript text (prompts,
tool inputs, tool output, assistant text, error texts, working directories, git branches);
every page runs under AppTest in hosted mode and every API route answers, and none of the
markers may appear in anything sent: elements, their data frames, or the JSON.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from apptest_helpers import insert_events, page
from starlette.applications import Starlette
from starlette.testclient import TestClient

from analytics import api

MARKERS = {
    "prompt": "zqxprompt",
    "tool_input": "zqxinput",
    "tool_output": "zqxoutput",
    "assistant": "zqxassistant",
    "error": "zqxerror",
    "cwd": "zqxcwd",
    "branch": "zqxbranch",
}
PAGES = ("overview", "costs", "errors", "tools", "models", "sessions", "search")


def seeded_events(start: datetime) -> list[dict]:
    """Two sessions of prompts, requests, tool calls (one failing) and an API error, text everywhere."""
    m = MARKERS
    rows = []
    for s in range(2):
        base = dict(session_id=f"sess-{s}", project="/home/alice/shop", cwd=f"/home/alice/shop/{m['cwd']}",
                    git_branch=f"feature/{m['branch']}", cc_version="2.0.1")  # fmt: skip
        t = start + timedelta(hours=s)

        def ev(i: int, event: str, t=t, s=s, base=base, **kw) -> dict:
            return dict(
                ts=t + timedelta(seconds=10 * i), event=event, event_id=f"{s}-{i}", seq=i, **base, **kw
            )

        sonnet = dict(model="claude-sonnet-4-5", input_tokens=1000, output_tokens=200)
        rows += [
            ev(0, "user_prompt", text=f"please fix {m['prompt']} now"),
            ev(1, "api_request", cost_usd=0.02, duration_ms=3000.0, text=f"I will look at {m['assistant']}", **sonnet),
            ev(2, "tool_result", tool="Bash", success=0, text=f"pytest {m['tool_input']}",
               error_text=f"1 failed: {m['error']}", output_text=f"collected {m['tool_output']}", duration_ms=900.0),
            ev(3, "tool_result", tool="Read", success=1, text=f"/home/alice/shop/{m['tool_input']}.py",
               output_text=f"def {m['tool_output']}(): pass", duration_ms=20.0),
            ev(4, "api_error", status_code=500, error_text=f"server said {m['error']}", model="claude-sonnet-4-5"),
            ev(5, "api_request", cost_usd=0.03, duration_ms=4000.0, **sonnet),
        ]  # fmt: skip
    return rows


@pytest.fixture
def hosted_marker_store(monkeypatch, chdb_path, store_factory):
    import streamlit as st

    store = store_factory()
    insert_events(store, seeded_events(datetime.now(UTC) - timedelta(hours=3)))
    with store.client() as c:
        database = c.database
    monkeypatch.setenv("ANALYTICS_DB", chdb_path)
    monkeypatch.setenv("ANALYTICS_DATABASE", database)
    monkeypatch.setenv("ANALYTICS_AUTOLOAD", "0")
    monkeypatch.setenv("ANALYTICS_HOSTED", "1")
    monkeypatch.delenv("ANALYTICS_SHOW_TEXT", raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield store
    st.cache_resource.clear()


def sent(at) -> bytes:
    """Everything the app would send: every element's message, data frames included, as bytes."""
    out = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "SerializeToString"):
            out.append(proto.SerializeToString())
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return b"".join(out)


def leaks(blob: bytes) -> list[str]:
    return [name for name, marker in MARKERS.items() if marker.encode() in blob.lower()]


def test_the_markers_would_be_found_where_text_is_allowed(hosted_marker_store, monkeypatch):
    monkeypatch.setenv("ANALYTICS_SHOW_TEXT", "1")  # the detector itself: the text is shown then
    at = page("errors").run()
    assert not at.exception
    assert {"error"} <= set(leaks(sent(at)))
    at = page("search", q=MARKERS["prompt"]).run()  # a table's frame is looked into too
    assert not at.exception and "prompt" in leaks(sent(at))


@pytest.mark.parametrize("name", PAGES)
def test_no_page_sends_transcript_text_in_a_hosted_view(hosted_marker_store, name):
    at = page(name, q=MARKERS["prompt"]) if name == "search" else page(name)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert leaks(sent(at)) == []


def test_no_api_answer_carries_transcript_text_in_a_hosted_view(hosted_marker_store):
    client = TestClient(Starlette(routes=api.routes(lambda: hosted_marker_store, "t0k", text_allowed=False)))
    auth = {"Authorization": "Bearer t0k"}
    for path in ("/api/telemetry-widgets", "/api/telemetry/cost-burnrate", "/api/telemetry/error-monitor"):
        resp = client.get(f"{path}?tz=UTC", headers=auth)
        assert resp.status_code == 200 and leaks(resp.content) == [], path
    resp = client.get(f"/api/search?q={MARKERS['prompt']}", headers=auth)
    assert resp.status_code == 403 and leaks(resp.content) == []
    assert os.environ["ANALYTICS_HOSTED"] == "1"
