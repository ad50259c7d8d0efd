"""Data is text: names that come from the telemetry (model, project, tool, user, version, session)
never become links, images, HTML or Streamlit directives on any page.

Anyone who can send telemetry can plant such names; every Markdown-rendering element of every
page is checked for an unescaped link to elsewhere, an image, a code-span break-out or a
``:color[]`` directive built from them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from apptest_helpers import insert_events, page

PAYLOAD = "x [Session expired - sign in](http://phish.example/login) ![t](http://img.example/t.png) `b` :red[alert] <b>y</b>"
PAGES = ("overview", "costs", "errors", "tools", "models", "sessions", "search")
MARKDOWN = ("markdown", "caption", "warning", "info", "error", "success", "subheader", "title", "header")
LINK_AWAY = re.compile(r"(?<!\\)\]\((?!/)")  # a link to anything but one of the app's own pages
IMAGE = re.compile(r"(?<!\\)!(?<!\\)\[")
DIRECTIVE = re.compile(r"(?<!\\):(red|green|blue|orange|violet|gray|grey|rainbow|primary)(?<!\\)\[")


def hostile_events(start: datetime) -> list[dict]:
    """Sessions whose model, project, tool, user, version and id carry the payload."""
    rows = []
    for s, model in enumerate((f"claude-m1 {PAYLOAD}", "claude-sonnet-4-5")):
        common = dict(
            session_id=f"s{s} {PAYLOAD}", project=f"/p {PAYLOAD}", user_email=f"u{s} {PAYLOAD}",
            cc_version=f"2.0.{s} {PAYLOAD}",
        )  # fmt: skip
        t = start + timedelta(hours=s)
        for i in range(6):
            rows.append(
                dict(
                    ts=t + timedelta(minutes=i),
                    event="api_request",
                    event_id=f"r{s}{i}",
                    model=model,
                    input_tokens=100,
                    output_tokens=10,
                    cost_usd=None if s == 0 else 0.01,
                    duration_ms=1000.0,
                    **common,
                )  # fmt: skip
            )
            rows.append(
                dict(
                    ts=t + timedelta(minutes=i, seconds=5),
                    event="tool_result",
                    event_id=f"t{s}{i}",
                    tool=f"Tool {PAYLOAD}" if i % 2 else "Bash",
                    success=0 if i == 3 else 1,
                    duration_ms=50.0,
                    **common,
                )  # fmt: skip
            )
        rows.append(dict(ts=t, event="user_prompt", event_id=f"p{s}", text=f"prompt {PAYLOAD}", **common))
    return rows


@pytest.fixture
def hostile_app(monkeypatch, chdb_path, store_factory):
    import streamlit as st

    store = store_factory()
    insert_events(store, hostile_events(datetime.now(UTC) - timedelta(hours=4)))
    with store.client() as c:
        database = c.database
    monkeypatch.setenv("ANALYTICS_DB", chdb_path)
    monkeypatch.setenv("ANALYTICS_DATABASE", database)
    monkeypatch.setenv("ANALYTICS_AUTOLOAD", "0")
    st.cache_resource.clear()
    st.cache_data.clear()
    yield store
    st.cache_resource.clear()


def markdown_values(at) -> list[str]:
    out = []
    for kind in MARKDOWN:
        for element in at.get(kind):
            out.append(str(getattr(element, "value", "")))
    for metric in at.metric:
        out += [metric.label, str(metric.proto.help)]
    return out


def unsafe(text: str) -> list[str]:
    return [
        name
        for name, rx in (("link", LINK_AWAY), ("image", IMAGE), ("directive", DIRECTIVE))
        if rx.search(text)
    ]


def test_the_checks_see_an_unescaped_payload():
    assert unsafe(PAYLOAD) == ["link", "image", "directive"]
    from ui.components import literal

    assert unsafe(literal(PAYLOAD)) == []


@pytest.mark.parametrize("name", PAGES)
def test_names_from_the_data_stay_text_on_every_page(hostile_app, name):
    at = page(name, q="prompt") if name == "search" else page(name)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    values = markdown_values(at)
    found = {v: unsafe(v) for v in values if unsafe(v)}
    assert found == {}
    if name in ("overview", "costs", "tools", "models", "sessions"):  # the unpriced model is named, escaped
        from ui.components import literal

        assert any(literal(f"claude-m1 {PAYLOAD}") in v for v in values)
