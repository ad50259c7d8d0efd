"""Outcomes from transcripts (derived at ingest), their cost, and GET /api/outcomes: known answers on real chDB."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from jsonl_fixtures import SONNET, assistant, tool_result, tool_use, usage, user_prompt, write
from starlette.applications import Starlette
from starlette.testclient import TestClient

from analytics import outcomes
from analytics.api import routes
from analytics.filters import Filters
from analytics.ingest.jsonl import ingest_jsonl

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "claude-projects"
PROJECT = "-home-dev-shop"


def call(ts: str, msg: str, tool_id: str, name: str, inp: dict, session: str = "s1") -> dict:
    """An assistant response that calls one tool."""
    return assistant(
        ts, msg, f"req-{msg}", usage(inp=1000, out=100), [tool_use(tool_id, name, inp)], session=session
    )


def result(
    ts: str, tool_id: str, content: str, tur=None, is_error: bool = False, session: str = "s1"
) -> dict:
    """The tool_result line; ``tur`` is the line's ``toolUseResult`` when given."""
    line = tool_result(ts, tool_id, content, is_error=is_error, session=session)
    if tur is not None:
        line["toolUseResult"] = tur
    return line


def patch(*lines: str) -> list:
    return [{"oldStart": 1, "oldLines": 2, "newStart": 1, "newLines": 3, "lines": list(lines)}]


REJECTED = "The user doesn't want to proceed with this tool use. The tool use was rejected."
SESSION_1 = [
    user_prompt("2025-03-10T10:00:00.000Z", "fix it"),
    # Edit with a structured patch: 2 added, 1 removed (context and the no-newline marker not counted)
    call(
        "2025-03-10T10:00:01.000Z",
        "m1",
        "t-edit",
        "Edit",
        {"file_path": "/home/dev/shop/app.py", "old_string": "a", "new_string": "b"},
    ),
    result(
        "2025-03-10T10:00:02.000Z",
        "t-edit",
        "The file /home/dev/shop/app.py has been updated.",
        {
            "filePath": "/home/dev/shop/app.py",
            "structuredPatch": patch(" keep", "-old", "+new", "+more", "\\ No newline at end of file"),
        },
    ),
    # Edit of an older Claude Code (no toolUseResult): the input's diff, 2 added, 1 removed
    call(
        "2025-03-10T10:01:00.000Z",
        "m2",
        "t-old",
        "Edit",
        {"file_path": "/home/dev/shop/lib.ts", "old_string": "a\nb\n", "new_string": "a\nc\nd\n"},
    ),
    result("2025-03-10T10:01:01.000Z", "t-old", "The file /home/dev/shop/lib.ts has been updated."),
    # Write that created a file: its 3 lines added
    call(
        "2025-03-10T10:02:00.000Z",
        "m3",
        "t-write",
        "Write",
        {"file_path": "/home/dev/shop/README.md", "content": "x\ny\nz\n"},
    ),
    result(
        "2025-03-10T10:02:01.000Z",
        "t-write",
        "File created successfully at: /home/dev/shop/README.md",
        {
            "type": "create",
            "filePath": "/home/dev/shop/README.md",
            "content": "x\ny\nz\n",
            "structuredPatch": [],
        },
    ),
    # MultiEdit without a patch: (1 added, 1 removed) + (2 added, 0 removed)
    call(
        "2025-03-10T10:02:30.000Z",
        "m3b",
        "t-multi",
        "MultiEdit",
        {
            "file_path": "/home/dev/shop/app.py",
            "edits": [{"old_string": "p", "new_string": "q"}, {"old_string": "r", "new_string": "r\ns\nt"}],
        },
    ),
    result("2025-03-10T10:02:31.000Z", "t-multi", "Applied 2 edits to /home/dev/shop/app.py"),
    # a rejected edit: one decision 'reject', no lines
    call(
        "2025-03-10T10:03:00.000Z",
        "m4",
        "t-rej",
        "Edit",
        {"file_path": "/home/dev/shop/app.py", "old_string": "x", "new_string": "y"},
    ),
    result("2025-03-10T10:03:01.000Z", "t-rej", REJECTED, REJECTED, is_error=True),
    # a failed edit (string not found): no decision, no lines
    call(
        "2025-03-10T10:03:30.000Z",
        "m4b",
        "t-fail",
        "Edit",
        {"file_path": "/home/dev/shop/app.py", "old_string": "zz", "new_string": "y"},
    ),
    result(
        "2025-03-10T10:03:31.000Z",
        "t-fail",
        "<tool_use_error>String to replace not found</tool_use_error>",
        is_error=True,
    ),
    # a commit (with git add before it), then one with nothing to commit
    call(
        "2025-03-10T10:04:00.000Z",
        "m5",
        "t-commit",
        "Bash",
        {"command": "git add -A && git commit -m 'Fix it'"},
    ),
    result(
        "2025-03-10T10:04:01.000Z",
        "t-commit",
        "[main 1a2b3c4] Fix it\n 3 files changed, 8 insertions(+), 1 deletion(-)",
    ),
    call("2025-03-10T10:04:30.000Z", "m6", "t-nothing", "Bash", {"command": "git commit -m 'again'"}),
    result(
        "2025-03-10T10:04:31.000Z",
        "t-nothing",
        "On branch main\nnothing to commit, working tree clean",
        is_error=True,
    ),
    # a pull request, then one that already existed (an error naming its URL)
    call(
        "2025-03-10T10:05:00.000Z",
        "m7",
        "t-pr",
        "Bash",
        {"command": "git push -u origin fix && gh pr create --fill"},
    ),
    result("2025-03-10T10:05:05.000Z", "t-pr", "https://github.com/acme/shop/pull/42"),
    call("2025-03-10T10:05:30.000Z", "m8", "t-pr2", "Bash", {"command": "gh pr create --fill"}),
    result(
        "2025-03-10T10:05:31.000Z",
        "t-pr2",
        'a pull request for branch "fix" already exists:\nhttps://github.com/acme/shop/pull/42',
        is_error=True,
    ),
    # a Bash command that is no commit, whose output looks like one
    call(
        "2025-03-10T10:06:00.000Z",
        "m9",
        "t-log",
        "Bash",
        {"command": "git log -1 --format='[main 9f9f9f9] x'"},
    ),
    result("2025-03-10T10:06:01.000Z", "t-log", "[main 9f9f9f9] x"),
]
SESSION_2 = [  # spends, produces nothing: the waste list
    user_prompt("2025-03-10T11:00:00.000Z", "explain", session="s2"),
    assistant("2025-03-10T11:00:05.000Z", "n1", "req-n1", usage(inp=2000, out=300), session="s2"),
]


@pytest.fixture
def outcome_store(empty_store, tmp_path):
    write(tmp_path / "projects" / PROJECT / "s1.jsonl", SESSION_1)
    write(tmp_path / "projects" / PROJECT / "s2.jsonl", SESSION_2)
    ingest_jsonl(empty_store, [tmp_path / "projects"])
    return empty_store


def rows(store) -> dict:
    return {
        r[0]: r[1:]
        for r in store.rows_sql(
            "SELECT event_id, kind, decision, lines_added, lines_removed, ref, tool, language, model, project "
            "FROM outcomes FINAL WHERE kind != 'active_time' ORDER BY event_id"
        )
    }


def test_transcript_outcomes_known_answers(outcome_store):
    got = rows(outcome_store)
    assert got == {
        "commit:t-commit:1a2b3c4": ("commit", "", 0, 0, "1a2b3c4", "Bash", "", SONNET, "~/shop"),
        "edit_decision:t-edit": (
            "edit_decision",
            "accept",
            0,
            0,
            "/home/dev/shop/app.py",
            "Edit",
            "Python",
            SONNET,
            "~/shop",
        ),
        "edit_decision:t-multi": (
            "edit_decision",
            "accept",
            0,
            0,
            "/home/dev/shop/app.py",
            "MultiEdit",
            "Python",
            SONNET,
            "~/shop",
        ),
        "edit_decision:t-old": (
            "edit_decision",
            "accept",
            0,
            0,
            "/home/dev/shop/lib.ts",
            "Edit",
            "TypeScript",
            SONNET,
            "~/shop",
        ),
        "edit_decision:t-rej": (
            "edit_decision",
            "reject",
            0,
            0,
            "/home/dev/shop/app.py",
            "Edit",
            "Python",
            SONNET,
            "~/shop",
        ),
        "edit_decision:t-write": (
            "edit_decision",
            "accept",
            0,
            0,
            "/home/dev/shop/README.md",
            "Write",
            "Markdown",
            SONNET,
            "~/shop",
        ),
        "lines:t-edit": ("lines", "", 2, 1, "/home/dev/shop/app.py", "Edit", "Python", SONNET, "~/shop"),
        "lines:t-multi": (
            "lines",
            "",
            3,
            1,
            "/home/dev/shop/app.py",
            "MultiEdit",
            "Python",
            SONNET,
            "~/shop",
        ),
        "lines:t-old": ("lines", "", 2, 1, "/home/dev/shop/lib.ts", "Edit", "TypeScript", SONNET, "~/shop"),
        "lines:t-write": (
            "lines",
            "",
            3,
            0,
            "/home/dev/shop/README.md",
            "Write",
            "Markdown",
            SONNET,
            "~/shop",
        ),
        "pull_request:t-pr:https://github.com/acme/shop/pull/42": (
            "pull_request",
            "",
            0,
            0,
            "https://github.com/acme/shop/pull/42",
            "Bash",
            "",
            SONNET,
            "~/shop",
        ),
    }


def test_reingesting_changes_no_total(outcome_store, tmp_path):
    before = rows(outcome_store)
    ingest_jsonl(outcome_store, [tmp_path / "projects"], rebuild=True)
    ingest_jsonl(outcome_store, [tmp_path / "projects"])
    assert rows(outcome_store) == before
    # one row per outcome and one per turn (s1 and s2 have one prompt each), none written twice
    assert outcome_store.rows_sql("SELECT count() FROM outcomes")[0][0] == len(before) + 2


def test_a_result_read_in_a_later_run_than_its_tool_use(empty_store, tmp_path):
    path = tmp_path / "projects" / PROJECT / "s3.jsonl"
    first = [
        call(
            "2025-03-11T09:00:00.000Z",
            "k1",
            "t-late",
            "Bash",
            {"command": "git commit -am wip"},
            session="s3",
        )
    ]
    write(path, first)
    ingest_jsonl(empty_store, [tmp_path / "projects"])
    assert empty_store.rows_sql("SELECT count() FROM outcomes")[0][0] == 0
    late = result(
        "2025-03-11T09:00:02.000Z", "t-late", "[feature/x 0badc0de] wip\n 1 file changed", session="s3"
    )
    write(path, [*first, late])
    ingest_jsonl(empty_store, [tmp_path / "projects"])
    assert empty_store.rows_sql("SELECT kind, ref, tool_use_id FROM outcomes FINAL") == [
        ("commit", "0badc0de", "t-late")
    ]


def test_totals_and_cost_per_outcome(outcome_store):
    f = Filters()
    cost = outcome_store.rows_sql("SELECT sum(cost_usd) FROM telemetry WHERE event = 'api_request'")[0][0]
    t = outcomes.load_totals(outcome_store, f)
    assert (t.commits, t.pull_requests, t.lines_added, t.lines_removed, t.files) == (1, 1, 10, 3, 3)
    assert (t.accepted_edits, t.rejected_edits, t.sessions, t.requests) == (4, 1, 2, 12)
    assert t.cost_usd == pytest.approx(cost)
    assert t.cost_per_commit == pytest.approx(cost)
    assert t.cost_per_pull_request == pytest.approx(cost)
    assert t.cost_per_100_lines == pytest.approx(cost / 13 * 100)
    assert t.cost_per_accepted_edit == pytest.approx(cost / 4)
    # one turn each, no gap above the idle bound: s1 10:00:00 to 10:06:01, s2 10:00:00 to 10:00:05
    assert t.active_seconds == 361.0 + 5.0 and t.produced


def test_groups_acceptance_and_the_waste_list(outcome_store):
    f = Filters()
    by_session = outcomes.with_unit_costs(outcomes.load_outcomes_by(outcome_store, f, "session"))
    s1 = by_session.set_index("key").loc["s1"]
    s2 = by_session.set_index("key").loc["s2"]
    assert (s1.commits, s1.lines_added, s1.accepted_edits, s1.requests) == (1, 10, 4, 11)
    assert (s2.commits, s2.lines_added, s2.requests) == (0, 0, 1) and math.isnan(s2.cost_per_commit)
    waste = outcomes.waste_list(by_session)
    assert list(waste["key"]) == ["s2"]
    by_week = outcomes.load_outcomes_by(outcome_store, f, "week")
    assert list(by_week["key"]) == ["2025-03-10"] and by_week["commits"].tolist() == [1]
    acc = outcomes.load_acceptance(outcome_store, f).set_index(["language", "tool"])
    assert acc.loc[("Python", "Edit"), ["accepted", "rejected"]].tolist() == [1, 1]
    assert acc.loc[("Python", "Edit"), "acceptance_rate"] == 0.5
    assert acc.loc[("Markdown", "Write"), "acceptance_rate"] == 1.0
    # the filters apply: another window holds nothing
    empty = outcomes.load_totals(outcome_store, Filters.last_days(1, now=Filters().start))
    assert (empty.commits, empty.cost_usd, empty.cost_per_commit) == (0, 0.0, None)


def test_api_outcomes_totals_groups_and_hidden_text(outcome_store):
    client = TestClient(Starlette(routes=routes(lambda: outcome_store)))
    resp = client.get("/api/outcomes?from=2025-03-01&to=2025-03-31&tz=UTC&by=session")
    assert resp.status_code == 200
    body = resp.json()
    assert body["by"] == "session"
    assert {k: body["totals"][k] for k in ("commits", "pull_requests", "lines_added", "lines_removed")} == {
        "commits": 1,
        "pull_requests": 1,
        "lines_added": 10,
        "lines_removed": 3,
    }
    assert set(body["totals"]) >= {"active_seconds", "cost_usd", "cost_per_commit", "cost_per_100_lines"}
    assert body["totals"]["active_seconds"] == 366.0  # derived: a transcript-only store has active time
    groups = {g["key"]: g for g in body["groups"]}
    assert groups["s1"]["commits"] == 1 and groups["s2"]["cost_per_commit"] is None
    json.dumps(body, allow_nan=False)
    bad = client.get("/api/outcomes?by=colour")
    assert bad.status_code == 400 and bad.json()["parameter"] == "by"
    hidden = TestClient(Starlette(routes=routes(lambda: outcome_store, text_allowed=False)))
    assert "/home/dev" not in hidden.get("/api/outcomes?from=2025-03-01&to=2025-03-31&tz=UTC&by=model").text


def test_session_outcomes_are_traceable(outcome_store):
    listed = outcomes.load_session_outcomes(outcome_store, "s1")
    assert set(listed["tool_use_id"]) == {
        "t-edit",
        "t-old",
        "t-write",
        "t-multi",
        "t-rej",
        "t-commit",
        "t-pr",
    }


# ---------------------------------------------------------------------------
# active time (derived): a turn runs from a user prompt to the session's last line before its
# next prompt (or its last line); it counts the gaps between its consecutive lines, a gap longer
# than the idle bound (view.IDLE_MINUTES, 5 minutes) left out. Lines before the first prompt
# are in no turn.
def sec(n: float) -> str:
    """The instant ``n`` seconds after 2025-03-12 09:00:00 UTC."""
    from datetime import UTC, datetime, timedelta

    at = datetime(2025, 3, 12, 9, 0, tzinfo=UTC) + timedelta(seconds=n)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def answer(n: float, msg: str, session: str) -> dict:
    return assistant(sec(n), msg, f"req-{msg}", usage(inp=10, out=1), session=session)


ACTIVE_A = [  # two turns: 0 -> 9 s (9 s), a 20-minute pause between them, 1209 -> 1215 s (6 s): 15 s
    user_prompt(sec(0), "go", session="a", uuid="p-a1"),
    answer(4, "a1", "a"),
    tool_result(sec(9), "t-a", "ok", session="a"),
    user_prompt(sec(1209), "again", session="a", uuid="p-a2"),
    answer(1215, "a2", "a"),
]
ACTIVE_B = [  # one turn with an idle gap: 10 + (301: left out) + 9 + (300: kept) = 319 s
    answer(-30, "b0", "b"),  # before the first prompt: no turn
    user_prompt(sec(0), "go", session="b", uuid="p-b1"),
    answer(10, "b1", "b"),
    tool_result(sec(311), "t-b1", "ok", session="b"),
    answer(320, "b2", "b"),
    tool_result(sec(620), "t-b2", "ok", session="b"),
]


def active_by_session(store) -> dict:
    by = outcomes.load_outcomes_by(store, Filters(), "session").set_index("key")
    return {k: float(v) for k, v in by["active_seconds"].items()}


def test_active_time_from_transcripts_known_answers(empty_store, tmp_path):
    path = tmp_path / "projects" / PROJECT / "a.jsonl"
    write(path, ACTIVE_A)
    write(tmp_path / "projects" / PROJECT / "b.jsonl", ACTIVE_B)
    ingest_jsonl(empty_store, [tmp_path / "projects"])
    assert active_by_session(empty_store) == {"a": 15.0, "b": 319.0}
    assert outcomes.load_totals(empty_store, Filters()).active_seconds == 334.0
    turns = empty_store.rows_sql(
        "SELECT session_id, outcome_source, seconds, project FROM outcomes FINAL "
        "WHERE kind = 'active_time' ORDER BY session_id, ts"
    )
    assert turns == [
        ("a", "derived", 9.0, "~/shop"),
        ("a", "derived", 6.0, "~/shop"),
        ("b", "derived", 319.0, "~/shop"),
    ]
    # a later run's line extends the last turn (1209 -> 1218 s); the turn stays one row
    write(path, [*ACTIVE_A, tool_result(sec(1218), "t-a2", "ok", session="a")])
    ingest_jsonl(empty_store, [tmp_path / "projects"])
    assert active_by_session(empty_store) == {"a": 18.0, "b": 319.0}
    ingest_jsonl(empty_store, [tmp_path / "projects"], rebuild=True)
    assert active_by_session(empty_store) == {"a": 18.0, "b": 319.0}
    assert empty_store.rows_sql("SELECT count() FROM outcomes FINAL WHERE kind = 'active_time'") == [(3,)]
    # active time is no produced outcome: a store holding only it has none to cost
    assert not outcomes.any_outcome(empty_store, Filters())
    assert outcomes.load_session_outcomes(empty_store, "a").empty


# ---------------------------------------------------------------------------
# the shared real transcripts
def reference(root: Path) -> tuple[dict, dict]:
    """Independent reading of the real transcripts: lines per edit tool call, commit hash per call."""
    import re

    uses: dict[str, tuple[str, dict]] = {}
    results: list[tuple[dict, object]] = []
    for path in sorted(root.rglob("*.jsonl")):
        for raw in path.read_text().splitlines():
            try:
                d = json.loads(raw)
            except ValueError:
                continue
            content = (d.get("message") or {}).get("content")
            if not isinstance(content, list):
                continue
            for b in content:
                if b.get("type") == "tool_use":
                    uses[b["id"]] = (b["name"], b["input"])
                elif b.get("type") == "tool_result":
                    results.append((b, d.get("toolUseResult")))
    lines, commits = {}, {}
    for b, tur in results:
        name, inp = uses.get(b["tool_use_id"], ("", {}))
        text = (
            b["content"]
            if isinstance(b["content"], str)
            else "\n".join(x.get("text", "") for x in b["content"])
        )
        if name == "Bash" and "git commit" in inp.get("command", ""):
            for h in re.findall(r"(?m)^\[[^\]\n]*?\b([0-9a-f]{7,40})\]", text):
                commits[b["tool_use_id"]] = h
        if name in ("Edit", "MultiEdit", "Write", "NotebookEdit") and not b.get("is_error"):
            if isinstance(tur, dict) and "structuredPatch" in tur:
                if tur.get("type") == "create" and not tur["structuredPatch"]:
                    added, removed = len(tur["content"].rstrip("\n").split("\n")) if tur["content"] else 0, 0
                else:
                    hunk_lines = [x for h in tur["structuredPatch"] for x in h["lines"]]
                    added = sum(x.startswith("+") for x in hunk_lines)
                    removed = sum(x.startswith("-") for x in hunk_lines)
            else:
                added = removed = 0  # NotebookEdit replacing a cell: no patch, no input diff
            lines[b["tool_use_id"]] = (added, removed, inp.get("file_path") or inp.get("notebook_path"))
    return lines, commits


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared real transcripts are not here")
def test_real_transcripts_outcomes_are_traceable_to_their_tool_calls(empty_store):
    ingest_jsonl(empty_store, [SHARED])
    lines, commits = reference(SHARED)
    got_lines = {
        tuid: (a, r, ref)
        for tuid, a, r, ref in empty_store.rows_sql(
            "SELECT tool_use_id, lines_added, lines_removed, ref FROM outcomes FINAL WHERE kind = 'lines'"
        )
    }
    assert got_lines == lines
    got_commits = dict(
        empty_store.rows_sql("SELECT tool_use_id, ref FROM outcomes FINAL WHERE kind = 'commit'")
    )
    assert got_commits == commits == {"toolu_01KkhkbRqZbACyeR2ixLVeN8": "5c1b231"}
    t = outcomes.load_totals(empty_store, Filters())
    assert (t.commits, t.pull_requests, t.lines_added, t.lines_removed, t.files) == (1, 0, 2823, 28, 12)
    assert t.accepted_edits == len(lines) == 38


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared real transcripts are not here")
def test_real_transcripts_active_time_is_within_each_sessions_span(empty_store):
    ingest_jsonl(empty_store, [SHARED])
    span = dict(
        empty_store.rows_sql(
            "SELECT session_id, dateDiff('millisecond', min(ts), max(ts)) / 1000 FROM events "
            "WHERE hidden = 0 AND source = 'jsonl' GROUP BY session_id"
        )
    )
    active = dict(
        empty_store.rows_sql(
            "SELECT session_id, sum(seconds) FROM outcomes FINAL WHERE kind = 'active_time' GROUP BY session_id"
        )
    )
    assert active and sum(active.values()) > 0
    assert all(0 <= seconds <= span[s] for s, seconds in active.items())
    assert outcomes.load_totals(empty_store, Filters()).active_seconds == pytest.approx(sum(active.values()))


def test_a_group_with_no_request_and_no_outcome_is_left_out(empty_store, tmp_path):
    """A session of one prompt (no request, a turn of zero seconds) makes no row, by session or by model."""
    write(tmp_path / "projects" / PROJECT / "a.jsonl", ACTIVE_A)
    write(
        tmp_path / "projects" / PROJECT / "c.jsonl", [user_prompt(sec(5), "hello?", session="c", uuid="p-c1")]
    )
    ingest_jsonl(empty_store, [tmp_path / "projects"])
    assert list(outcomes.load_outcomes_by(empty_store, Filters(), "session")["key"]) == ["a"]
    assert "" not in set(outcomes.load_outcomes_by(empty_store, Filters(), "model")["key"])
