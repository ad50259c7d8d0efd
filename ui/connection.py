"""The store the pages read: opened once per process (``st.cache_resource``), or a clear stop.

Who writes: the app process owns the embedded store; it ingests new transcript
lines itself (``ui.refresh``). A CLI ingest started while the app runs stops
with a message pointing here (see ``analytics.store``). A hosted view opens the
store read-only and ingests nothing.
"""

from __future__ import annotations

import logging
import os

import streamlit as st

from analytics import integrity, rollups
from analytics.store import ServerConfig, Store, StoreError
from ui import access, auth

log = logging.getLogger(__name__)


def open_store(readonly: bool) -> Store:
    """``Store.from_env``, reading ``[connections.telemetry]`` from ``st.secrets`` as well.

    Streamlit may read secrets from places ``analytics.store.read_secrets`` does
    not (``--secrets.files``, a hosting platform); an embedded ``ANALYTICS_DB``
    or ``CLICKHOUSE_HOST`` still wins, as in ``Store.from_env``.
    """
    conn = access.secrets().get("connections", {}).get("telemetry")
    from_env = os.environ.get("ANALYTICS_DB") or os.environ.get("CLICKHOUSE_HOST")
    if not from_env and conn and conn.get("host"):
        return Store.open_server(ServerConfig.from_mapping(conn), readonly=readonly)
    return Store.from_env(readonly=readonly)


def show_failure(what: str, exc: Exception) -> None:
    """Say that ``what`` failed: with the reason locally; in a hosted view without it (it may name
    server paths or processes) and with the reason in the server's log."""
    if access.hosted():
        log.error("%s: %s", what, exc)
        st.error(f"{what}. The reason is in the server's log.")
    else:
        st.error(f"{what}: {exc}")


@st.cache_resource(show_spinner=False)
def get_store() -> Store:
    """The process-wide store (embedded chDB or server), schema ensured once.

    Hosted: opened read-only, so no schema is created (the store must already
    hold it) and every write is refused. A damaged store is not opened
    (:class:`analytics.integrity.StoreDamaged`): no page reads it as if it
    were whole, and no demo data goes into it.
    """
    store = open_store(readonly=access.hosted())
    store.ensure_schema()
    if store.readonly and not store.table_exists("events"):
        store.close()
        raise StoreError(
            "The store holds no telemetry tables yet. A read-only view needs a prepared store: a snapshot "
            "(`python -m analytics snapshot`) or a server set up with `python -m analytics schema --apply`."
        )
    try:
        integrity.ensure_whole(store)
    except StoreError:
        store.close()
        raise
    rollups.ensure(store)  # an older store gets its hourly totals once (a few seconds at 10M events)
    return store


def store_or_stop() -> Store:
    """The store, or a clear error (with the configuration hint) and a stopped page.

    Where sign-in is configured and nobody is signed in, the sign-in screen
    and a stopped page instead: no page shows data to a signed-out visitor,
    however it was reached.
    """
    if access.hosting().login and not access.signed_in():
        auth.login_screen()
        st.stop()
    try:
        return get_store()
    except integrity.StoreDamaged as exc:
        st.error(str(exc))  # names no path: shown as is, hosted too
        if access.hosted():
            st.info(
                "The store's owner can recover it from the transcripts; this view shows nothing until then."
            )
        st.stop()
    except StoreError as exc:
        show_failure("The telemetry store is unreachable", exc)
        if access.hosted():
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
