"""OpenTelemetry records reaching a store, and the refresh that brings them into the hourly totals.

Usage::

    cp -a /tmp/bench-10m /tmp/copy-of-10m   # it writes to the store: use a copy
    python bench/bench_refresh.py /tmp/copy-of-10m --records 40 --runs 5

Each run makes ``--records`` Claude Code OpenTelemetry records of a new session in the store's last
data hour (API requests, tool results, and a rejection of a call stored an hour earlier), then times
two whole commands:

1. ``python -m analytics --db STORE ingest EMPTY_DIR --otel FILE --json``: an import, whose insert
   the materialized view notes, and its refresh;
2. the same records inserted straight into ``otel_logs`` (as the Collector's exporter does on a
   server), then ``python -m analytics --db STORE refresh --json``.

Prints each command's median and the pending hours each refresh left (0 on an embedded store).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import otlp_fixtures as otlp  # noqa: E402

COLLECT = """
import sys
sys.path.insert(0, {tests!r})
import json, otlp_fixtures as otlp
from analytics.ingest import otel
from analytics.store import Store
store = Store.open_embedded(sys.argv[1])
for line in open(sys.argv[2]):
    rows = otel.rows_from_body(json.loads(line), otel.OtelImportReport())
    store.insert_arrow("otel_logs", otel._arrow_table(rows))
store.close()
"""


def last_hour(db: Path) -> datetime:
    out = subprocess.run(
        [sys.executable, "-m", "analytics", "--db", str(db), "status", "--json"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip
    last = max(datetime.fromisoformat(row["last"]) for row in json.loads(out)["events"])
    return last.replace(minute=0, second=0, microsecond=0, tzinfo=UTC)


def records(at: datetime, n: int) -> list[dict]:
    """``n`` records of a new session from ``at``: requests and tool results, then a late rejection."""
    s = f"bench-{uuid.uuid4().hex[:8]}"
    out = []
    for i in range(n - 1):
        t = at + timedelta(seconds=20 * i)
        if i % 2:
            out.append(
                otlp.record(t, "tool_result", s, tool_name="Bash", tool_use_id=f"{s}-t{i}", success="true")
            )
        else:
            out.append(otlp.record(t, "api_request", s, model="claude-sonnet-4-5", cost_usd="0.01",
                                   input_tokens="100", output_tokens="20", duration_ms="900"))  # fmt: skip
    out.append(otlp.record(at + timedelta(hours=1), "tool_decision", s, tool_name="Bash", tool_use_id=f"{s}-t1",
                           decision="reject", source="user_reject"))  # fmt: skip
    return out


def timed(args: list[str]) -> tuple[float, dict]:
    t0 = time.perf_counter()
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
    took = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{proc.stderr[-2000:]}")
    return took, json.loads(proc.stdout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store", type=Path, help="existing store directory (written to: use a copy)")
    ap.add_argument("--records", type=int, default=40)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--imports-only", action="store_true", help="time step 1 only (a tree without `refresh`)")
    args = ap.parse_args()
    if not args.store.is_dir():
        print(f"{args.store} does not exist", file=sys.stderr)
        return 2
    at = last_hour(args.store)
    work = Path(tempfile.mkdtemp(prefix="bench-refresh-"))
    empty = work / "no-transcripts"
    empty.mkdir()
    db = ["--db", str(args.store)]
    imports, refreshes, left = [], [], []
    for run in range(args.runs):
        start = at - timedelta(minutes=50 - run)
        path = otlp.write(work / f"import{run}.jsonl", records(start, args.records))
        took, _ = timed(
            [sys.executable, "-m", "analytics", *db, "ingest", str(empty), "--otel", str(path), "--json"]
        )
        imports.append(took)
        if args.imports_only:
            continue
        path = otlp.write(work / f"collect{run}.jsonl", records(start, args.records))
        collect = COLLECT.format(tests=str(ROOT / "tests"))
        subprocess.run([sys.executable, "-c", collect, str(args.store), str(path)], cwd=ROOT, check=True)
        took, done = timed([sys.executable, "-m", "analytics", *db, "refresh", "--json"])
        refreshes.append(took)
        left.append(done["pending_hours_after"])
    print(f"store {args.store}: {args.records} records a run, {args.runs} runs, from {at:%Y-%m-%d %H:%M} UTC")
    print(f"ingest --otel (import and refresh), whole command: median {statistics.median(imports):.2f} s")
    if refreshes:
        print(f"refresh after a collector's insert, whole command: median {statistics.median(refreshes):.2f} s "
              f"(pending hours left: {max(left)})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
