"""Incremental, idempotent ingest of Claude Code JSONL transcripts.

Python only finds files and decides which bytes are new; ClickHouse parses.

* Discovery: ``~/.claude/projects``, ``~/.config/claude/projects`` and every
  ``CLAUDE_CONFIG_DIR`` entry (comma-separated, each with ``projects/``); under
  each root every ``*.jsonl``: session files, ``<session>/subagents/agent-*.jsonl``
  and older project-level ``agent-*.jsonl``.
* Incremental: per file the store remembers (size, mtime, inode, offset of the
  end of the last complete line). A later run reads only complete lines past
  that offset; a torn last line is left for the next run. A file that shrank or
  was replaced is read again from the start.
* Idempotent: event ids come from content (message id, tool_use id, line
  uuid); a run replaces a stored event only by a higher version of it and adds
  at most one row per id, so reading a line twice, or one file under two
  paths, changes no total.
* Robust: every line gets a verdict; unusable lines are counted by reason in the
  :class:`IngestReport` and skipped; the rest of the file still ingests.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from analytics.ingest.prices import refresh_prices
from analytics.store import STAGE_TABLES

MAX_LINE_BYTES = 64 * 1024 * 1024
LIVE_SECONDS = 2.0
"""Files modified this recently may still be growing: their new bytes are copied, never linked."""
IGNORED = ("metadata", "synthetic_message")
"""Verdicts for lines that are valid but carry no event (summaries, snapshots, ...)."""
EVENT_QUERIES = ("ingest_api_requests", "ingest_api_errors", "ingest_tool_results", "ingest_user_prompts")


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


def discover_files(paths: list[Path]) -> list[Path]:
    """Every ``*.jsonl`` file under ``paths`` (a path may also be a file)."""
    found: list[Path] = []
    for p in paths:
        p = Path(p).expanduser()
        if p.is_file():
            found.append(p.resolve())
        elif p.is_dir():
            for dirpath, _dirs, files in os.walk(p, followlinks=True):
                found.extend(Path(dirpath, f).resolve() for f in files if f.endswith(".jsonl"))
    return sorted(set(found))


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


def plan_chunks(files: list[Path], state: dict[str, tuple]) -> tuple[list[_Chunk], int]:
    """New complete-line byte ranges of ``files`` given the stored state; also counts deferred torn tails."""
    chunks: list[_Chunk] = []
    torn = 0
    for path in files:
        try:
            st = path.stat()
        except OSError:
            continue
        prev = state.get(str(path))
        if prev is not None:
            size0, mtime0, inode0, offset0 = prev
            if size0 == st.st_size and mtime0 == st.st_mtime and inode0 == st.st_ino:
                continue
            start = offset0 if (inode0 == st.st_ino and st.st_size >= offset0) else 0
        else:
            start = 0
        if st.st_size == start:
            chunks.append(_Chunk(len(chunks) + 1, path, start, start, st.st_size, st.st_mtime, st.st_ino))
            continue
        try:
            with path.open("rb") as fh:
                end = _complete_end(fh, start, st.st_size)
        except OSError:
            continue
        torn += end < st.st_size
        chunks.append(_Chunk(len(chunks) + 1, path, start, end, st.st_size, st.st_mtime, st.st_ino))
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
        for i, line in enumerate(data.split(b"\n")[:-1]):
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
    store, paths: list[Path] | None = None, max_line_bytes: int = MAX_LINE_BYTES, progress=None
) -> IngestReport:
    """Ingest new lines of the transcripts under ``paths`` (default: discovered roots).

    Parameters
    ----------
    store : analytics.store.Store
    paths : list of directories or files, optional
    max_line_bytes : int
        Lines longer than this are skipped as ``too_large``.
    progress : callable(done_bytes, total_bytes), optional

    Returns
    -------
    IngestReport
    """
    t0 = time.perf_counter()
    report = IngestReport()
    files = discover_files(paths if paths is not None else discover_roots())
    report.files_seen = len(files)
    state = {p: (s, m, i, o) for p, s, m, i, o in store.rows("ingest_file_state", kind="jsonl")}
    chunks, report.torn_lines_deferred = plan_chunks(files, state)
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
        if progress:
            progress(report.bytes_read // 2, report.bytes_read)
        _count_lines(store, report)
        refresh_prices(store, [m for (m,) in store.rows("ingest_models")])
        store.command("ingest_tool_uses")
        for name in EVENT_QUERIES:
            store.command(name)
        _count_events(store, report)
        _commit(store, replacing=report.dedup["already_in_store"] > 0)
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


def _commit(store, replacing: bool) -> None:
    """Append the run's events; swap in replacements so no reader sees an event missing or twice."""
    now = datetime.now(UTC)
    run = now.replace(microsecond=now.microsecond // 1000 * 1000)  # the column's millisecond, exactly
    if replacing:
        store.command("ingest_replaced")
        replacing = store.count_rows("ingest_replaced") > 0
    store.command("ingest_commit", run=run)
    if replacing:
        store.command("ingest_swap", run=run)
        store.command("ingest_drop_replaced")


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
    """Append one row to ``ingest_runs`` (shown by ``status`` and the app)."""
    import json

    started = time.time() - (time.perf_counter() - t0)
    store.command("ingest_record_run", started_ms=int(started * 1000), kind=kind, report=json.dumps(report))
