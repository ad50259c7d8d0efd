"""Benchmark: live ingest while the pages read, on one embedded store.

Usage::

    python3 bench/bench_concurrency.py                       # 200k demo events underneath
    python3 bench/bench_concurrency.py --events 1000000 --bursts 80 --lines 20 200

A fresh store gets ``--events`` demo events (so the readers' queries do real
work), then four reader threads run the pages' analytics in a loop (usage
report by day, the daily cost series, a search, the report by model): first
alone, then while a writer appends Claude Code lines in bursts (sometimes
leaving a torn line) and one thread ingests in a loop (``tests/live_transcripts.py``).
It prints the ingest throughput (lines per second of ingest work, and per
second of wall time), read latencies alone and during ingests, and checks that
the live store ends equal to one clean ingest of the final files.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from live_transcripts import default_readers, run_live  # noqa: E402

from analytics.ingest.demo import load_demo  # noqa: E402
from analytics.ingest.jsonl import ingest_jsonl  # noqa: E402
from analytics.store import Store  # noqa: E402

FINGERPRINT_SQL = """
SELECT event, event_id, toString(ts), input_tokens, output_tokens, cache_read_tokens, cache_write_5m_tokens,
       round(cost_usd, 9), tool, success, duration_ms, text
FROM telemetry WHERE source = 'jsonl' ORDER BY event, event_id
"""


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] * 1000


def readers_alone(store, calls: int, readers: int) -> list[float]:
    """Latencies (s) of ``calls`` calls per reader thread with no ingest running."""
    pool = default_readers(store)
    out: list[float] = []
    lock = threading.Lock()

    def loop(fn):
        for _ in range(calls):
            t0 = time.perf_counter()
            fn()
            with lock:
                out.append(time.perf_counter() - t0)

    threads = [threading.Thread(target=loop, args=(pool[i % len(pool)][1],)) for i in range(readers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=200_000, help="demo events under the live data")
    ap.add_argument("--bursts", type=int, default=60)
    ap.add_argument("--lines", type=int, nargs=2, default=(20, 200), metavar=("MIN", "MAX"))
    ap.add_argument("--readers", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-concurrency-"))
    try:
        store = Store.open_embedded(work / "db", database="live")
        store.ensure_schema()
        t0 = time.perf_counter()
        if args.events:
            load_demo(store, n_events=args.events)
        print(f"demo: {args.events:,} events in {time.perf_counter() - t0:.1f} s")
        alone = readers_alone(store, 10, args.readers)
        if alone:
            print(
                f"reads alone ({args.readers} threads, {len(alone)} calls): p50 "
                f"{statistics.median(alone) * 1000:.0f} ms, p95 {pct(alone, 0.95):.0f} ms, max {max(alone) * 1000:.0f} ms"
            )
        run = run_live(
            store,
            work / "projects",
            bursts=args.bursts,
            readers=args.readers,
            seed=args.seed,
            sessions=8,
            burst_lines=tuple(args.lines),
            deadline_s=600,
        )
        during = run.read_latencies()
        print(
            f"live: {run.lines_written:,} lines written in {args.bursts} bursts; {len(run.ingests)} ingest runs read "
            f"{run.lines_ingested:,} lines in {run.wall:.1f} s wall"
        )
        print(
            f"ingest throughput: {run.throughput():,.0f} lines/s of ingest work, "
            f"{run.lines_ingested / run.wall:,.0f} lines/s of wall time (writer waits for a run after each burst)"
        )
        if during:
            print(
                f"reads during ingest ({len(during)} calls): p50 {statistics.median(during) * 1000:.0f} ms, "
                f"p95 {pct(during, 0.95):.0f} ms, max {max(during) * 1000:.0f} ms"
            )
        print(
            f"reader errors: {len(run.errors)}; reads that saw a smaller count than before: {len(run.shrinking)}"
        )
        clean = Store.open_embedded(work / "db", database="clean")
        clean.ensure_schema()
        ingest_jsonl(clean, [work / "projects"])
        same = store.rows_sql(FINGERPRINT_SQL) == clean.rows_sql(FINGERPRINT_SQL)
        print(f"live store equals one clean ingest of the final files: {same}")
        clean.close()
        store.close()
        return 0 if same and not run.errors and run.lines_ingested == run.lines_written else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
