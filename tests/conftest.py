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
