"""The JSON routes answer what they answered when these files were written.

A fixed demo store (seed 7, 20,000 events ending 2026-01-15 00:00 UTC) and windows that
end in the past (every query names ``to``), so every answer is judged at the end of its
window and never depends on the wall clock. The comparison is exact — the same keys in the same order, the same strings,
integers, nulls and booleans — except that a float may differ in its last bits: the
engine sums floats on several threads, so a day's total can come out one ulp apart
between two processes (the rest of a run then inherits it). A change of meaning rewrites
the files on purpose: ``python tests/test_api_golden.py`` (then read the diff before
committing it).
"""

from __future__ import annotations

import json
import math
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from analytics import api
from analytics.ingest.demo import load_demo
from analytics.store import Store

GOLDEN = Path(__file__).parent / "data" / "api_golden"
END = datetime(2026, 1, 15, tzinfo=UTC)
QUERIES = {
    "past_utc": "tz=UTC&to=2026-01-14",
    "berlin_budgets": "tz=Europe/Berlin&to=2026-01-14&budget_day=20&budget_month=300&budget_session=2&threshold_ms=5000",
    "window": "tz=America/New_York&from=2025-12-01&to=2026-01-10&window_hours=6",
    "short": "tz=UTC&from=2026-01-10&to=2026-01-12",
    "filtered": "tz=UTC&project=~/web-shop&model=claude-sonnet-4-5&from=2025-12-20&to=2026-01-14",
}
ROUTES = {
    "widgets": "/api/telemetry-widgets",
    "burn": "/api/telemetry/cost-burnrate",
    "errors": "/api/telemetry/error-monitor",
}
CASES = [(r, q) for q in QUERIES for r in ROUTES]


def fixed_demo(store: Store) -> None:
    load_demo(store, n_events=20_000, seed=7, end=END)


def answer(client: TestClient, route: str, query: str) -> bytes:
    response = client.get(f"{ROUTES[route]}?{QUERIES[query]}")
    assert response.status_code == 200, response.text
    return response.content


@pytest.fixture(scope="module")
def golden_client(chdb_path):
    store = Store.open_embedded(chdb_path, database="golden_api")
    store.ensure_schema()
    if not store.rows("status_events"):
        fixed_demo(store)
    yield TestClient(Starlette(routes=api.routes(lambda: store)))
    store.close()


def same(got, want, path: str = "$") -> list[str]:
    """Where ``got`` differs from ``want`` (parsed JSON with keys in order): floats within 1e-12, relative."""
    if isinstance(want, float) and isinstance(got, float):
        return (
            [] if math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-15) else [f"{path}: {got!r} != {want!r}"]
        )
    if type(got) is not type(want):
        return [f"{path}: {got!r} != {want!r}"]
    if isinstance(want, list):
        if len(got) != len(want):
            return [f"{path}: {len(got)} items != {len(want)}"]
        return [d for i, (g, w) in enumerate(zip(got, want, strict=True)) for d in same(g, w, f"{path}[{i}]")]
    if isinstance(want, tuple):  # an object, as its (key, value) pairs in order
        keys = [k for k, _ in got], [k for k, _ in want]
        if keys[0] != keys[1]:
            return [f"{path}: keys {keys[0]} != {keys[1]}"]
        return [d for (k, g), (_, w) in zip(got, want, strict=True) for d in same(g, w, f"{path}.{k}")]
    return [] if got == want else [f"{path}: {got!r} != {want!r}"]


def parsed(text: bytes):
    return json.loads(text, object_pairs_hook=tuple)


def test_same_tells_a_float_in_its_last_bits_from_a_change():
    assert (
        same(parsed(b'{"a": 0.1, "b": [1, "x"]}'), parsed(b'{"a": 0.10000000000000002, "b": [1, "x"]}')) == []
    )
    assert same(parsed(b'{"a": 0.1}'), parsed(b'{"a": 0.1001}')) == ["$.a: 0.1 != 0.1001"]
    assert same(parsed(b'{"a": 1}'), parsed(b'{"a": 1.0}')) == ["$.a: 1 != 1.0"]
    assert same(parsed(b'{"a": 1, "b": 2}'), parsed(b'{"b": 2, "a": 1}')) == [
        "$: keys ['a', 'b'] != ['b', 'a']"
    ]


@pytest.mark.parametrize(("route", "query"), CASES, ids=[f"{r}-{q}" for r, q in CASES])
def test_route_answers_are_the_recorded_ones(golden_client, route, query):
    got = answer(golden_client, route, query)
    assert same(parsed(got), parsed((GOLDEN / f"{route}__{query}.json").read_bytes())) == []


if __name__ == "__main__":  # rewrite the recorded answers: python tests/test_api_golden.py [chdb dir]
    import tempfile

    with Store.open_embedded(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp()) as s:
        s.ensure_schema()
        fixed_demo(s)
        client = TestClient(Starlette(routes=api.routes(lambda: s)))
        for r, q in CASES:
            (GOLDEN / f"{r}__{q}.json").write_bytes(answer(client, r, q))
    print(f"wrote {len(CASES)} answers to {GOLDEN}")
