"""New data: the first run on an empty store, the sidebar's Refresh and auto-refresh.

The app process owns the embedded store and reads new transcript lines
itself, one ingest at a time per process. A hosted view ingests nothing.
"""

from __future__ import annotations

import os
import threading

import streamlit as st

from analytics.ingest.jsonl import discover_roots, ingest_jsonl
from analytics.store import StoreError
from ui import access, cache
from ui.connection import get_store

_ingest_lock = threading.RLock()


def refresh_transcripts() -> dict | None:
    """Incremental ingest of the discovered Claude Code directories; None when hosted or none is found."""
    if access.hosted():
        return None
    roots = discover_roots()
    if not roots:
        return None
    with _ingest_lock:
        report = ingest_jsonl(get_store(), roots)
    if report.files_read:
        cache.invalidate()
    return report.to_dict()


def refresh_or_warn() -> dict | None:
    """:func:`refresh_transcripts` for the sidebar: a failed ingest is a message, the page stays."""
    try:
        return refresh_transcripts()
    except StoreError as exc:
        st.error(f"Reading new transcript lines failed: {exc}")
        return None


def _empty(store) -> bool:
    return not store.rows("telemetry_count")[0][0]


def first_run() -> str | None:
    """On an empty store: ingest ~/.claude/projects when present, else load the demo data.

    Disabled in hosted mode and with ``ANALYTICS_AUTOLOAD=0``. Returns what was
    done: "transcripts", "demo" or None.
    """
    if access.hosted() or os.environ.get("ANALYTICS_AUTOLOAD", "1") == "0":
        return None
    store = get_store()
    if not _empty(store):
        return None
    with _ingest_lock:
        if not _empty(store):
            return None
        report = refresh_transcripts() if discover_roots() else None
        if report and sum(report["events"].values()):
            done = "transcripts"
        else:
            from analytics.ingest.demo import load_demo  # the demo generator is only needed here

            load_demo(store)
            done = "demo"
    cache.invalidate()
    return done
