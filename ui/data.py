"""Data access for pages: the store (``st.cache_resource``) and cached loaders (``st.cache_data``).

Every loader call goes through :func:`load`, keyed by plain values (function
path, filters, arguments, store identity and data generation), with a ttl and
a bounded number of entries. Cached functions never render.

Who writes: the app process owns the embedded store; it ingests new transcript
lines itself (first run, Refresh, auto-refresh). A CLI ingest started while
the app runs stops with a message pointing here (see analytics.store).

Hosted view (:func:`hosting`, from the environment and ``st.secrets``; see
``analytics.hosting``): the store is opened read-only and nothing is ingested;
transcript text goes through :func:`redact_text`; with ``per_user`` the
filters are pinned to the signed-in user (:func:`pinned_users`).
"""

from __future__ import annotations

import importlib
import os
import threading
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
import streamlit as st

from analytics import hosting as hosting_rules
from analytics.filters import Filters
from analytics.privacy import TEXT_COLUMNS, redact_frame
from analytics.store import ServerConfig, Store, StoreError

TTL = 600
MAX_ENTRIES = 256
_ingest_lock = threading.RLock()


def secrets() -> dict:
    """``st.secrets`` as a plain dict; empty when no secrets file exists."""
    try:
        return st.secrets.to_dict()
    except FileNotFoundError:  # Streamlit's "no secrets found" error is one
        return {}


def hosting() -> hosting_rules.HostingConfig:
    """How this deployment is shared: hosted, API token, text, per-user view, sign-in."""
    return hosting_rules.hosting_config(os.environ, secrets())


def hosted() -> bool:
    """Read-only hosted mode (``ANALYTICS_HOSTED=1`` or ``hosted = true`` in the secrets):
    no ingest, demo or refresh actions; the store is opened read-only."""
    return hosting().hosted


def text_allowed() -> bool:
    """Transcript text (prompts, tool inputs, error texts) may be shown: not hosted, or ``show_text``."""
    return hosting().text_allowed


def redact_text(df: pd.DataFrame, columns=TEXT_COLUMNS) -> pd.DataFrame:
    """``df`` as it may be shown: its transcript-text ``columns`` hidden unless :func:`text_allowed`.

    Returns a copy when it hides anything; never changes ``df`` (cached frames stay intact).
    """
    return df if text_allowed() else redact_frame(df, columns)


def signed_in() -> bool:
    """A user signed in through ``st.login`` (False when no ``[auth]`` is configured)."""
    return hosting().login and bool(st.user.get("is_logged_in", False))


def signed_in_email() -> str | None:
    """The signed-in user's e-mail, None when nobody is signed in or the provider sent none."""
    return (st.user.get("email") or None) if signed_in() else None


def pinned_users() -> tuple[str, ...] | None:
    """The user filter of a per-user view (see ``analytics.hosting.pinned_users``); None otherwise."""
    return hosting_rules.pinned_users(hosting(), signed_in_email())


def open_store(readonly: bool) -> Store:
    """``Store.from_env``, reading ``[connections.telemetry]`` from ``st.secrets`` as well.

    Streamlit may read secrets from places ``analytics.store.read_secrets`` does
    not (``--secrets.files``, a hosting platform); an embedded ``ANALYTICS_DB``
    or ``CLICKHOUSE_HOST`` still wins, as in ``Store.from_env``.
    """
    conn = secrets().get("connections", {}).get("telemetry")
    from_env = os.environ.get("ANALYTICS_DB") or os.environ.get("CLICKHOUSE_HOST")
    if not from_env and conn and conn.get("host"):
        return Store.open_server(ServerConfig.from_mapping(conn), readonly=readonly)
    return Store.from_env(readonly=readonly)


@st.cache_resource(show_spinner=False)
def get_store() -> Store:
    """The process-wide store (embedded chDB or server), schema ensured once.

    Hosted: opened read-only, so no schema is created (the store must already
    hold it) and every write is refused.
    """
    store = open_store(readonly=hosted())
    store.ensure_schema()
    return store


def store_or_stop() -> Store:
    """The store, or a clear error (with the configuration hint) and a stopped page.

    Where sign-in is configured and nobody is signed in, the sign-in screen
    and a stopped page instead: no page shows data to a signed-out visitor,
    however it was reached.
    """
    if hosting().login and not signed_in():
        from ui.auth import login_screen

        login_screen()
        st.stop()
    try:
        return get_store()
    except StoreError as exc:
        st.error(f"The telemetry store is unreachable: {exc}")
        if hosted():
            st.info(
                "This is a read-only hosted view: it needs an existing store (`ANALYTICS_DB` pointing at a "
                "snapshot made with `python -m analytics snapshot`, or a ClickHouse server with the schema, "
                "under `[connections.telemetry]` in the secrets)."
            )
        else:
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
    result = fn(store, filters, **args) if filters is not None else fn(store, **args)
    store.release_memory()  # only after a cache miss: the queries that just ran
    return result


def load(fn, filters: Filters | None = None, **kwargs):
    """Call ``fn(store, filters, **kwargs)`` through the cache. Do not mutate what it returns."""
    store = get_store()
    key = f"{store.kind}:{store.location}"
    try:
        return _cached(
            f"{fn.__module__}.{fn.__qualname__}", key, _generation(), filters, tuple(sorted(kwargs.items()))
        )
    except StoreError as exc:  # a query failing after the store opened: a message, not a traceback
        st.error(str(exc))
        st.info("The page shows again as soon as the store answers; reload it to retry.")
        st.stop()


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
        first.date()
        if isinstance(first, datetime)
        else first,  # pandas gives Timestamps: dates, as documented
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


def refresh_or_warn() -> dict | None:
    """:func:`refresh_transcripts` for the sidebar: a failed ingest is a message, the page stays."""
    try:
        return refresh_transcripts()
    except StoreError as exc:
        st.error(f"Reading new transcript lines failed: {exc}")
        return None


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


def page_view() -> tuple[str, DataState, Filters]:
    """How every page starts: the store (or a stopped page), the reporting zone printed
    once, what data there is, and the filters of the current view."""
    from ui import components, state

    store_or_stop()
    tz = state.zone_from_url()
    facts = data_state(tz)
    filters = state.current_filters((facts.first, facts.last) if facts.events else None)
    components.zone_note(tz)
    return tz, facts, filters
