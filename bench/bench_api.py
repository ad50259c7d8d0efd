"""Benchmark: what the Overview, Costs and Errors pages and the JSON API compute, on an existing store.

Usage::

    python3 bench/bench_demo.py /tmp/bench-demo-1m            # make a store first
    python3 bench/bench_api.py /tmp/bench-demo-1m
    python3 bench/bench_api.py /tmp/bench-demo-1m --tz Europe/Paris --repeat 5

Each line is one page's (or route's) analytics as on a cold cache: every
loader and analysis call the page makes, run one after the other, with the
page's default view (the last 30 days with data). Interactions that reuse the
cached loads (a budget slider, the timeout threshold) are timed separately.
Each step runs ``--repeat`` times after a warm-up; the line shows the fastest
and the median wall time. The store is opened read-only.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402
from timing import timed  # noqa: E402

from analytics import api, costs, errors, monitor  # noqa: E402
from analytics.overview import data_bounds  # noqa: E402
from analytics.store import Store  # noqa: E402
from analytics.view import parse_view  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store", type=Path, help="existing store directory")
    ap.add_argument("--tz", default="UTC", help="reporting time zone (default UTC)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not args.store.is_dir():
        print(f"{args.store} does not exist", file=sys.stderr)
        return 2
    store = Store.open_embedded(args.store, readonly=True)
    try:
        q = parse_view({"tz": args.tz})
        f = q.filters(data_bounds(store, q.tz))
        n_events = store.rows("telemetry_count")[0][0]
        print(
            f"store {args.store}: {n_events:,} events; window {f.start:%Y-%m-%d} .. {f.end:%Y-%m-%d}, tz {f.tz}"
        )
        previous = f.previous()
        snap = monitor.load_spend_snapshot(store, f)
        err_snap = monitor.load_error_snapshot(store, f)

        def costs_page():
            costs.cost_provenance(costs.load_cost_provenance(store, f))
            costs.period_totals(costs.load_cost_series(store, f, "day"))
            costs.period_totals(costs.load_cost_series(store, f.previous(), "day"))
            s = monitor.load_spend_snapshot(store, f)
            monitor.budget_report(s, q.budgets)
            costs.load_costs_by(store, f, "day", "model")
            monitor.month_to_date(s)
            costs.backtest_daily_forecast(s.daily)
            monitor.hourly_spend(s)
            month_blocks(s)
            costs.usage_blocks(s.requests, s.now.to_pydatetime())
            costs.dedup_audit(costs.load_ingest_runs(store, 20))

        def month_blocks(s):
            now = s.now.to_pydatetime()
            month = costs.load_request_hours(store, f.days_up_to(now, 30))
            return costs.block_limits(costs.usage_blocks(month, now))

        def errors_page():
            s = monitor.load_error_snapshot(store, f)
            monitor.error_report(s, None, q.threshold_ms)
            errors.load_error_series(store, previous, s.freq)
            errors.timeout_risk(store, f, q.threshold_ms)
            errors.load_duration_histogram(store, f)
            errors.load_recent_errors(store, f, 200)

        from starlette.applications import Starlette
        from starlette.testclient import TestClient

        client = TestClient(Starlette(routes=api.routes(lambda: store)))

        steps: list[tuple[str, Callable[[], object]]] = [
            ("overview page: telemetry_widgets", lambda: monitor.telemetry_widgets(store, f, q.budgets)),
            ("costs page: all loads + analysis", costs_page),
            ("costs page: load_spend_snapshot", lambda: monitor.load_spend_snapshot(store, f)),
            ("costs page: 5-hour blocks of the last 30 days", lambda: month_blocks(snap)),
            (
                "costs page: budget slider moved (budget_report)",
                lambda: monitor.budget_report(snap, {"day": 20.0}),
            ),
            ("errors page: all loads + analysis", errors_page),
            ("errors page: load_error_snapshot", lambda: monitor.load_error_snapshot(store, f)),
            ("errors page: threshold moved (timeout_risk)", lambda: errors.timeout_risk(store, f, 20000.0)),
            ("errors page: error_report", lambda: monitor.error_report(err_snap, None, 8000.0)),
            ("GET /api/telemetry/cost-burnrate", lambda: client.get("/api/telemetry/cost-burnrate")),
            ("GET /api/telemetry/error-monitor", lambda: client.get("/api/telemetry/error-monitor")),
            ("GET /api/telemetry-widgets", lambda: client.get("/api/telemetry-widgets")),
            ("GET /api/health", lambda: client.get("/api/health")),
        ]
        for name, fn in steps:
            best, median, _ = timed(fn, args.repeat)
            print(f"{name:<50} min {best * 1000:8.1f} ms   median {median * 1000:8.1f} ms")
        print(f"(pandas {pd.__version__}; times include every query of the step)")
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
