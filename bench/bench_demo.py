"""Benchmark: generate N demo events and store them in a fresh embedded store.

Usage::

    python3 bench/bench_demo.py /tmp/bench-demo-1m            # 1M events
    python3 bench/bench_demo.py /tmp/bench-demo-10m 10000000  # 10M events
    python3 bench/bench_demo.py /tmp/unused 1000000 --generate-only

Prints the generate+insert wall time, the peak resident set size of the
process and the number of rows in ``events``. The store directory must not
exist yet (or be empty).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.ingest.demo import generate_demo, load_demo  # noqa: E402
from analytics.store import Store  # noqa: E402

END = datetime(2025, 12, 1, tzinfo=UTC)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store", type=Path, help="new store directory")
    ap.add_argument("n", type=int, nargs="?", default=1_000_000, help="events to generate (default 1M)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument(
        "--generate-only", action="store_true", help="only generate the Arrow tables, store nothing"
    )
    args = ap.parse_args()

    if args.generate_only:
        t0 = time.perf_counter()
        rows = sum(t.num_rows for t in generate_demo(args.n, seed=args.seed, days=args.days, end=END))
        print(f"generate: {time.perf_counter() - t0:.2f} s for {rows:,} events")
        print(f"peak RSS: {peak_rss_mib():,.0f} MiB")
        return 0

    if args.store.exists() and any(args.store.iterdir()):
        print(f"{args.store} is not empty; give a new directory", file=sys.stderr)
        return 2
    store = Store.open_embedded(args.store)
    try:
        store.ensure_schema()
        rss_before = peak_rss_mib()
        t0 = time.perf_counter()
        summary = load_demo(store, n_events=args.n, seed=args.seed, days=args.days, end=END)
        seconds = time.perf_counter() - t0
        rows = store.rows_sql("SELECT count() FROM events")[0][0]
        print(f"generate+insert: {seconds:.2f} s for {args.n:,} events ({args.n / seconds:,.0f} events/s)")
        print(f"peak RSS: {peak_rss_mib():,.0f} MiB (after opening the store: {rss_before:,.0f} MiB)")
        print(f"rows in events: {rows:,}; sessions {summary['sessions']:,}; cost ${summary['cost_usd']:,.2f}")
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
