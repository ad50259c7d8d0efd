"""Benchmark: search at scale, a common term, two terms, a substring-heavy term and a word found nowhere.

Usage::

    python3 bench/bench_demo.py /tmp/bench-10m 10000000     # make a store first
    python3 bench/bench_search.py /tmp/bench-10m --repeat 3

Times :func:`analytics.search.search` (ranked hits, facets, session context,
related files) over the page default window (the last 30 days with data, UTC),
the median of ``--repeat`` runs after a warm-up, with the number of matches.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics import search  # noqa: E402
from analytics.overview import data_bounds  # noqa: E402
from analytics.store import Store  # noqa: E402
from analytics.view import parse_view  # noqa: E402

TERMS = ("pytest", "String replace", "Error", "zzzqqq")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store", type=Path, help="existing store directory")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    store = Store.open_embedded(args.store, readonly=True)
    try:
        view = parse_view({"tz": "UTC"})
        f = view.filters(data_bounds(store, view.tz))
        for term in TERMS:
            found = search.search(store, term, f)
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                search.search(store, term, f)
                times.append(time.perf_counter() - t0)
            print(f"{term!r:<18} {statistics.median(times):7.3f} s   {found.total:>9,} matches")
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
