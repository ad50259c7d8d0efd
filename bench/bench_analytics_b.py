"""Benchmark: loaders + analysis of tools.py, models.py, sessions.py and search.py on an existing store.

Usage::

    python3 bench/bench_demo.py /tmp/bench-demo-1m            # make a store first
    python3 bench/bench_analytics_b.py /tmp/bench-demo-1m
    python3 bench/bench_analytics_b.py /tmp/bench-demo-1m --tz Europe/Paris --repeat 5
    python3 bench/bench_analytics_b.py /tmp/bench-demo-1m --query pytest --query '"not found"'

Each step runs ``--repeat`` times (after one warm-up run); the line shows the
fastest and the median wall time and the size of what the step returned. The
store is opened read-only.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from timing import print_steps  # noqa: E402

from analytics import models, outcomes, search, sessions, tools  # noqa: E402
from analytics.filters import Filters  # noqa: E402
from analytics.overview import data_bounds  # noqa: E402
from analytics.store import Store  # noqa: E402
from analytics.view import parse_view  # noqa: E402

QUERIES = (
    ("tokens", "pytest"),
    ("tokens", "replace_all"),
    ("tokens", '"not found"'),
    ("tokens", "String replace"),
    ("substring", "Error"),
    ("tokens", "no-such-word-anywhere"),
    ("tokens", "%"),
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store", type=Path, help="existing store directory")
    ap.add_argument("--tz", default="UTC", help="reporting time zone (default UTC)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--query", action="append", help="search query (tokens mode); repeatable")
    args = ap.parse_args()
    if not args.store.is_dir():
        print(f"{args.store} does not exist", file=sys.stderr)
        return 2

    store = Store.open_embedded(args.store, readonly=True)
    f = Filters(tz=args.tz)
    page = parse_view({"tz": args.tz}).filters(data_bounds(store, args.tz))  # a page's 30 days
    try:
        n_events = store.rows_sql("SELECT count() FROM telemetry")[0][0]
        seqs = tools.load_tool_sequences(store, f)
        calls = tools.tool_calls(seqs)
        frame = sessions.load_sessions(store, f)
        mix = sessions.load_session_tool_mix(store, f)
        by_session = outcomes.load_outcomes_by(store, f, by="session")
        scores = sessions.productivity_scores(frame, filters=f)
        token_mix = models.load_token_mix(store, f)
        mining = tools.mine_ngrams(seqs)
        ids = list(frame["session_id"][:2]) if len(frame) >= 2 else ["", ""]
        print(f"store {args.store}: {n_events:,} events, {len(frame):,} sessions, tz {args.tz}")

        steps: list[tuple[str, Callable[[], object]]] = [
            (
                "tools     load_tool_stats + tool_usage",
                lambda: tools.tool_usage(tools.load_tool_stats(store, f)),
            ),
            ("tools     load_tool_sequences", lambda: tools.load_tool_sequences(store, f)),
            ("tools     mine_ngrams(2-4)", lambda: tools.mine_ngrams(seqs)),
            ("tools     transition_matrix", lambda: tools.transition_matrix(seqs)),
            ("tools     find_loops", lambda: tools.find_loops(seqs)),
            ("tools     tool_calls", lambda: tools.tool_calls(seqs)),
            (
                "tools     tool_calls(load_tool_sequences), a page's 30 days",
                lambda: tools.tool_calls(tools.load_tool_sequences(store, page)),
            ),
            ("tools     load_tool_calls (the same, read flat)", lambda: tools.load_tool_calls(store, page)),
            ("tools     mine_ngrams(3-4) on tool_calls", lambda: tools.mine_ngrams(calls, 3, 4)),
            ("tools     find_loops on tool_calls", lambda: tools.find_loops(calls)),
            (
                "tools     common_workflows + suggestions",
                lambda: (
                    tools.common_workflows(mining),
                    tools.suggestions(None, mining, tools.find_loops(seqs)),
                ),
            ),
            (
                "models    load_model_usage + model_summary",
                lambda: models.model_summary(models.load_model_usage(store, f)),
            ),
            ("models    load_token_mix", lambda: models.load_token_mix(store, f)),
            ("models    reprice", lambda: models.reprice(token_mix, targets=models.DEFAULT_ALTERNATIVES)),
            ("models    recommend_savings", lambda: models.recommend_savings(token_mix)),
            ("models    cache_efficiency", lambda: models.cache_efficiency(token_mix)),
            ("sessions  load_sessions", lambda: sessions.load_sessions(store, f)),
            (
                "sessions  session_totals(load_sessions), a page's 30 days before",
                lambda: sessions.session_totals(sessions.load_sessions(store, page.previous())),
            ),
            (
                "sessions  load_session_totals, the same",
                lambda: sessions.load_session_totals(store, page.previous()),
            ),
            (
                "sessions  load_outcomes_by(session)",
                lambda: outcomes.load_outcomes_by(store, f, by="session"),
            ),
            (
                "sessions  with_session_outcomes",
                lambda: outcomes.with_session_outcomes(frame, by_session),
            ),
            (
                "sessions  outcomes_by(session) from the events, a page's 30 days",
                lambda: store.query("outcomes_by", by="session", **page.params()),
            ),
            (
                "sessions  load_outcomes_by(session), the same",
                lambda: outcomes.load_outcomes_by(store, page, by="session"),
            ),
            ("sessions  load_session_tool_mix", lambda: sessions.load_session_tool_mix(store, f)),
            ("sessions  productivity_scores", lambda: sessions.productivity_scores(frame)),
            (
                "sessions  peak_hours + consistency",
                lambda: (sessions.peak_hours(scores, args.tz), sessions.consistency(scores)),
            ),
            ("sessions  compare_sessions", lambda: sessions.compare_sessions(ids[0], ids[1], frame, mix)),
            ("sessions  session_insights", lambda: sessions.session_insights(ids[0], frame, scores, mix)),
            (
                "sessions  compare_groups(model, cost)",
                lambda: sessions.compare_groups(frame, "model", "cost"),
            ),
        ]
        queries = [("tokens", q) for q in args.query] if args.query else list(QUERIES)
        for mode, q in queries:
            steps.append(
                (f"search    {mode:<9} {q}", lambda q=q, mode=mode: search.search(store, q, f, mode=mode))
            )
        print_steps(steps, args.repeat)
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
