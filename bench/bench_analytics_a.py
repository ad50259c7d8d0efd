"""Benchmark: loaders + analysis of trends.py, costs.py and errors.py on an existing store.

Usage::

    python3 bench/bench_demo.py /tmp/bench-demo-1m            # make a store first
    python3 bench/bench_analytics_a.py /tmp/bench-demo-1m
    python3 bench/bench_analytics_a.py /tmp/bench-demo-1m --tz Europe/Paris --repeat 5

Each step runs ``--repeat`` times (after one warm-up run); the line shows the
fastest and the median wall time and the size of what the step returned.
"now" is the time of the last request in the store, so burn rates and blocks
have data. The store is opened read-only.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from timing import print_steps  # noqa: E402

from analytics import costs, errors, trends  # noqa: E402
from analytics.filters import Filters  # noqa: E402
from analytics.store import Store  # noqa: E402


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
    f = Filters(tz=args.tz)
    try:
        n_events = store.rows_sql("SELECT count() FROM telemetry")[0][0]
        requests = costs.load_request_costs(store, f)
        if requests.empty:
            print("the store has no api_request events", file=sys.stderr)
            return 2
        now = requests["ts"].iloc[-1].to_pydatetime()
        daily = costs.load_cost_series(store, f, "day").set_index("bucket")["cost_usd"]
        print(
            f"store {args.store}: {n_events:,} events, {len(requests):,} requests, {len(daily)} days, tz {args.tz}"
        )

        steps: list[tuple[str, Callable[[], object]]] = [
            (
                "trends  load_cost_series(day) + fit_trend",
                lambda: trends.fit_trend(
                    costs.load_cost_series(store, f, "day").set_index("bucket")["cost_usd"]
                ),
            ),
            ("costs   load_cost_series(hour)", lambda: costs.load_cost_series(store, f, "hour")),
            ("costs   load_costs_by(month, model)", lambda: costs.load_costs_by(store, f, "month", "model")),
            ("costs   load_costs_by(day, user)", lambda: costs.load_costs_by(store, f, "day", "user")),
            ("costs   load_request_costs", lambda: costs.load_request_costs(store, f)),
            ("costs   burn_rate(1 h)", lambda: costs.burn_rate(requests, timedelta(hours=1), now)),
            ("costs   usage_blocks", lambda: costs.usage_blocks(requests, now)),
            ("costs   project_spend", lambda: costs.project_spend(requests, daily, now, args.tz)),
            ("costs   efficiency_score", lambda: costs.efficiency_score(requests)),
            ("costs   backtest_daily_forecast", lambda: costs.backtest_daily_forecast(daily)),
            ("costs   reconcile_sources", lambda: costs.reconcile_sources(store, f)),
            (
                "errors  load_error_series(hour) + error_trend",
                lambda: errors.error_trend(errors.load_error_series(store, f, "hour")),
            ),
            (
                "errors  taxonomy (3 loaders) + error_taxonomy",
                lambda: errors.error_taxonomy(
                    errors.load_error_types(store, f),
                    errors.load_tool_errors(store, f),
                    errors.load_tool_decisions(store, f),
                ),
            ),
            (
                "errors  load_attempts + retry_stats",
                lambda: errors.retry_stats(errors.load_attempts(store, f)),
            ),
            (
                "errors  load_recovery + recovery_summary",
                lambda: errors.recovery_summary(errors.load_recovery(store, f)),
            ),
            ("errors  timeout_risk", lambda: errors.timeout_risk(store, f)),
        ]
        print_steps(steps, args.repeat)
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
