"""Is the store whole? A damaged store is said so everywhere, never read as an empty one.

When the engine finds a damaged part on start (a data file cut short, a
checksum mismatch) it moves the part aside into the table's ``detached/``
directory and opens the table without its rows. Nothing else would notice:
the store looks empty or short, and the ingest bookkeeping still lists every
transcript as read. Two checks catch it:

- **damaged parts**: ``system.detached_parts`` rows whose reason is damage
  (``broken…``, ``unexpected``, ``covered-by-broken``, ``noquorum``);
- **missing rows**: each ingest, import or demo run records the row count of
  ``events`` (and, embedded, of ``otel_logs``) in ``meta``; fewer rows on a
  later open means rows were lost. Counts only grow between runs (a
  replacement appends its row before it removes the old one), so a crash
  mid-run never looks like a loss. On a server the collector owns
  ``otel_logs`` (and may expire rows), so only ``events`` is counted there.

``ingest --rebuild`` (:func:`rebuild_paths`, :func:`acknowledge`) re-reads
every transcript from its first byte: rows already stored are recognised by
their ids (the totals do not change), lost ones come back. Rows that came
from OpenTelemetry imports or the demo are never touched, and what a damaged
``otel_logs`` part held cannot be re-read from transcripts: the rebuild says
so. Damaged parts stay in ``detached/`` (nothing is deleted); a rebuild marks
them as dealt with (``ack:`` in ``meta``) so they are reported once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from analytics.store import Store, StoreError

REBUILD_HINT = "run `python -m analytics ingest --rebuild` to re-read every transcript into it"
"""What to do about a damaged store, in every message that reports one."""


class StoreDamaged(StoreError):
    """The store lost data (:func:`check`); the message is :func:`summary`'s, without paths."""


@dataclass(frozen=True)
class Damage:
    """One finding: the ``table`` it concerns and what is wrong, in words without paths."""

    table: str
    detail: str
    part: str = ""

    def to_dict(self) -> dict:
        return {"table": self.table, "detail": self.detail, "part": self.part}


def _counted_tables(store: Store) -> tuple[str, ...]:
    return ("events", "otel_logs") if store.kind == "embedded" else ("events",)


def _recorded(store: Store) -> dict[str, str]:
    return dict(store.rows("integrity_recorded"))


def recorded_counts(store: Store, recorded: dict[str, str] | None = None) -> dict[str, int]:
    """The row counts the last committed run recorded, by table (only the tables :func:`check` counts).

    ``recorded``: the ``meta`` marks when the caller has read them already.
    """
    counted = _counted_tables(store)
    marks = _recorded(store) if recorded is None else recorded
    return {k[5:]: int(v) for k, v in marks.items() if k.startswith("rows:") and k[5:] in counted}


def _damaged_parts(store: Store) -> list[tuple[str, str, str]]:
    try:
        return store.rows("integrity_damaged_parts")
    except StoreError:
        if store.kind == "embedded":
            raise
        return []  # a server user without access to system.detached_parts: the row counts still check


def check(store: Store) -> list[Damage]:
    """Everything wrong with the store's data, empty when it is whole (a few milliseconds)."""
    recorded = _recorded(store)
    found = [
        Damage(table, f"a part of `{table}` was set aside by the engine as damaged ({reason})", name)
        for table, name, reason in _damaged_parts(store)
        if f"ack:{table}/{name}" not in recorded
    ]
    expected = recorded_counts(store, recorded)
    for table, rows in row_counts(store).items():
        if table in expected and rows < expected[table]:
            found.append(Damage(table, shortfall(table, rows, expected[table])))
    return found


def shortfall(table: str, rows: int, expected: int) -> str:
    return (
        f"`{table}` holds {rows:,} rows, {expected - rows:,} fewer than after the last ingest ({expected:,})"
    )


def summary(damage: list[Damage]) -> str:
    """One line for a damaged store: what is wrong and what to do."""
    return f"The store is damaged: {'; '.join(d.detail for d in damage)}. To recover, {REBUILD_HINT}."


def ensure_whole(store: Store) -> None:
    """Raise :class:`StoreDamaged` when :func:`check` finds anything."""
    damage = check(store)
    if damage:
        raise StoreDamaged(summary(damage))


def row_counts(store: Store) -> dict[str, int]:
    """Rows of each checked table now (``events``, ``otel_logs``)."""
    return {table: int(rows) for table, rows in store.rows("integrity_counts")}


def checkpoint(store: Store) -> None:
    """Record the row counts the next :func:`check` compares with (after every committed run)."""
    if store.readonly:
        return
    store.insert_rows("meta", [[f"rows:{t}", str(n)] for t, n in row_counts(store).items()], ["key", "value"])


def acknowledge(store: Store, damage: list[Damage]) -> None:
    """After a rebuild: mark the damaged parts as dealt with and record the counts the store has now."""
    marks = [[f"ack:{d.table}/{d.part}", "rebuilt"] for d in damage if d.part]
    if marks:
        store.insert_rows("meta", marks, ["key", "value"])
    checkpoint(store)


def never_used(store: Store) -> bool:
    """The store is empty or holds only demo data, and is whole: the only kind the demo may fill."""
    return not store.rows("integrity_used")[0][0] and not check(store)


def rebuild_paths(store: Store) -> tuple[list[Path], list[str]]:
    """The transcript files earlier runs read that still exist, and those that are gone."""
    paths = [Path(p) for (p,) in store.rows("integrity_ingested_files")]
    return [p for p in paths if p.exists()], [str(p) for p in paths if not p.exists()]
