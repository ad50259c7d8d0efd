"""Projects as Claude Code stores them, repositories of git worktrees, and home directories as ``~`` (rule 11)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from jsonl_fixtures import assistant, tool_result, usage, user_prompt, write

from analytics.filters import Filters
from analytics.ingest.jsonl import ingest_jsonl
from analytics.ingest.projects import (
    ProjectDir,
    decode_project_dir,
    encode_project_path,
    place_project_dir,
    project_dir_name,
    stored_under,
    worktree_repository,
)
from analytics.usage import usage_report

T0 = datetime(2025, 5, 1, 10, tzinfo=UTC)
PLACES = "SELECT DISTINCT event, project, repository, cwd FROM telemetry ORDER BY event, cwd"


def session(root: Path, name: str, cwds: list[str], sid: str = "s1") -> None:
    """A prompt and one request per cwd, in that order, in ``root/name/<sid>.jsonl``."""
    lines = [user_prompt("2025-05-01T10:00:00Z", "go", uuid=f"{sid}-q", session=sid, cwd=cwds[0])]
    for i, cwd in enumerate(cwds):
        lines.append(
            assistant(
                f"2025-05-01T10:00:0{i + 1}Z",
                f"{sid}-m{i}",
                f"{sid}-r{i}",
                usage(1, 1),
                uuid=f"{sid}-a{i}",
                session=sid,
                cwd=cwd,
            )
        )
    write(root / name / f"{sid}.jsonl", lines)


# -- the project directory, not each line's cwd -------------------------------------------------------------


def test_a_session_that_cds_into_a_subfolder_stays_in_its_project(empty_store, tmp_path):
    session(tmp_path, "-home-dev-shop", ["/home/dev/shop", "/home/dev/shop/api", "/tmp"])
    write(
        tmp_path / "-home-dev-shop" / "s1" / "subagents" / "agent-a1.jsonl",
        [
            tool_result(
                "2025-05-01T10:00:09Z", "tu1", "ok", uuid="t1", cwd="/home/dev/shop/api", sidechain=True
            )
        ],
    )
    ingest_jsonl(empty_store, [tmp_path])
    assert empty_store.rows_sql(PLACES) == [
        ("api_request", "~/shop", "~/shop", "/home/dev/shop"),
        ("api_request", "~/shop", "~/shop", "/home/dev/shop/api"),
        ("api_request", "~/shop", "~/shop", "/tmp"),
        ("tool_result", "~/shop", "~/shop", "/home/dev/shop/api"),
        ("user_prompt", "~/shop", "~/shop", "/home/dev/shop"),
    ]
    assert usage_report(empty_store, "project")["rows"][0]["project"] == "~/shop"


def test_a_later_run_that_sees_only_the_subfolder_keeps_the_project(empty_store, tmp_path):
    session(tmp_path, "-Users-ada-web-shop", ["/Users/ada/web-shop"])
    ingest_jsonl(empty_store, [tmp_path])
    session(tmp_path, "-Users-ada-web-shop", ["/Users/ada/web-shop/docs"], sid="s2")  # starts in a subfolder
    ingest_jsonl(empty_store, [tmp_path])
    assert {r[1] for r in empty_store.rows_sql(PLACES)} == {"~/web-shop"}
    assert empty_store.rows_sql("SELECT dir, path, exact FROM project_dirs FINAL") == [
        ("-Users-ada-web-shop", "/Users/ada/web-shop", 1)
    ]


def test_a_directory_no_cwd_encodes_to_is_decoded_from_its_name(empty_store, tmp_path):
    session(tmp_path, "-srv-nowhere-x-app", ["/somewhere/else"])
    session(tmp_path, "old-store", ["/home/dev/legacy"], sid="s2")  # a directory Claude Code did not name
    ingest_jsonl(empty_store, [tmp_path])
    assert empty_store.rows_sql("SELECT DISTINCT session_id, project FROM telemetry ORDER BY session_id") == [
        ("s1", "/srv/nowhere/x/app"),
        ("s2", "~/legacy"),
    ]


# -- git worktrees -------------------------------------------------------------------------------------------


def make_worktree(tmp_path: Path, relative_gitdir: bool = False) -> tuple[Path, Path]:
    """A repository ``repo`` with a linked worktree ``wt/feature`` (the layout `git worktree add` leaves)."""
    repo = tmp_path / "repo"
    gitdir = repo / ".git" / "worktrees" / "feature"
    gitdir.mkdir(parents=True)
    (gitdir / "commondir").write_text("../..\n")
    worktree = tmp_path / "wt" / "feature"
    worktree.mkdir(parents=True)
    target = Path("../../repo/.git/worktrees/feature") if relative_gitdir else gitdir
    (worktree / ".git").write_text(f"gitdir: {target}\n")
    return repo, worktree


@pytest.mark.parametrize("relative", [False, True])
def test_a_worktree_names_its_repository(tmp_path, relative):
    repo, worktree = make_worktree(tmp_path, relative)
    assert worktree_repository(str(worktree)) == str(repo)
    assert worktree_repository(str(repo)) == ""  # a main checkout: its .git is a directory
    assert worktree_repository(str(tmp_path / "missing")) == ""


def test_a_submodule_or_bare_repository_gitdir(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / ".git").write_text("gitdir: ../repo/.git/modules/sub\n")
    assert worktree_repository(str(sub)) == ""
    bare = tmp_path / "proj" / ".bare" / "worktrees" / "main"
    bare.mkdir(parents=True)
    checkout = tmp_path / "proj" / "main"
    checkout.mkdir()
    (checkout / ".git").write_text(f"gitdir: {bare}\n")
    assert worktree_repository(str(checkout)) == str(tmp_path / "proj")


def test_worktrees_group_under_their_repository(empty_store, tmp_path):
    repo, worktree = make_worktree(tmp_path / "disk")
    root = tmp_path / "projects"
    session(root, encode_project_path(str(worktree)), [str(worktree)], sid="s1")
    session(root, encode_project_path(str(repo)), [str(repo)], sid="s2")
    # not on this machine: the layout decides
    session(
        root, "-home-dev-shop--claude-worktrees-fix-1", ["/home/dev/shop/.claude/worktrees/fix-1"], sid="s3"
    )
    session(root, "-home-dev-shop--worktrees-b2", ["/home/dev/shop/.worktrees/b2"], sid="s4")
    session(root, "-home-dev-shop", ["/home/dev/shop"], sid="s5")
    ingest_jsonl(empty_store, [root])
    assert empty_store.rows_sql(
        "SELECT session_id, project, repository FROM telemetry WHERE event = 'user_prompt' ORDER BY session_id"
    ) == [
        ("s1", str(worktree), str(repo)),
        ("s2", str(repo), str(repo)),
        ("s3", "~/shop/.claude/worktrees/fix-1", "~/shop"),
        ("s4", "~/shop/.worktrees/b2", "~/shop"),
        ("s5", "~/shop", "~/shop"),
    ]
    by_repository = usage_report(empty_store, "repository")["rows"]
    assert [(r["repository"], r["requests"]) for r in by_repository] == [
        (str(repo), 2),
        ("~/shop", 3),
    ]
    only = usage_report(empty_store, "project", filters=Filters(repositories=("~/shop",)))["rows"]
    assert [r["project"] for r in only] == [
        "~/shop",
        "~/shop/.claude/worktrees/fix-1",
        "~/shop/.worktrees/b2",
    ]


# -- the pieces ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/Users/ada/web-shop", "-Users-ada-web-shop"),
        ("/home/dev/my_app.v2", "-home-dev-my-app-v2"),
        ("/home/dev/shop/.claude/worktrees/x", "-home-dev-shop--claude-worktrees-x"),
        ("C:\\Users\\ada\\proj", "C--Users-ada-proj"),
        ("/home/dev/café", "-home-dev-caf-"),
    ],
)
def test_encode_project_path(path, name):
    assert encode_project_path(path) == name
    assert stored_under(path, name)


def test_long_names_match_on_their_first_200_characters():
    path = "/home/dev/" + "a" * 250
    assert stored_under(path, encode_project_path(path)[:200] + "-1x2y3z")
    assert not stored_under("/home/dev/other", encode_project_path(path)[:200] + "-1x2y3z")


def test_project_dir_name():
    assert project_dir_name(Path("/r/projects/-w-p/s1.jsonl")) == "-w-p"
    assert project_dir_name(Path("/r/projects/-w-p/agent-a1.jsonl")) == "-w-p"
    assert project_dir_name(Path("/r/projects/-w-p/s1/subagents/agent-a1.jsonl")) == "-w-p"


def test_decode_walks_existing_directories_then_reads_dashes_as_slashes(tmp_path):
    (tmp_path / "ai-music" / "v2").mkdir(parents=True)
    (tmp_path / ".hidden" / "x").mkdir(parents=True)
    assert decode_project_dir("-ai-music-v2", root=tmp_path) == str(tmp_path / "ai-music" / "v2")
    assert decode_project_dir("--hidden-x", root=tmp_path) == str(tmp_path / ".hidden" / "x")
    assert decode_project_dir("-no-such-dir", root=tmp_path) == "/no/such/dir"
    assert decode_project_dir("-home-dev-shop--claude-worktrees-x", root=tmp_path) == (
        "/home/dev/shop/.claude/worktrees/x"
    )
    assert decode_project_dir("C--Users-ada-proj", root=tmp_path) == "C:\\Users\\ada\\proj"
    assert decode_project_dir("plain", root=tmp_path) == "plain"


def test_place_project_dir_keeps_an_exact_path_and_upgrades_a_guess():
    guess = ProjectDir("/w/p", False, "")
    first = [(T0, "/w/p/sub"), (datetime(2025, 4, 1, tzinfo=UTC), "/w-p")]
    assert place_project_dir("-w-p", first, None) == ProjectDir("/w-p", True, "")
    assert place_project_dir("-w-p", [(T0, "/w/p/sub")], guess) == guess
    assert place_project_dir("-w-p", first, guess) == ProjectDir("/w-p", True, "")
    exact = ProjectDir("/w/p", True, "/w")
    assert place_project_dir("-w-p", first, exact) == exact
    assert place_project_dir("-nowhere-q", [], None) == ProjectDir("/nowhere/q", False, "")


# -- ~ for the home directory, for every source ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/Users/ada/web-shop", "~/web-shop"),
        ("/home/dev/web-shop/api", "~/web-shop/api"),
        ("/home/dev", "~"),
        ("/srv/home/dev/x", "/srv/home/dev/x"),
        ("/root/x", "/root/x"),
        ("C:\\Users\\ada\\proj", "~\\proj"),
        ("web-shop", "web-shop"),
        ("", ""),
    ],
)
def test_home_label(empty_store, path, label):
    assert empty_store.rows_sql("SELECT cc_home_label({p:String})", p=path) == [(label,)]


def test_otel_projects_are_labelled_too(empty_store):
    empty_store.insert_rows(
        "otel_logs",
        [
            [
                T0,
                "claude-code",
                "claude_code.api_request",
                {"request_id": "r1"},
                {"project": "/Users/ada/web-shop"},
            ],
            [
                T0,
                "claude-code",
                "claude_code.api_request",
                {"request_id": "r2"},
                {"project": "/home/ada/web-shop/.worktrees/fix"},
            ],
            [T0, "claude-code", "claude_code.api_request", {"request_id": "r3"}, {}],
        ],
        ["Timestamp", "ServiceName", "Body", "LogAttributes", "ResourceAttributes"],
    )
    assert empty_store.rows_sql(
        "SELECT request_id, project, repository FROM telemetry ORDER BY request_id"
    ) == [
        ("r1", "~/web-shop", "~/web-shop"),
        ("r2", "~/web-shop/.worktrees/fix", "~/web-shop"),
        ("r3", "", ""),
    ]
