"""Load benchmark: concurrent requests to the JSON API of the running app.

Usage::

    python3 bench/bench_load.py --db /tmp/bench-load-1m --events 1000000      # makes the store if missing
    python3 bench/bench_load.py --db /tmp/small --events 20000 --threads 2 --requests 5 --json

Starts the real app (``streamlit run streamlit_app.py``, ``tests/browser.py``)
on an embedded store (created with ``python -m analytics demo --events N``
when the directory does not exist), then, route by route, ``--threads``
threads each send ``--requests`` GET requests over loopback (urllib, one
connection per request), stopping early at ``--cap`` seconds per route; then
all routes at once (the threads spread over the routes). Reports per route:
requests, errors (any status but 200, or no answer), requests/s, p50 / p95 /
max latency; and the app process's resident memory (VmRSS now, VmHWM peak).
The routes answer with the default view (the last 30 days with data).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import make_demo_store, start_app, stop_app  # noqa: E402

ROUTES = {
    "widgets": "/api/telemetry-widgets?tz=UTC",
    "cost-burnrate": "/api/telemetry/cost-burnrate?tz=UTC",
    "error-monitor": "/api/telemetry/error-monitor?tz=UTC",
    "health": "/api/health",
}


def memory_mib(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (MiB) of process ``pid``."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def get(url: str, timeout: float) -> tuple[int, float]:
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError:
        status = 0
    return status, time.perf_counter() - t0


def fire(base: str, paths: list[str], threads: int, requests: int, cap: float) -> dict:
    """``threads`` threads, each sending ``requests`` GETs (thread i uses ``paths[i % len(paths)]``)."""
    results: list[tuple[str, int, float]] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + cap

    def worker(path: str) -> None:
        for _ in range(requests):
            if time.monotonic() > stop_at:
                return
            status, seconds = get(base + path, timeout=max(1.0, cap))
            with lock:
                results.append((path, status, seconds))

    workers = [threading.Thread(target=worker, args=(paths[i % len(paths)],)) for i in range(threads)]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "results": results}


def summarize(results: list[tuple[str, int, float]], wall: float) -> dict:
    lat = sorted(s for _, _, s in results)
    if not lat:
        return {"requests": 0, "errors": 0}
    return {
        "requests": len(lat),
        "errors": sum(1 for _, status, _ in results if status != 200),
        "per_s": len(lat) / wall,
        "p50_ms": statistics.median(lat) * 1000,
        "p95_ms": lat[min(len(lat) - 1, int(0.95 * len(lat)))] * 1000,
        "max_ms": lat[-1] * 1000,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--db", type=Path, required=True, help="store directory (made with the demo when missing)"
    )
    ap.add_argument("--events", type=int, default=1_000_000, help="demo events when the store is made")
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--requests", type=int, default=25, help="requests per thread")
    ap.add_argument("--cap", type=float, default=300.0, help="seconds per route before stopping early")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    out: dict = {"store": str(args.db), "threads": args.threads, "requests_per_thread": args.requests}
    if not args.db.exists():
        t0 = time.perf_counter()
        make_demo_store(args.db, args.events)
        out["demo_s"] = time.perf_counter() - t0
    log = Path(tempfile.mkdtemp(prefix="bench-load-")) / "streamlit.log"
    t0 = time.perf_counter()
    proc, url = start_app(args.db, log)
    out["start_s"] = time.perf_counter() - t0
    try:
        for path in ROUTES.values():  # the store opens and the engine warms up once
            status, _ = get(url + path, timeout=args.cap)
            if status != 200:
                print(f"warm-up {path}: HTTP {status}\n{log.read_text()[-2000:]}", file=sys.stderr)
                return 1
        out["routes"] = {}
        for name, path in ROUTES.items():
            run = fire(url, [path], args.threads, args.requests, args.cap)
            out["routes"][name] = summarize(run["results"], run["wall_s"])
        run = fire(url, list(ROUTES.values()), args.threads, args.requests, args.cap)
        out["routes"]["all routes at once"] = summarize(run["results"], run["wall_s"])
        out["app_memory_mib"] = memory_mib(proc.pid)
        out["app_alive"] = proc.poll() is None
    finally:
        stop_app(proc)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(
            f"store {out['store']}; app started in {out['start_s']:.1f} s; {args.threads} threads x {args.requests}"
        )
        for name, r in out["routes"].items():
            print(
                f"  {name:<20} {r['requests']:>4} requests, {r['errors']} errors, {r['per_s']:6.1f} req/s, "
                f"p50 {r['p50_ms']:7.0f} ms, p95 {r['p95_ms']:7.0f} ms, max {r['max_ms']:7.0f} ms"
            )
        m = out["app_memory_mib"]
        print(f"  app memory: VmRSS {m['VmRSS']:.0f} MiB, VmHWM (peak) {m['VmHWM']:.0f} MiB")
    errors = sum(r["errors"] for r in out["routes"].values())
    return 0 if errors == 0 and out["app_alive"] else 1


if __name__ == "__main__":
    sys.exit(main())
