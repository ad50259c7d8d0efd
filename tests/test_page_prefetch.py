"""The loads a page starts early (``ui.cache.prefetch``) are loads the page then makes, each computed once."""

from __future__ import annotations

import pytest
import streamlit as st
from apptest_helpers import page

from analytics.store import Store
from ui import cache


def key(fn, filters, kwargs: dict) -> tuple:
    return fn.__qualname__, filters, tuple(sorted(kwargs.items()))


@pytest.mark.parametrize("name", ["models", "sessions"])
def test_a_page_prefetches_only_what_it_loads_and_computes_each_once(app_on_demo, monkeypatch, name):
    prefetched: list[tuple] = []
    loaded: set[tuple] = set()
    misses: list[int] = []
    prefetch, load, release = cache.prefetch, cache.load, Store.release_memory

    def counting_prefetch(*calls):
        prefetched.extend(key(*call) for call in calls)
        prefetch(*calls)

    def counting_load(fn, filters=None, **kwargs):
        loaded.add(key(fn, filters, kwargs))
        return load(fn, filters, **kwargs)

    def counting_release(store):
        misses.append(1)  # once after each computation of a cached load
        release(store)

    monkeypatch.setattr(cache, "prefetch", counting_prefetch)
    monkeypatch.setattr(cache, "load", counting_load)
    monkeypatch.setattr(Store, "release_memory", counting_release)
    st.cache_data.clear()
    at = page(name)
    at.run()
    assert not at.exception
    assert prefetched and set(prefetched) <= loaded, set(prefetched) - loaded
    assert len(misses) == len(loaded)
