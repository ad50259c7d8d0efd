"""Shared fixtures.

A process can hold only one chDB directory open, so the whole test session
shares one embedded store directory and every test gets its own database in it
(a fresh, empty schema): real chDB on disk, isolated per test.
"""

from __future__ import annotations

import itertools
import os

import pytest

from analytics.store import Store

_ids = itertools.count()


@pytest.fixture(scope="session")
def chdb_path(tmp_path_factory):
    path = os.environ.get("TEST_CHDB_PATH") or str(tmp_path_factory.mktemp("chdb"))
    return path


@pytest.fixture
def store_factory(chdb_path):
    """Open fresh, empty stores (own database each, schema created); closed after the test."""
    opened: list[Store] = []

    def make() -> Store:
        s = Store.open_embedded(chdb_path, database=f"t{os.getpid()}_{next(_ids)}")
        s.ensure_schema()
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.close()


@pytest.fixture
def empty_store(store_factory) -> Store:
    """A fresh store with the schema and no data."""
    return store_factory()


@pytest.fixture
def cost_store(empty_store) -> Store:
    """$5 yesterday, $3 in the last 90 minutes before ``event_rows.NOW`` and one unpriced request."""
    from event_rows import COST_ROWS, insert

    insert(empty_store, *COST_ROWS)
    return empty_store


DEMO_EVENTS = 20_000


@pytest.fixture(scope="session")
def demo_database(chdb_path):
    """Name of a database (in the session's store directory) holding the demo data."""
    from analytics.ingest.demo import load_demo

    name = f"demo{os.getpid()}"
    store = Store.open_embedded(chdb_path, database=name)
    store.ensure_schema()
    load_demo(store, n_events=DEMO_EVENTS)
    store.close()
    return name


@pytest.fixture
def demo_store(chdb_path, demo_database):
    """The shared demo data (read it, do not change it)."""
    store = Store.open_embedded(chdb_path, database=demo_database)
    yield store
    store.close()


def _point_app_at(monkeypatch, chdb_path: str, database: str) -> None:
    import streamlit as st

    monkeypatch.setenv("ANALYTICS_DB", chdb_path)
    monkeypatch.setenv("ANALYTICS_DATABASE", database)
    monkeypatch.setenv("ANALYTICS_AUTOLOAD", "0")
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def app_on_demo(monkeypatch, chdb_path, demo_database):
    """Environment for AppTest: the app opens the demo database; no auto-load."""
    _point_app_at(monkeypatch, chdb_path, demo_database)
    yield demo_database
    import streamlit as st

    st.cache_resource.clear()


@pytest.fixture
def app_on_empty(monkeypatch, chdb_path, empty_store):
    """Environment for AppTest: the app opens an empty database; no auto-load."""
    with empty_store.client() as c:
        database = c.database
    _point_app_at(monkeypatch, chdb_path, database)
    yield empty_store
    import streamlit as st

    st.cache_resource.clear()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item (browser tests screenshot failures)."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)
