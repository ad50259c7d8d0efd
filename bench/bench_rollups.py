"""Benchmark: the answers the rollups serve, read from them and from the raw events.

Usage::

    python3 bench/bench_demo.py /tmp/bench-10m 10000000     # make a store first
    python3 bench/bench_rollups.py /tmp/bench-10m --repeat 5

Opens the store writable once to build its rollups when it has none in the current
format (timed: the one-off cost an older store pays on its first open), then,
read-only, times each loader that reads them (``analytics.rollups``) both ways,
and the three API builders whole, alternating raw and rollup runs so both see the
same machine; each line shows the median of ``--repeat`` runs after a warm-up,
and the ratio. The window is the page default (the last 30 days with data), in
``--tz``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics import api, costs, errors, models, monitor, rollups, sessions, tools  # noqa: E402
from analytics.overview import data_bounds, load_filter_options  # noqa: E402
from analytics.store import Store  # noqa: E402
from analytics.view import parse_view  # noqa: E402


def build(path: Path) -> None:
    store = Store.open_embedded(path)
    try:
        store.ensure_schema()
        if not rollups.built(store):
            t0 = time.perf_counter()
            rollups.rebuild(store)
            took = time.perf_counter() - t0
            rows = ", ".join(f"{t} {store.count_rows(t):,}" for t in rollups.TABLES)
            print(f"built the rollups in {took:.2f} s (rows: {rows})")
    finally:
        store.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store", type=Path, help="existing store directory")
    ap.add_argument("--tz", default="UTC")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if not args.store.is_dir():
        print(f"{args.store} does not exist", file=sys.stderr)
        return 2
    build(args.store)
    store = Store.open_embedded(args.store, readonly=True)
    kept = rollups.built
    try:
        view = parse_view({"tz": args.tz})
        f = view.filters(data_bounds(store, view.tz))
        print(f"store {args.store}: window {f.start:%Y-%m-%d} .. {f.end:%Y-%m-%d}, tz {f.tz}")
        steps: list[tuple[str, Callable[[], object]]] = [
            ("/api/health", lambda: api.health(store)),
            ("data bounds (every page's frame)", lambda: data_bounds(store, f.tz)),
            ("daily activity (overview trends)", lambda: monitor.load_daily_activity(store, f)),
            ("daily cost series (costs, burn rate)", lambda: costs.load_cost_series(store, f, "day")),
            ("error series (error monitor)", lambda: errors.load_error_series(store, f, "day")),
            ("failures of the window (error monitor)", lambda: errors.load_failures(store, f)),
            ("last activity (burn rate, error monitor)", lambda: monitor.load_last_activity(store, f)),
            ("sidebar filter options (every page)", lambda: load_filter_options(store)),
            ("tool sequences, one row per session", lambda: tools.load_tool_sequences(store, f)),
            ("tool calls read flat (tool widget, Tools)", lambda: tools.load_tool_calls(store, f)),
            ("recovery (error monitor, widgets)", lambda: errors.load_recovery(store, f)),
            ("session table (Sessions)", lambda: sessions.load_sessions(store, f)),
            ("token mix (model widget, Models)", lambda: models.load_token_mix(store, f)),
            ("builder of /api/telemetry/cost-burnrate", lambda: monitor.cost_burnrate(store, f, {})),
            ("builder of /api/telemetry/error-monitor", lambda: monitor.error_monitor(store, f)),
            ("builder of /api/telemetry-widgets", lambda: monitor.telemetry_widgets(store, f, {})),
        ]
        for name, step in steps:
            times: dict[str, list[float]] = {"raw": [], "rollup": []}
            for i in range(args.repeat + 1):
                for way in ("raw", "rollup"):
                    rollups.built = kept if way == "rollup" else (lambda _store: False)
                    t0 = time.perf_counter()
                    step()
                    if i:
                        times[way].append(time.perf_counter() - t0)
            raw, rolled = (statistics.median(times[w]) for w in ("raw", "rollup"))
            print(
                f"{name:<42} raw {raw * 1000:8.1f} ms   rollup {rolled * 1000:8.1f} ms   {raw / rolled:5.1f}x"
            )
    finally:
        rollups.built = kept
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
