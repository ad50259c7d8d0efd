"""The router: the first run fills an empty store with progress, and the sidebar's links carry the view."""

from __future__ import annotations

from pathlib import Path

from jsonl_fixtures import assistant, usage, user_prompt, write
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")


def router() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def test_first_run_reads_the_transcripts_and_shows_its_progress(app_on_empty, monkeypatch, tmp_path):
    write(
        tmp_path / "config" / "projects" / "-home-dev-shop" / "s1.jsonl",
        [
            user_prompt("2026-01-05T10:00:00Z", "add a cart", session="s1", uuid="u1", cwd="/home/dev/shop"),
            assistant(
                "2026-01-05T10:00:04Z",
                "m1",
                "r1",
                usage(100, 20),
                session="s1",
                uuid="a1",
                cwd="/home/dev/shop",
            ),
        ],
    )
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no ~/.claude/projects of this machine
    monkeypatch.delenv("ANALYTICS_AUTOLOAD")
    at = router()
    at.run()
    assert not at.exception
    first = next(iter(at.main.children.values()))
    assert first.proto.label == "Read your Claude Code transcripts." and first.proto.state == 2  # COMPLETE
    assert app_on_empty.rows("telemetry_count")[0][0] == 2  # the prompt and the request
    at.run()  # the store is no longer empty: no second first run
    assert type(next(iter(at.main.children.values()))).__name__ != "Status"


def test_sidebar_links_carry_the_shared_view(app_on_demo):
    at = router()
    at.query_params["budget_day"] = "25"
    at.query_params["tz"] = "UTC"
    at.query_params["period"] = "month"  # a page's own choice: it stays behind
    at.run()
    assert not at.exception
    links = [e.proto for e in at.sidebar.children.values() if e.type == "page_link"]
    assert [link.label for link in links] == [
        "Overview",
        "Costs",
        "Errors",
        "Tools",
        "Models",
        "Sessions",
        "Search",
    ]
    assert {link.query_string for link in links} == {"tz=UTC&budget_day=25"}
