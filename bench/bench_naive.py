"""How much aggregating in ClickHouse saves over pandas on the full event frame.

    python bench/bench_naive.py /work/bench-1m

For four computations the pages need, times (a) the module's loader (named SQL,
aggregated in ClickHouse) and (b) the naive way: load the whole event frame
into pandas once, then group in pandas. (b) is reported as load + compute and
as compute alone; the ratio is (b, load included) / (a).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from timing import timed  # noqa: E402

from analytics import costs, errors, sessions, tools  # noqa: E402
from analytics.filters import Filters  # noqa: E402
from analytics.store import Store  # noqa: E402

COLUMNS = (
    "ts, event, session_id, model, project, user, tool, success, cost_usd, duration_ms, "
    "input_tokens, output_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens"
)


def best(fn, repeat: int = 3) -> float:
    return timed(fn, repeat)[1]


def main() -> None:
    store = Store.open_embedded(sys.argv[1], readonly=True)
    f = Filters(tz="UTC")

    def load_all():
        return store.query_sql(f"SELECT {COLUMNS} FROM telemetry")  # noqa: S608 - fixed text

    t_load = best(load_all, 1)
    df = load_all()
    print(
        f"{len(df):,} events; full frame load: {t_load:.2f} s, {df.memory_usage(deep=True).sum() / 1e6:,.0f} MB"
    )
    req = df[df["event"] == "api_request"]
    cases = [
        (
            "daily cost by model",
            lambda: costs.load_costs_by(store, f, "day", "model"),
            lambda: req.groupby([req["ts"].dt.floor("D"), "model"])["cost_usd"].sum(),
        ),
        (
            "error rate per day",
            lambda: errors.load_error_series(store, f, "day"),
            lambda: (
                df[df["event"].isin(["api_request", "api_error"])]
                .groupby(df["ts"].dt.floor("D"))["event"]
                .apply(lambda e: (e == "api_error").mean())
            ),
        ),
        (
            "tool usage and p95 duration",
            lambda: tools.load_tool_stats(store, f),
            lambda: (
                df[df["event"] == "tool_result"]
                .groupby("tool")
                .agg(
                    calls=("success", "size"),
                    ok=("success", "sum"),
                    p95=("duration_ms", lambda d: d.quantile(0.95)),
                )
            ),
        ),
        (
            "per-session metrics",
            lambda: sessions.load_sessions(store, f),
            lambda: df.groupby("session_id").agg(
                start=("ts", "min"), end=("ts", "max"), cost=("cost_usd", "sum"), events=("event", "size")
            ),
        ),
    ]
    print(f"{'computation':<30} {'ClickHouse s':>12} {'pandas s':>10} {'pandas+load s':>14} {'ratio':>7}")
    for name, sql_fn, pandas_fn in cases:
        a = best(sql_fn)
        b = best(pandas_fn)
        print(f"{name:<30} {a:>12.3f} {b:>10.3f} {b + t_load:>14.2f} {(b + t_load) / a:>6.0f}x")
    store.close()


if __name__ == "__main__":
    main()
