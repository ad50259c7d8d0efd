"""Data access for pages: the store (``st.cache_resource``) and cached loaders (``st.cache_data``).

Every loader call goes through :func:`load`, keyed by plain values (function
path, filters, arguments, store identity and data generation), with a ttl and
a bounded number of entries. Cached functions never render.

Who writes: the app process owns the embedded store; it ingests new transcript
lines itself (first run, Refresh, auto-refresh). A CLI ingest started while
the app runs stops with a message pointing here (see analytics.store).
"""

from __future__ import annotations

import importlib
import os
import threading
from dataclasses import dataclass
from datetime import date, datetime

import streamlit as st

from analytics.filters import Filters
from analytics.store import Store, StoreError

TTL = 600
MAX_ENTRIES = 256
_ingest_lock = threading.RLock()


def hosted() -> bool:
    """Read-only hosted mode (``ANALYTICS_HOSTED=1``): no ingest, demo or delete actions."""
    return os.environ.get("ANALYTICS_HOSTED", "").lower() in ("1", "true", "yes")


@st.cache_resource(show_spinner=False)
def get_store() -> Store:
    """The process-wide store (embedded chDB or server), schema ensured once."""
    store = Store.from_env(readonly=hosted())
    store.ensure_schema()
    return store


def store_or_stop() -> Store:
    """The store, or a clear error (with the configuration hint) and a stopped page."""
    try:
        return get_store()
    except StoreError as exc:
        st.error(f"The telemetry store is unreachable: {exc}")
        st.info(
            "Point the app at a store with `ANALYTICS_DB=/path/to/dir` (embedded) or a ClickHouse server in "
            "`.streamlit/secrets.toml` under `[connections.telemetry]` (see `.streamlit/secrets.toml.example`)."
        )
        st.stop()


def _generation() -> int:
    return st.session_state.get("_data_generation", 0) + _GLOBAL_GENERATION[0]


_GLOBAL_GENERATION = [0]


@st.cache_data(ttl=TTL, max_entries=MAX_ENTRIES, show_spinner=False)
def _cached(path: str, store_key: str, generation: int, filters: Filters | None, kwargs: tuple):
    module, name = path.rsplit(".", 1)
    fn = getattr(importlib.import_module(module), name)
    args = dict(kwargs)
    store = get_store()
    return fn(store, filters, **args) if filters is not None else fn(store, **args)


def load(fn, filters: Filters | None = None, **kwargs):
    """Call ``fn(store, filters, **kwargs)`` through the cache. Do not mutate what it returns."""
    store = get_store()
    key = f"{store.kind}:{store.location}"
    return _cached(f"{fn.__module__}.{fn.__qualname__}", key, _generation(), filters, tuple(sorted(kwargs.items())))


@dataclass(frozen=True)
class DataState:
    """What data the app shows: events in the store, their date range and sources."""

    events: int
    first: date | None
    last: date | None
    sources: tuple[str, ...]


def data_state(tz: str) -> DataState:
    from analytics.overview import load_data_bounds

    df = load(load_data_bounds, None, tz=tz)
    if df.empty or int(df["events"].sum()) == 0:
        return DataState(0, None, None, ())
    first, last = df["first_day"].min(), df["last_day"].max()
    return DataState(
        int(df["events"].sum()),
        first.date() if isinstance(first, datetime) else first,  # pandas gives Timestamps: dates, as documented
        last.date() if isinstance(last, datetime) else last,
        tuple(sorted(df["source"].unique())),
    )


def invalidate() -> None:
    """New data arrived: every cached frame is stale."""
    _GLOBAL_GENERATION[0] += 1
    st.cache_data.clear()


def refresh_transcripts() -> dict | None:
    """Incremental ingest of the discovered Claude Code directories (one at a time per process)."""
    if hosted():
        return None
    from analytics.ingest.jsonl import discover_roots, ingest_jsonl

    roots = discover_roots()
    if not roots:
        return None
    with _ingest_lock:
        report = ingest_jsonl(get_store(), roots)
    if report.files_read:
        invalidate()
    return report.to_dict()


def first_run() -> str | None:
    """On an empty store: ingest ~/.claude/projects when present, else load the demo data.

    Disabled in hosted mode and with ``ANALYTICS_AUTOLOAD=0``. Returns what was done.
    """
    if hosted() or os.environ.get("ANALYTICS_AUTOLOAD", "1") == "0":
        return None
    store = get_store()
    if store.rows_sql("SELECT count() FROM telemetry")[0][0]:
        return None
    with _ingest_lock:
        if store.rows_sql("SELECT count() FROM telemetry")[0][0]:
            return None
        report = refresh_transcripts() if _transcripts_present() else None
        if report and sum(report["events"].values()):
            done = "transcripts"
        else:
            from analytics.ingest.demo import load_demo

            load_demo(store)
            done = "demo"
    invalidate()
    return done


def _transcripts_present() -> bool:
    from analytics.ingest.jsonl import discover_roots

    return bool(discover_roots())
