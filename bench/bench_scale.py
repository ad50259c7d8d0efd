"""Scale benchmark: the app end to end on a 10M-event store.

Usage::

    python3 bench/bench_scale.py --db /tmp/bench-scale-10m            # copies /work/bench-10m, else makes a demo
    python3 bench/bench_scale.py --db /tmp/bench-scale-10m --events 10000000 --no-copy

1. The store: ``--db`` as it is when it exists; else a copy (``cp -a``) of
   ``--copy-from`` (default ``/work/bench-10m``, 10M demo events) when that
   exists and ``--no-copy`` is not given; else ``python -m analytics demo
   --events N`` into it (timed).
2. Each page's analytics builders, in a child process on the store:
   ``bench/bench_api.py`` (overview, costs and errors pages, the API
   builders) and ``bench/bench_analytics_b.py`` (tools, models, sessions,
   search), one timed run after a warm-up (``--repeat``).
3. The real app (``streamlit run``, computing every API answer:
   ``ANALYTICS_API_CACHE_SECONDS=0``): time to healthy; every JSON route over
   loopback, the first (cold) call and the median of ``--repeat`` more; every
   page opened in headless Chromium (the time until its script has finished);
   then the app process's VmHWM (peak resident memory, read from
   ``/proc/<pid>/status``), against the 1 GB target.
4. With ``--memory-per-page``: a fresh app for each route and each page, and
   its VmHWM after that one request or page (what each costs alone).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from bench_load import ROUTES, get, memory_mib  # noqa: E402

COMPUTE_EVERY_ANSWER = {"ANALYTICS_API_CACHE_SECONDS": "0"}
"""The app measured answers every API call itself (no reuse of a recent answer)."""
from browser import launch_context, start_app, stop_app, wait_idle  # noqa: E402

PAGES = [("/", "Overview"), ("/costs", "Costs"), ("/errors", "Errors"), ("/tools", "Tools"), ("/models", "Models"),
         ("/sessions", "Sessions"), ("/search?q=pytest", "Search")]  # fmt: skip
TARGET_MIB = 1024


def prepare(db: Path, copy_from: Path | None, events: int) -> None:
    if db.exists():
        print(f"store: {db} (existing)")
        return
    t0 = time.perf_counter()
    if copy_from is not None and copy_from.is_dir():
        subprocess.run(["cp", "-a", str(copy_from), str(db)], check=True)
        print(f"store: copied {copy_from} to {db} in {time.perf_counter() - t0:.1f} s")
        return
    subprocess.run(
        [sys.executable, "-m", "analytics", "--db", str(db), "demo", "--events", str(events)],
        cwd=ROOT,
        check=True,
    )
    print(f"store: demo of {events:,} events into {db} in {time.perf_counter() - t0:.1f} s")


def builders(db: Path, repeat: int) -> None:
    for script in ("bench_api.py", "bench_analytics_b.py"):
        print(f"-- page builders: bench/{script} --repeat {repeat}")
        proc = subprocess.run(
            [sys.executable, str(ROOT / "bench" / script), str(db), "--repeat", str(repeat)],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        print(proc.stdout.rstrip())
        if proc.returncode:
            print(proc.stderr[-2000:], file=sys.stderr)


def served(db: Path, repeat: int) -> int:
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    t0 = time.perf_counter()
    proc, url = start_app(db, tmp / "streamlit.log", COMPUTE_EVERY_ANSWER)
    print(f"-- app: healthy {time.perf_counter() - t0:.1f} s after `streamlit run`")
    failures = 0
    try:
        for path in ROUTES.values():
            status, cold = get(url + path, timeout=600)
            warm = [get(url + path, timeout=600) for _ in range(repeat)]
            failures += status != 200 or any(s != 200 for s, _ in warm)
            print(
                f"GET {path:<40} cold {cold * 1000:8.0f} ms   warm median "
                f"{statistics.median(t for _, t in warm) * 1000:8.0f} ms   (HTTP {status})"
            )
        print(f"app memory after the API calls: {memory_mib(proc.pid)}")
        with sync_playwright() as p:
            ctx = launch_context(p, tmp / "profile", [])
            page = ctx.new_page()
            for path, title in PAGES:
                t = time.perf_counter()
                page.goto(url + path)
                page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=600_000)
                wait_idle(page)
                errors = page.locator('[data-testid="stException"]').count()
                failures += errors > 0
                print(
                    f"page {title:<9} opened in {time.perf_counter() - t:6.1f} s (cold caches){' EXCEPTION' * errors}"
                )
            ctx.close()
        mem = memory_mib(proc.pid)
        verdict = "within" if mem["VmHWM"] <= TARGET_MIB else "OVER"
        print(
            f"app memory after every page: VmRSS {mem['VmRSS']:.0f} MiB, VmHWM (peak) {mem['VmHWM']:.0f} MiB "
            f"({verdict} the {TARGET_MIB} MiB target)"
        )
        with urllib.request.urlopen(url + "/api/health", timeout=60) as r:
            failures += r.status != 200
    finally:
        stop_app(proc)
        shutil.rmtree(tmp, ignore_errors=True)
    return failures


def memory_per_page(db: Path) -> None:
    """Peak memory of a fresh app process per JSON route and per page (one app start each)."""
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-mem-"))
    print("-- app memory per route / page (a fresh app for each; MiB)")
    targets = [("(idle)", None)] + [(path, "API") for path in ROUTES.values()] + PAGES
    try:
        for path, title in targets:
            proc, url = start_app(db, tmp / "streamlit.log", COMPUTE_EVERY_ANSWER)
            try:
                if title == "API":
                    get(url + path, timeout=600)
                elif title:
                    with sync_playwright() as p:
                        ctx = launch_context(p, tmp / "profile", [])
                        page = ctx.new_page()
                        page.goto(url + path)
                        page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=600_000)
                        wait_idle(page)
                        ctx.close()
                mem = memory_mib(proc.pid)
                print(f"{path:<40} VmRSS {mem['VmRSS']:6.0f}   VmHWM {mem['VmHWM']:6.0f}")
            finally:
                stop_app(proc)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--copy-from", type=Path, default=Path("/work/bench-10m"))
    ap.add_argument("--no-copy", action="store_true", help="make a demo store instead of copying one")
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-builders", action="store_true")
    ap.add_argument("--memory-per-page", action="store_true", help="also: a fresh app per route and page")
    args = ap.parse_args()
    prepare(args.db, None if args.no_copy else args.copy_from, args.events)
    out = subprocess.run(
        [sys.executable, "-m", "analytics", "--db", str(args.db), "status"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    print(out.stdout.rstrip() or out.stderr.rstrip())
    du = subprocess.run(["du", "-sh", str(args.db)], capture_output=True, text=True).stdout.split()[0]
    print(f"on disk: {du}")
    if not args.skip_builders:
        builders(args.db, args.repeat)
    failures = served(args.db, args.repeat)
    if args.memory_per_page:
        memory_per_page(args.db)
    print(f"failures: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
