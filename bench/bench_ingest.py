"""Ingest benchmark: first ingest, unchanged re-ingest, small incremental ingests and a report on a tree.

    python bench/make_tree.py ../shared/data/claude-projects /tmp/tree100 --mb 100
    python bench/bench_ingest.py /tmp/tree100

Each step is the real CLI in a fresh process (start-up included); peak RSS is
the child's maximum resident set size. An incremental ingest reads the tree
and one new transcript (the first 21 lines of the tree's first transcript
with fresh ids, as make_tree.py gives its copies, in a directory beside it): what a
scheduler's run after a short exchange does; the median of 5.

    python bench/bench_ingest.py /tmp/tree100 --incremental-into /tmp/copy-of-10m

times only such incremental ingests (new transcripts alone) into an existing
store, e.g. a copy of the 10M demo store: it writes to that store.
"""

from __future__ import annotations

import argparse
import json
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from make_tree import fresh


def run(args: list[str]) -> tuple[float, float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", *args], capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return wall, rss, proc.stdout


def new_transcript(tree: Path, into: Path, lines: int = 21) -> None:
    """The first ``lines`` lines of ``tree``'s first transcript in ``into``, with fresh ids (:func:`make_tree.fresh`
    under a random copy tag: new session, uuids, message, request and tool_use ids, so nothing deduplicates)."""
    first = min(tree.rglob("*.jsonl"))
    tag = 100_000 + secrets.randbelow(900_000)  # make_tree's copies are numbered from 0
    head = b"".join(first.read_bytes().splitlines(keepends=True)[:lines])
    (into / fresh(first.name.encode(), tag).decode()).write_bytes(fresh(head, tag))


def incremental(tree: Path, db: Path, *roots: Path, runs: int = 5) -> float:
    """Median wall time of ``runs`` ingests of ``roots`` into ``db``, each after one :func:`new_transcript`."""
    extra = Path(tempfile.mkdtemp(prefix="bench-ingest-new-")) / "-bench-incremental"
    extra.mkdir()
    times = []
    try:
        for _ in range(runs):
            new_transcript(tree, extra)
            wall, _, _ = run(["--db", str(db), "ingest", *map(str, roots), str(extra), "--json"])
            times.append(wall)
    finally:
        shutil.rmtree(extra.parent, ignore_errors=True)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tree", type=Path)
    ap.add_argument("--incremental-into", type=Path, metavar="STORE", help="existing store to ingest into")
    args = ap.parse_args()
    tree = args.tree
    if args.incremental_into:
        median = incremental(tree, args.incremental_into)
        print(
            f"incremental ingest into {args.incremental_into} (one new 21-line transcript): median {median:.2f} s of 5"
        )
        return
    size = sum(p.stat().st_size for p in tree.rglob("*.jsonl"))
    db = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        wall, rss, out = run(["--db", str(db), "ingest", str(tree), "--json"])
        rep = json.loads(out)
        print(f"tree: {size / 1e6:.1f} MB, {rep['files_seen']} files, {rep['lines']:,} lines")
        print(
            f"first ingest: {wall:.2f} s end to end ({size / 1e6 / wall:.0f} MB/s, {rep['lines'] / wall:,.0f} lines/s); "
            f"work {rep['seconds']:.2f} s ({size / 1e6 / rep['seconds']:.0f} MB/s); peak RSS {rss:.0f} MB"
        )
        print(f"events: {rep['events']}")
        wall, _, out = run(["--db", str(db), "ingest", str(tree), "--json"])
        rep = json.loads(out)
        print(
            f"unchanged re-ingest: {wall:.2f} s end to end, work {rep['seconds']:.3f} s, lines read {rep['lines']}"
        )
        median = incremental(tree, db, tree)
        print(f"incremental ingest (one new 21-line transcript): median {median:.2f} s of 5")
        for by in ("day", "model", "session"):
            wall, _, _ = run(["--db", str(db), "report", "--by", by, "--tz", "UTC", "--json"])
            print(f"report --by {by}: {wall:.2f} s end to end")
    finally:
        shutil.rmtree(db, ignore_errors=True)


if __name__ == "__main__":
    main()
