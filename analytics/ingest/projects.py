"""Projects as Claude Code stores them (DESIGN.md rule 11), and the repositories of git worktrees.

Claude Code stores a session under ``projects/<name>/``, where ``<name>`` is
the directory it was started in with every character but ASCII letters and
digits replaced by ``-`` (``/Users/ada/web-shop`` -> ``-Users-ada-web-shop``).
That directory is the session's project, whatever ``cwd`` its later lines
carry (a session that ``cd``\\ s into a subfolder stays in its project).

* Its path: the first ``cwd`` of a session stored there when it encodes to the
  name (exact); else, for a name that is an encoded path, a best-effort decode:
  the existing directories of this machine whose encoded names spell it, else
  every ``-`` read as ``/`` (``--`` as ``/.``, a hidden directory); else (a
  directory Claude Code did not name) the first ``cwd`` of its first session.
* Its repository: a git worktree's repository, asked of the worktree itself
  when its directory exists here (its ``.git`` file says ``gitdir:
  <repo>/.git/worktrees/<name>``); '' otherwise, and the store's
  ``cc_worktree_repository`` rule (``<repo>/.worktrees/<name>``,
  ``<repo>/.claude/worktrees/<name>``) decides by the path alone. A project
  that is not a worktree is its own repository.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

SHORTENED_NAME = 200
"""Names longer than this may be cut by Claude Code (and suffixed): a path then matches on this many characters."""
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")
_WINDOWS_NAME = re.compile(r"^([A-Za-z])--(.*)$")
_GITDIR = re.compile(r"^gitdir:\s*(.+?)\s*$", re.MULTILINE)


def encode_project_path(path: str) -> str:
    """The directory name Claude Code stores sessions started in ``path`` under."""
    return _NOT_ALNUM.sub("-", path)


def stored_under(path: str, name: str) -> bool:
    """Whether sessions started in ``path`` are stored under the project directory ``name``."""
    encoded = encode_project_path(path)
    if encoded == name:
        return True
    return (
        len(name) > SHORTENED_NAME
        and len(encoded) > SHORTENED_NAME
        and name[:SHORTENED_NAME] == encoded[:SHORTENED_NAME]
    )


def project_dir_name(transcript: Path) -> str:
    """The project directory of a transcript: ``<name>/<session>.jsonl``, ``<name>/agent-*.jsonl``
    or ``<name>/<session>/subagents/agent-*.jsonl``."""
    parent = transcript.parent
    return parent.parent.parent.name if parent.name == "subagents" else parent.name


def is_encoded_path(name: str) -> bool:
    """Whether ``name`` looks like a directory Claude Code named after a path (``-home-...``, ``C--Users-...``)."""
    return name.startswith("-") or _WINDOWS_NAME.match(name) is not None


def _walk(base: Path, rest: str, budget: list[int]) -> Path | None:
    """The directory under ``base`` whose encoded relative path is ``rest``, if one exists here."""
    if rest == "":
        return base
    budget[0] -= 1
    if budget[0] < 0:
        return None
    try:
        names = sorted(e.name for e in os.scandir(base) if e.is_dir(follow_symlinks=True))
    except OSError:
        return None
    for name in names:
        encoded = encode_project_path(name)
        if rest == encoded:
            return base / name
        if rest.startswith(encoded + "-"):
            found = _walk(base / name, rest[len(encoded) + 1 :], budget)
            if found is not None:
                return found
    return None


def decode_project_dir(name: str, root: Path = Path("/")) -> str:
    """Best-effort path of the project directory ``name`` (an encoded path).

    The existing directories under ``root`` whose encoded names spell ``name``
    (at most 200 directories listed), else ``name`` with every ``-`` read as
    ``/`` and ``--`` as ``/.``; a Windows name (``C--Users-ada-x``) reads as
    ``C:\\Users\\ada\\x``.
    """
    windows = _WINDOWS_NAME.match(name)
    if windows:
        return f"{windows.group(1)}:\\" + windows.group(2).replace("-", "\\")
    if not name.startswith("-"):
        return name
    found = _walk(root, name[1:], [200])
    if found is not None:
        return str(found)
    return name.replace("--", "/.").replace("-", "/")


def worktree_repository(path: str) -> str:
    """The repository the git worktree at ``path`` belongs to, asked of the worktree; '' when not known.

    A worktree's ``.git`` is a file ``gitdir: <common git dir>/worktrees/<name>``;
    the common git dir (from that directory's ``commondir`` file when readable)
    is ``<repo>/.git`` (repository ``<repo>``), or a bare repository
    (``<repo>/.bare`` counts as ``<repo>``). A ``.git`` directory (a main
    checkout), a submodule's ``.git`` file, or a path that does not exist here
    give ''.
    """
    dot_git = Path(path) / ".git"
    try:
        if not dot_git.is_file():
            return ""
        match = _GITDIR.search(dot_git.read_text(errors="replace")[:4096])
    except OSError:
        return ""
    if match is None:
        return ""
    gitdir = Path(os.path.normpath(Path(path) / match.group(1)))
    if gitdir.parent.name != "worktrees":
        return ""
    common = gitdir.parent.parent
    try:
        named = (gitdir / "commondir").read_text(errors="replace").strip()
        if named:
            common = Path(os.path.normpath(gitdir / named))
    except OSError:
        pass
    return str(common.parent) if common.name in (".git", ".bare") else str(common)


@dataclass(frozen=True)
class ProjectDir:
    """What the store knows of a project directory (a row of ``project_dirs``)."""

    path: str
    exact: bool
    repository: str


def place_project_dir(
    name: str, first_cwds: Iterable[tuple[datetime, str]], stored: ProjectDir | None
) -> ProjectDir:
    """The project of the directory ``name``, from its sessions' first cwds and what the store knew.

    Parameters
    ----------
    name : str
        The project directory's name.
    first_cwds : iterable of (datetime, str)
        The time and ``cwd`` of the first line with a cwd of each session read
        from the directory in this run.
    stored : ProjectDir or None
        The directory's row in ``project_dirs``, if any.

    Returns
    -------
    ProjectDir
        An exact path stays; else the earliest first cwd that encodes to
        ``name``; else a best-effort path kept from an earlier run, or decoded
        now. The repository is asked of the worktree when the path exists here,
        else kept from an earlier run for the same path.
    """
    ordered = sorted(first_cwds)
    if stored is not None and stored.exact:
        path, exact = stored.path, True
    else:
        exact_cwds = [cwd for _key, cwd in ordered if cwd and stored_under(cwd, name)]
        if exact_cwds:
            path, exact = exact_cwds[0], True
        elif stored is not None:
            path, exact = stored.path, False
        elif is_encoded_path(name) or not ordered:
            path, exact = decode_project_dir(name), False
        else:
            path, exact = ordered[0][1], False
    if Path(path).is_dir():
        repository = worktree_repository(path)
    else:
        repository = stored.repository if stored is not None and stored.path == path else ""
    return ProjectDir(path, exact, repository)
