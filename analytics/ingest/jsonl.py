"""Incremental, idempotent ingest of Claude Code JSONL transcripts.

Python only finds files and decides which bytes are new; ClickHouse parses.

* Discovery: ``~/.claude/projects``, ``~/.config/claude/projects`` and every
  ``CLAUDE_CONFIG_DIR`` entry (comma-separated, each with ``projects/``); under
  each root every ``*.jsonl``: session files, ``<session>/subagents/agent-*.jsonl``
  and older project-level ``agent-*.jsonl``.
* Incremental: per file the store remembers (size, mtime, inode, offset of the
  end of the last complete line). A later run reads only complete lines past
  that offset. A last line with no newline yet is read when it is a whole JSON
  object (a newline written after it later is skipped, so it counts once) and
  left for the next run when it is torn (still being written). A file that
  shrank or was replaced is read again from the start.
* Idempotent: event ids come from content (message id, tool_use id, line
  uuid); a run replaces a stored event only by a version of it at least as
  high and adds at most one row per id, so reading a line twice, or one file
  under two paths, changes no total. The version's top bits are
  :data:`PARSE_FORMAT`: a row parsed by a newer ingest replaces one stored by
  an older one.
* Projects (DESIGN.md rule 11): every event of a file belongs to the project
  directory the file is stored under (:mod:`analytics.ingest.projects`).
* Durations (rule 13): derived from the timestamps, see
  ``sql/ingest_api_requests.sql`` and ``sql/ingest_tool_results.sql``.
* Robust: every line gets a verdict; unusable lines are counted by reason in the
  :class:`IngestReport` and skipped; the rest of the file still ingests. A
  line nested deeper than the engine's JSON parser allows (1,024 levels) is
  read with its values below :data:`MAX_JSON_DEPTH` levels replaced by null.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from analytics import rollups
from analytics.ingest.outcomes import commit_active_time, commit_outcomes, stage_outcome_blocks
from analytics.ingest.prices import refresh_prices
from analytics.ingest.projects import ProjectDir, place_project_dir, project_dir_name
from analytics.integrity import checkpoint
from analytics.store import STAGE_TABLES

MAX_LINE_BYTES = 64 * 1024 * 1024
LIVE_SECONDS = 2.0
"""Files modified this recently may still be growing: their new bytes are copied, never linked."""
IGNORED = ("metadata", "synthetic_message")
"""Verdicts for lines that are valid but carry no event (summaries, snapshots, ...)."""
EVENT_QUERIES = ("ingest_api_requests", "ingest_api_errors", "ingest_tool_results", "ingest_user_prompts")
PARSE_FORMAT = 2
"""Format of the events the parse writes (2: projects, derived durations, texts); in every version's bits 48+."""
MAX_JSON_DEPTH = 512
"""Deeper values of a line the engine cannot parse for its depth are read as null."""
REQUEST_DURATION_MAX_MS = 3_600_000
"""A derived request duration above one hour is dropped (NULL): no response streams that long, a gap does."""
TOOL_DURATION_MAX_MS = 86_400_000
"""A derived tool duration above one day is dropped (NULL). It includes waiting for the user's permission."""


def discover_roots(env: Mapping[str, str] | None = None, home: Path | None = None) -> list[Path]:
    """Existing Claude Code ``projects`` directories, without duplicates."""
    variables = os.environ if env is None else env
    home = home or Path.home()
    candidates = [home / ".claude" / "projects", home / ".config" / "claude" / "projects"]
    for entry in (variables.get("CLAUDE_CONFIG_DIR") or "").split(","):
        if entry.strip():
            base = Path(entry.strip()).expanduser()
            candidates.append(base / "projects" if (base / "projects").is_dir() else base)
    roots: list[Path] = []
    seen: set[Path] = set()
    for c in candidates:
        if c.is_dir() and c.resolve() not in seen:
            seen.add(c.resolve())
            roots.append(c)
    return roots


def discover_files(paths: list[Path]) -> list[str]:
    """Every ``*.jsonl`` file under ``paths`` (a path may also be a file), by its real path, in Path order.

    A directory's real path is resolved once and a file's own only when it is a
    link: resolving each of thousands of files walks every component of its path.
    Plain strings: most files are unchanged and never need more than a stat.
    """
    found: set[str] = set()
    for p in paths:
        p = Path(p).expanduser()
        if p.is_file():
            found.add(str(p.resolve()))
        elif p.is_dir():
            for dirpath, _dirs, files in os.walk(p, followlinks=True):
                real = os.path.realpath(dirpath)
                for f in files:
                    if f.endswith(".jsonl"):
                        full = os.path.join(real, f)
                        found.add(os.path.realpath(full) if os.path.islink(full) else full)
    return sorted(found, key=lambda f: f.split(os.sep))


@dataclass
class IngestReport:
    """What one ingest run read, produced and skipped (printed by the CLI, kept in ``ingest_runs``)."""

    files_seen: int = 0
    files_read: int = 0
    bytes_read: int = 0
    lines: int = 0
    events: dict[str, int] = field(default_factory=dict)
    new_events: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    ignored: dict[str, int] = field(default_factory=dict)
    dedup: dict[str, int] = field(default_factory=dict)
    unpriced_requests: int = 0
    unpriced_models: list[str] = field(default_factory=list)
    torn_lines_deferred: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class _Chunk:
    file_id: int
    path: Path
    start: int
    end: int
    size: int
    mtime: float
    inode: int
    project_dir: str = ""


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


def whole_object(fragment: bytes) -> bool:
    """Whether ``fragment`` (a last line with no newline after it) is a whole JSON object.

    Its strings closed, its brackets balanced, ``{`` first (after whitespace or
    a byte order mark) and ``}`` last. A line Claude Code is still writing is a
    prefix of an object, so it fails one of these; a whole line passes (whether
    its JSON is valid is the parse's verdict).
    """
    text = fragment.strip().removeprefix(b"\xef\xbb\xbf").strip()
    if not (text.startswith(b"{") and text.endswith(b"}")):
        return False
    bare = _JSON_STRING.sub(b"", text)
    if b'"' in bare:
        return False
    return bare.count(b"{") + bare.count(b"[") == bare.count(b"}") + bare.count(b"]")


def _past_line_end(fh, start: int) -> int:
    r"""``start``, moved past the newline that ends a line read earlier without one.

    When the byte before ``start`` is not a newline, the last run read a last
    line that had none; the ``\n`` (or ``\r\n``) written after it since then
    ends that line and is not a blank line of its own.
    """
    if start == 0:
        return start
    fh.seek(start - 1)
    around = fh.read(3)
    if around[:1] == b"\n":
        return start
    if around[1:3] == b"\r\n":
        return start + 2
    return start + 1 if around[1:2] == b"\n" else start


def _complete_end(fh, start: int, size: int) -> int:
    """Offset just past the last newline in [start, size), or ``start`` if there is none."""
    pos = size
    block = 1 << 16
    while pos > start:
        lo = max(start, pos - block)
        fh.seek(lo)
        buf = fh.read(pos - lo)
        i = buf.rfind(b"\n")
        if i >= 0:
            return lo + i + 1
        pos = lo
    return start


def plan_chunks(
    files: list[str], state: dict[str, tuple], max_line_bytes: int = MAX_LINE_BYTES
) -> tuple[list[_Chunk], int]:
    """New complete-line byte ranges of ``files`` given the stored state; also counts deferred torn tails.

    A range ends at the last newline, or at the end of the file when the last
    line has no newline but is a whole object (:func:`whole_object`, at most
    ``max_line_bytes`` long); a torn last line is left for a later run.
    """
    chunks: list[_Chunk] = []
    torn = 0
    for name in files:
        try:
            st = os.stat(name)
        except OSError:
            continue
        prev = state.get(name)
        if prev is not None:
            size0, mtime0, inode0, offset0 = prev
            if size0 == st.st_size and mtime0 == st.st_mtime and inode0 == st.st_ino:
                continue
            start = offset0 if (inode0 == st.st_ino and st.st_size >= offset0) else 0
        else:
            start = 0
        path = Path(name)
        project_dir = project_dir_name(path)
        try:
            with path.open("rb") as fh:
                start = _past_line_end(fh, start)
                end = _complete_end(fh, start, st.st_size) if st.st_size > start else start
                if end < st.st_size:
                    fh.seek(end)
                    if st.st_size - end <= max_line_bytes and whole_object(fh.read(st.st_size - end)):
                        end = st.st_size
                    else:
                        torn += 1
        except OSError:
            continue
        chunks.append(
            _Chunk(len(chunks) + 1, path, start, end, st.st_size, st.st_mtime, st.st_ino, project_dir)
        )
    return chunks, torn


def _scratch_dir() -> str | None:
    """Where to build the staging directory: RAM-backed /dev/shm when usable (creating
    thousands of links there is ~100x faster than on some disks), else the system temp dir."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


def _stage_embedded(
    chunks: list[_Chunk], stage_dir: Path, copy: frozenset[int] = frozenset()
) -> list[_Chunk]:
    """Link whole settled files and copy new tails into ``stage_dir`` as ``<file_id>.jsonl``.

    Chunks whose ``file_id`` is in ``copy`` are always copied. A file that
    vanished since planning is left out. Returns the linked chunks.
    """
    now = time.time()
    linked = []
    for c in chunks:
        target = stage_dir / f"{c.file_id}.jsonl"
        if c.file_id not in copy and c.start == 0 and c.end == c.size and now - c.mtime > LIVE_SECONDS:
            target.symlink_to(c.path)
            linked.append(c)
            continue
        try:
            src = c.path.open("rb")
        except OSError:
            continue
        with src, target.open("wb") as dst:
            src.seek(c.start)
            remaining = c.end - c.start
            while remaining > 0:
                buf = src.read(min(remaining, 1 << 22))
                if not buf:
                    break
                dst.write(buf)
                remaining -= len(buf)
    return linked


def _moved(c: _Chunk) -> bool:
    """Whether the file of ``c`` changed since it was planned (appended, replaced or removed)."""
    try:
        st = c.path.stat()
    except OSError:
        return True
    return (st.st_size, st.st_mtime, st.st_ino) != (c.size, c.mtime, c.inode)


def _read_embedded(store, chunks: list[_Chunk]) -> None:
    """Stage ``chunks`` and read them into ``ingest_stage``.

    A linked file is read whole by the engine, so one that changed while it
    was staged may have given more than its planned bytes (a line appended
    meanwhile, perhaps torn). The stage is then read again with such files
    copied (their planned bytes only); each retry copies at least one more
    file, so it ends.
    """
    copy: frozenset[int] = frozenset()
    while True:
        stage_dir = Path(tempfile.mkdtemp(prefix="cc-ingest-", dir=_scratch_dir()))
        try:
            linked = _stage_embedded(chunks, stage_dir, copy)
            store.command("ingest_stage_files", pattern=str(stage_dir / "*.jsonl"))
        finally:
            shutil.rmtree(stage_dir, ignore_errors=True)
        moved = {c.file_id for c in linked if _moved(c)}
        if not moved:
            return
        store.truncate("ingest_stage")
        copy |= moved


def _stage_server(store, chunks: list[_Chunk], batch_bytes: int = 32 << 20) -> None:
    """Send new complete lines to the server's stage table in batches."""
    rows: list[list] = []
    size = 0
    for c in chunks:
        with c.path.open("rb") as fh:
            fh.seek(c.start)
            data = fh.read(c.end - c.start)
        lines = data.split(b"\n")
        if data.endswith(b"\n"):
            lines.pop()
        for i, line in enumerate(lines):
            rows.append([c.file_id, i, line])
            size += len(line)
            if size >= batch_bytes:
                store.insert_rows("ingest_stage", rows, ["file_id", "line_no", "line"])
                rows, size = [], 0
    if rows:
        store.insert_rows("ingest_stage", rows, ["file_id", "line_no", "line"])


def _clear_stage(store) -> None:
    for table in sorted(STAGE_TABLES):
        store.truncate(table)


def ingest_jsonl(
    store,
    paths: list[Path] | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
    progress=None,
    rebuild: bool = False,
) -> IngestReport:
    """Ingest new lines of the transcripts under ``paths`` (default: discovered roots).

    Parameters
    ----------
    store : analytics.store.Store
    paths : list of directories or files, optional
    max_line_bytes : int
        Lines longer than this are skipped as ``too_large``.
    progress : callable(done_bytes, total_bytes), optional
    rebuild : bool
        Read every file from its first byte, as if none had been read: lines
        whose events the store holds replace them (same totals), events the
        store lost come back (``ingest --rebuild``).

    Returns
    -------
    IngestReport
    """
    t0 = time.perf_counter()
    report = IngestReport()
    files = discover_files(paths if paths is not None else discover_roots())
    report.files_seen = len(files)
    state = (
        {}
        if rebuild
        else {p: (s, m, i, o) for p, s, m, i, o in store.rows("ingest_file_state", kind="jsonl")}
    )
    chunks, report.torn_lines_deferred = plan_chunks(files, state, max_line_bytes)
    work = [c for c in chunks if c.end > c.start]
    report.files_read = len(work)
    report.bytes_read = sum(c.end - c.start for c in work)
    if work:
        _clear_stage(store)
        if store.kind == "embedded":
            _read_embedded(store, work)
        else:
            _stage_server(store, work)
        store.command("ingest_parse", max_line=max_line_bytes)
        stage_outcome_blocks(store)
        _parse_deep_lines(store, max_line_bytes)
        if progress:
            progress(report.bytes_read // 2, report.bytes_read)
        _count_lines(store, report)
        _place_projects(store, work)
        refresh_prices(store, [m for (m,) in store.rows("ingest_models")])
        store.command("ingest_tool_uses")
        for name in EVENT_QUERIES:
            store.command(name, **_event_params(name))
        store.command("ingest_transcript_lines")
        commit_outcomes(store)
        _count_events(store, report)
        _commit(store, replacing=report.dedup["already_in_store"] > 0)
        commit_active_time(store)
        _clear_stage(store)
    if chunks:
        store.insert_rows(
            "ingest_files",
            [[str(c.path), "jsonl", c.size, c.mtime, c.inode, c.end] for c in chunks],
            ["path", "kind", "size", "mtime", "inode", "offset"],
        )
    if progress:
        progress(report.bytes_read, report.bytes_read)
    report.seconds = round(time.perf_counter() - t0, 4)
    if work:
        record_run(store, "jsonl", report.to_dict(), t0)
    return report


def _event_params(query: str) -> dict[str, int]:
    """The bound values of one of :data:`EVENT_QUERIES`: the parse format and the duration bound it applies."""
    bounds = {"ingest_api_requests": REQUEST_DURATION_MAX_MS, "ingest_tool_results": TOOL_DURATION_MAX_MS}
    return {"format": PARSE_FORMAT} | ({"max_ms": bounds[query]} if query in bounds else {})


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def flatten_deep(line: str, max_depth: int = MAX_JSON_DEPTH) -> str:
    """``line`` with every value nested deeper than ``max_depth`` levels replaced by ``null``.

    The top-level object is level 1. Strings are skipped whole, so brackets
    inside them do not count. A line no deeper than ``max_depth`` comes back
    unchanged.
    """
    out: list[str] = []
    depth = 0
    copied = 0
    cut = -1
    for m in _JSON_TOKEN.finditer(line):
        c = m.group()[0]
        if c in "[{":
            depth += 1
            if depth == max_depth + 1 and cut < 0:
                cut = m.start()
        elif c in "]}":
            if depth == max_depth + 1 and cut >= 0:
                out += [line[copied:cut], "null"]
                copied, cut = m.end(), -1
            depth -= 1
    if not out:
        return line
    out.append(line[copied:])
    return "".join(out)


def _parse_deep_lines(store, max_line_bytes: int) -> None:
    """Parse again, flattened (:func:`flatten_deep`), the malformed lines that were only too deep."""
    flattened = [
        [file_id, line_no, flat]
        for file_id, line_no, line in store.rows("ingest_malformed_lines", depth=MAX_JSON_DEPTH)
        if (flat := flatten_deep(line)) != line
    ]
    if not flattened:
        return
    store.truncate("ingest_stage")
    store.insert_rows("ingest_stage", flattened, ["file_id", "line_no", "line"])
    store.command("ingest_drop_reparsed")
    store.command("ingest_parse", max_line=max_line_bytes)


def _place_projects(store, chunks: list[_Chunk]) -> None:
    """Decide each file's project and repository (``ingest_chunks``) and remember new ones (``project_dirs``)."""
    dir_of = {c.file_id: c.project_dir for c in chunks}
    first_cwds: dict[str, dict[str, tuple]] = {}
    for file_id, session_id, first_ts, cwd in store.rows("ingest_session_cwds"):
        sessions = first_cwds.setdefault(dir_of.get(file_id, ""), {})
        if session_id not in sessions or (first_ts, cwd) < sessions[session_id]:
            sessions[session_id] = (first_ts, cwd)
    names = sorted(set(dir_of.values()))
    stored = {
        name: ProjectDir(path, bool(exact), repository)
        for name, path, exact, repository in store.rows("ingest_project_dirs", dirs=names)
    }
    placed = {
        name: place_project_dir(name, first_cwds.get(name, {}).values(), stored.get(name)) for name in names
    }
    changed = [
        [name, d.path, int(d.exact), d.repository] for name, d in placed.items() if stored.get(name) != d
    ]
    if changed:
        store.insert_rows("project_dirs", changed, ["dir", "path", "exact", "repository"])
    store.insert_rows(
        "ingest_chunks",
        [[file_id, placed[name].path, placed[name].repository] for file_id, name in dir_of.items()],
        ["file_id", "project", "repository"],
    )


def _commit(store, replacing: bool) -> None:
    """Append the run's events; swap in replacements so no reader sees an event missing or twice; then
    recompute the hourly totals of the hours the run changed (:mod:`analytics.rollups`)."""
    now = datetime.now(UTC)
    run = now.replace(microsecond=now.microsecond // 1000 * 1000)  # the column's millisecond, exactly
    if replacing:
        store.command("ingest_replaced")
        replacing = store.count_rows("ingest_replaced") > 0
    rollups.note_ingest(store)
    store.command("ingest_commit", run=run)
    if replacing:
        store.command("ingest_swap", run=run)
        store.command("ingest_drop_replaced")
    rollups.refresh_noted(store)


def _count_lines(store, report: IngestReport) -> None:
    for reason, _type, n in store.rows("ingest_line_verdicts"):
        report.lines += n
        if reason == "":
            continue
        bucket = report.ignored if reason in IGNORED else report.skipped
        key = f"{reason}:{_type}" if reason == "metadata" else reason
        bucket[key] = bucket.get(key, 0) + n
    lines, responses, replays = store.rows("ingest_dedup_counts")[0]
    report.dedup = {
        "duplicate_content_block": int(lines - responses - replays),
        "sidechain_replay": int(replays),
    }


def _count_events(store, report: IngestReport) -> None:
    already = 0
    for event, n, stored, unpriced in store.rows("ingest_event_counts"):
        report.events[event] = int(n)
        report.new_events[event] = int(n - stored)
        already += int(stored)
        report.unpriced_requests += int(unpriced)
    report.dedup["already_in_store"] = already
    report.unpriced_models = [m for (m,) in store.rows("ingest_unpriced_models")]


def record_run(store, kind: str, report: dict, t0: float) -> None:
    """Append one row to ``ingest_runs`` (shown by ``status`` and the app) and record the row counts
    the integrity check compares with (:func:`analytics.integrity.checkpoint`)."""
    import json

    started = time.time() - (time.perf_counter() - t0)
    store.command("ingest_record_run", started_ms=int(started * 1000), kind=kind, report=json.dumps(report))
    checkpoint(store)
