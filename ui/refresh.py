"""New data: the first run on an empty store, the sidebar's Refresh and auto-refresh.

The app process owns the embedded store and reads new transcript lines
itself, one ingest at a time per process. A hosted view ingests nothing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

import streamlit as st

from analytics import integrity
from analytics.ingest.jsonl import discover_roots, ingest_jsonl
from analytics.store import StoreError
from ui import access, cache
from ui.connection import get_store

_ingest_lock = threading.RLock()


def refresh_transcripts(progress: Callable[[int, int], None] | None = None) -> dict | None:
    """Incremental ingest of the discovered Claude Code directories; None when hosted or none is found.

    ``progress(done_bytes, total_bytes)`` is called as the ingest goes (see ``ingest_jsonl``).
    """
    if access.hosted():
        return None
    roots = discover_roots()
    if not roots:
        return None
    with _ingest_lock:
        report = ingest_jsonl(get_store(), roots, progress=progress)
    if report.files_read:
        cache.invalidate()
    return report.to_dict()


def _size(n: int) -> str:
    return f"{n / 1e6:,.1f} MB" if n >= 100_000 else f"{n / 1e3:,.0f} KB"


def progress_bar(what: str) -> Callable[[int, int], None]:
    """A progress bar for a long ingest, saying how many MB of ``what`` were read."""
    bar = st.progress(0.0, text=f"Reading {what}…")

    def show(done: int, total: int) -> None:
        bar.progress(
            min(1.0, done / total) if total else 1.0,
            text=f"{what}: {done / 1e6:,.1f} of {total / 1e6:,.1f} MB",
        )

    return show


def refresh_or_warn(progress: Callable[[int, int], None] | None = None) -> dict | None:
    """:func:`refresh_transcripts` for the sidebar: a failed ingest is a message, the page stays."""
    try:
        return refresh_transcripts(progress)
    except StoreError as exc:
        st.error(f"Reading new transcript lines failed: {exc}")
        return None


def _empty(store) -> bool:
    """Nothing to show and nothing ever put in: an ingest that found no events, or data that
    vanished, is not a first run (and never gets demo data)."""
    return not store.rows("telemetry_count")[0][0] and integrity.never_used(store)


def first_run_due() -> bool:
    """The store was never filled and may be: not hosted, and ``ANALYTICS_AUTOLOAD`` is not 0."""
    if access.hosted() or os.environ.get("ANALYTICS_AUTOLOAD", "1") == "0":
        return False
    return _empty(get_store())


def first_run(progress: Callable[[int, int], None] | None = None) -> str | None:
    """On an empty store: ingest ~/.claude/projects when present, else load the demo data.

    Only when :func:`first_run_due`. Returns what was done: "transcripts", "demo" or None.
    """
    if not first_run_due():
        return None
    store = get_store()
    with _ingest_lock:
        if not _empty(store):
            return None
        report = refresh_transcripts(progress) if discover_roots() else None
        if report and sum(report["events"].values()):
            done = "transcripts"
        else:
            from analytics.ingest.demo import load_demo  # the demo generator is only needed here

            load_demo(store)
            done = "demo"
    cache.invalidate()
    return done
