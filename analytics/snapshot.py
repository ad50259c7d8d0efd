"""Read-only snapshots: a fresh embedded store holding a copy of the telemetry, to share without a server.

A snapshot is a chDB directory made by this package's own schema and filled
with the rows of :data:`SNAPSHOT_TABLES`. It is written through the engine
(each table streamed out as Parquet, then read back with ``file()``), never by
copying a live directory, so it is consistent even when the source is a
ClickHouse server. Open it with ``ANALYTICS_DB=<dir>`` and ``ANALYTICS_HOSTED=1``
(read-only, see ``README.md``, "Hosting for a team").

One process can hold only one chDB directory: :func:`write_snapshot` closes
the source store before it opens the new directory.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from analytics import rollups
from analytics.integrity import checkpoint
from analytics.store import COLUMN_NAME, Store, StoreError

SNAPSHOT_TABLES = (
    "events",
    "otel_logs",
    "otel_metrics_sum",
    "outcomes",
    "prices",
    "tool_uses",
    "ingest_runs",
)
"""The tables a snapshot copies: the data (events, OpenTelemetry logs and metrics, outcomes), the price
book and the ingest history (no ingest state; the hourly totals are rebuilt from the copy)."""


@dataclass(frozen=True)
class SnapshotReport:
    """What :func:`write_snapshot` wrote: ``rows`` per table, the directory, its size and the time taken."""

    path: str
    source: str
    rows: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    seconds: float = 0.0


def _columns(store: Store, table: str) -> list[str]:
    names = [r[0] for r in store.rows("snapshot_columns", table=table)]
    bad = [n for n in names if not COLUMN_NAME.fullmatch(n)]
    if bad:
        raise StoreError(f"table {table} has column names this snapshot cannot copy: {bad}")
    return names


def _dump(store: Store, table: str, out: Path) -> tuple[list[str], int]:
    """Stream ``table`` to ``out`` as Parquet through the engine; (its columns, its row count)."""
    if table not in SNAPSHOT_TABLES:
        raise ValueError(f"not a snapshot table: {table!r}")
    columns = _columns(store, table)
    store.write_table(table, columns, out, "Parquet")
    return columns, store.count_rows(table)


def _load(store: Store, table: str, source_columns: list[str], parquet: Path) -> int:
    """Insert the Parquet file into ``table`` by column name; returns the table's row count."""
    wanted = set(source_columns)
    columns = [c for c in _columns(store, table) if c in wanted]
    store.insert_parquet(table, columns, parquet)
    return store.count_rows(table)


def _size(path: Path) -> int:
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def write_snapshot(
    source: Store,
    out: str | Path,
    open_store: Callable[[Path], Store] = Store.open_embedded,
) -> SnapshotReport:
    """Copy the telemetry of ``source`` into a new embedded store at ``out``.

    Parameters
    ----------
    source : Store
        Any store (embedded or server). It is **closed** before ``out`` is
        opened, because a process can hold only one chDB directory.
    out : path
        A directory that does not exist yet, or an empty one.
    open_store : callable
        Opens the new directory (tests may pass their own).

    Returns
    -------
    SnapshotReport
        Rows per table of :data:`SNAPSHOT_TABLES` (tables the source lacks are
        skipped, an ``otel_logs`` of another exporter version is copied by
        column name), the size on disk (bytes, symlinks not followed) and the
        seconds taken.

    Raises
    ------
    StoreError
        ``out`` is not empty, or a table's row count differs after the copy.
    """
    started = time.perf_counter()
    out = Path(out).expanduser().resolve()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise StoreError(f"{out} already exists and is not an empty directory: pick a new one.")
    existed = out.exists()
    staging = Path(tempfile.mkdtemp(prefix="cc-snapshot-"))
    dumped: dict[str, tuple[list[str], int]] = {}
    rows: dict[str, int] = {}
    try:
        for table in SNAPSHOT_TABLES:
            if source.table_exists(table):
                dumped[table] = _dump(source, table, staging / f"{table}.parquet")
        where = f"{source.kind} {source.location}"
        source.close()
        dest = open_store(out)
        try:
            dest.ensure_schema()
            for table, (columns, expected) in dumped.items():
                got = _load(dest, table, columns, staging / f"{table}.parquet") if expected else 0
                if got != expected:
                    raise StoreError(f"snapshot of {table}: {got} rows written, {expected} expected")
                rows[table] = got
            taken = datetime.now(UTC).isoformat(timespec="seconds")
            for key, value in (("snapshot_of", where), ("snapshot_taken", taken)):
                dest.command("snapshot_meta", key=key, value=value)
            rollups.rebuild(dest)  # the hourly totals of what was copied (the source's are not copied)
            checkpoint(dest)  # a snapshot damaged later is reported like any store
        finally:
            dest.close()
    except BaseException:
        if out.is_dir():  # no half-written snapshot is left behind
            shutil.rmtree(out, ignore_errors=True)
            if existed:
                out.mkdir()
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return SnapshotReport(
        path=str(out), source=where, rows=rows, bytes=_size(out), seconds=time.perf_counter() - started
    )
