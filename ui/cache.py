"""Cached loaders: every page reads the store through :func:`load`.

A call ``load(fn, filters, **kwargs)`` runs ``fn(store, filters, **kwargs)``
once and keeps its result (``st.cache_data``: a ttl and a bounded number of
entries), keyed by plain values: the function's name, the filters, the
arguments, the store and the data generation (bumped by :func:`invalidate`
when new data arrives). Cached functions never render; never mutate what they
return.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import streamlit as st

from analytics.filters import Filters
from analytics.store import StoreError
from ui.connection import get_store, show_failure

TTL = 600
MAX_ENTRIES = 256
_GLOBAL_GENERATION = [0]


def _generation() -> int:
    return st.session_state.get("_data_generation", 0) + _GLOBAL_GENERATION[0]


@st.cache_data(ttl=TTL, max_entries=MAX_ENTRIES, show_spinner=False)
def _cached(
    _fn: Callable, name: str, store_key: str, generation: int, filters: Filters | None, kwargs: tuple
):
    args = dict(kwargs)
    store = get_store()
    result = _fn(store, filters, **args) if filters is not None else _fn(store, **args)
    store.release_memory()  # only after a cache miss: the queries that just ran
    return result


def _arguments(fn: Callable, filters: Filters | None, kwargs: dict) -> tuple:
    """What :func:`_cached` takes for ``fn(store, filters, **kwargs)``: its cache key and the function."""
    store = get_store()
    name = f"{fn.__module__}.{fn.__qualname__}"
    return fn, name, f"{store.kind}:{store.location}", _generation(), filters, tuple(sorted(kwargs.items()))


def load(fn: Callable, filters: Filters | None = None, **kwargs) -> Any:
    """``fn(store, filters, **kwargs)`` (``fn(store, **kwargs)`` without filters) through the cache.

    A query failing after the store opened is a message and a stopped page, not a traceback.
    """
    try:
        return _cached(*_arguments(fn, filters, kwargs))
    except StoreError as exc:
        show_failure("A query of the telemetry store failed", exc)
        st.info("The page shows again as soon as the store answers; reload it to retry.")
        st.stop()


def prefetch(*calls: tuple[Callable, Filters | None, dict]) -> None:
    """Start ``load(fn, filters, **kwargs)`` for each ``(fn, filters, kwargs)`` in one background thread.

    A page names loads it is about to make, in the order it makes them, so the engine answers them
    beside the page's own: the thread takes them last first while the page takes them first to last,
    two at a time, not more (each holds its own working memory). The page's :func:`load` of each
    finds the frame cached, or waits for the computation under way (the cache computes a key once
    at a time). A failure is left for that :func:`load` to report.
    """
    from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

    def run(arguments: list[tuple]) -> None:
        for args in reversed(arguments):
            try:
                _cached(*args)
            except Exception:  # noqa: BLE001 - the page's own load reports it
                pass

    thread = threading.Thread(
        target=run, args=([_arguments(fn, filters, kwargs) for fn, filters, kwargs in calls],), daemon=True
    )
    add_script_run_ctx(thread, get_script_run_ctx())
    thread.start()


def invalidate() -> None:
    """New data arrived: every cached frame is stale."""
    _GLOBAL_GENERATION[0] += 1
    st.cache_data.clear()
