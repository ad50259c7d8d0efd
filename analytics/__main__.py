"""Command line: ``python -m analytics [--db DIR] COMMAND``.

A thin shell over the library. Exit codes: 0 ok, 1 bad usage or input,
2 store unreachable or unusable, 3 store locked by another process (the app).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from analytics.store import Store, StoreError, StoreLocked

SOURCE_NOTES = {
    "all": "every request once, from whichever source recorded it",
    "jsonl": "requests counted from the transcripts: those OpenTelemetry did not also record",
    "otel": "requests counted from OpenTelemetry, those the transcripts also hold included",
}
"""``report --source`` choices and what each counts (printed under a one-source table)."""
EPILOG = (
    "The store is the embedded chDB directory given by --db, else $ANALYTICS_DB, else the ClickHouse "
    "server configured by CLICKHOUSE_HOST or [connections.telemetry] in .streamlit/secrets.toml, else a "
    "directory under your user data directory."
)


def _progress(stream):
    if not stream.isatty():
        return None

    def show(done: int, total: int) -> None:
        width = 30
        frac = done / total if total else 1.0
        stream.write(f"\r[{'#' * int(frac * width):<{width}}] {done / 1e6:8.1f} / {total / 1e6:.1f} MB")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show


def _print_ingest(report: dict) -> None:
    print(
        f"files: {report['files_seen']} seen, {report['files_read']} read ({report['bytes_read'] / 1e6:.1f} MB)"
    )
    print(f"lines: {report['lines']}")
    for title, key in (
        ("events", "events"),
        ("new events", "new_events"),
        ("skipped lines", "skipped"),
        ("ignored lines", "ignored"),
        ("dedup drops", "dedup"),
    ):
        if report.get(key):
            print(f"{title}: " + ", ".join(f"{k}={v}" for k, v in sorted(report[key].items())))
    if report.get("torn_lines_deferred"):
        print(f"incomplete last lines left for the next run: {report['torn_lines_deferred']}")
    if report.get("unpriced_requests"):
        print(
            f"unpriced requests: {report['unpriced_requests']} (models: {', '.join(report['unpriced_models'])})"
        )
    print(f"took {report['seconds']:.2f} s")


def cmd_ingest(store: Store, args) -> int:
    from analytics import integrity
    from analytics.ingest.jsonl import ingest_jsonl

    paths = [Path(p) for p in args.paths] or None
    if paths:
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            print(f"error: no such file or directory: {', '.join(missing)}", file=sys.stderr)
            return 1
    damage = integrity.check(store)
    if damage and not args.rebuild:
        print(f"error: {integrity.summary(damage)}", file=sys.stderr)
        return 2
    gone: list[str] = []
    rows_before, expected = (
        (integrity.row_counts(store), integrity.recorded_counts(store)) if args.rebuild else ({}, {})
    )
    if args.rebuild and paths is None:
        earlier, gone = integrity.rebuild_paths(store)
        paths = earlier or None  # the files read before; none recorded: the discovered directories
    report = ingest_jsonl(
        store, paths, progress=None if args.json else _progress(sys.stderr), rebuild=args.rebuild
    ).to_dict()
    if args.otel:
        from analytics.ingest.otel import import_otel
        from analytics.ingest.otel_metrics import MetricsImport

        metrics = MetricsImport(store)
        report["otel"] = import_otel(store, [Path(p) for p in args.otel], metrics=metrics.take).to_dict()
        report["otel_metrics"] = metrics.finish().to_dict()
    if args.rebuild:
        from analytics import rollups

        rollups.rebuild(store)  # parts set aside changed the events outside any write: every hour again
        report["rebuild"] = _rebuild_outcome(store, damage, gone, rows_before, expected)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print_ingest(report)
        for key in ("otel", "otel_metrics"):
            if key in report:
                print(f"{key}: " + ", ".join(f"{k}={v}" for k, v in report[key].items()))
        for line in report.get("rebuild", {}).get("notes", []):
            print(f"rebuild: {line}")
    return 0


def _rebuild_outcome(
    store: Store, damage, gone: list[str], rows_before: dict[str, int], expected: dict[str, int]
) -> dict:
    """After ``ingest --rebuild``: what came back, what could not, and the damage marked as dealt with.

    ``expected`` holds the row counts recorded before the damage; a table still below them lost
    rows that did not come from the transcripts read (OpenTelemetry imports, demo rows).
    """
    from analytics import integrity

    rows_after = integrity.row_counts(store)
    notes = [f"found before: {d.detail}" for d in damage] or ["the store was whole"]
    notes.append(f"`events`: {rows_before['events']:,} rows before, {rows_after['events']:,} after")
    parts = [d for d in damage if d.part]
    otel_parts = [d for d in parts if d.table == "otel_logs"]
    if otel_parts:
        notes.append(
            f"{len(otel_parts)} damaged part(s) of `otel_logs` held OpenTelemetry rows that transcripts cannot "
            "restore: import the OTLP files again with `ingest --otel FILE`"
        )
    if gone:
        notes.append(
            f"{len(gone)} transcript file(s) read before no longer exist: their events cannot be re-read"
        )
    short = {t: n for t, n in expected.items() if rows_after.get(t, 0) < n}
    notes += [
        f"still short: {integrity.shortfall(t, rows_after[t], n)}; those rows did not come from the transcripts"
        for t, n in short.items()
    ]
    if parts:
        notes.append("damaged parts are kept in the table's detached/ directory; they are not reported again")
    integrity.acknowledge(store, parts)
    return {
        "damage_before": [d.to_dict() for d in damage],
        "rows_before": rows_before,
        "rows_after": rows_after,
        "rows_short": {t: n - rows_after[t] for t, n in short.items()},
        "files_gone": gone,
        "notes": notes,
    }


def cmd_report(store: Store, args) -> int:
    from analytics.filters import Filters, local_zone
    from analytics.usage import REPORT_KEYS, usage_report

    tz = args.tz or local_zone()
    sources = () if args.source == "all" else (args.source,)
    try:
        result = usage_report(
            store, args.by, tz=tz, since=args.since, until=args.until, filters=Filters(sources=sources)
        )
    except (ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    key = REPORT_KEYS[args.by]
    header = f"{key:<40} {'input':>12} {'output':>12} {'cache read':>14} {'cache write':>12} {'total':>14} {'cost':>12} {'req':>7}"
    print(header)
    print("-" * len(header))

    def line(name, r):
        cost = "unpriced" if r["cost_usd"] is None else f"${r['cost_usd']:,.2f}"
        if r["unpriced_requests"] and r["cost_usd"] is not None:
            cost += "*"
        writes = r["cache_write_5m_tokens"] + r["cache_write_1h_tokens"]
        print(
            f"{str(name)[:40]:<40} {r['input_tokens']:>12,} {r['output_tokens']:>12,} {r['cache_read_tokens']:>14,} "
            f"{writes:>12,} {r['total_tokens']:>14,} {cost:>12} {r['requests']:>7,}"
        )

    for r in result["rows"]:
        line(r[key], r)
    print("-" * len(header))
    line("total", result["totals"])
    if result["totals"]["unpriced_requests"]:
        print(
            f"* {result['totals']['unpriced_requests']} requests of models without a known price are not in the cost."
        )
    print(f"(days in {tz})")
    if args.source != "all":
        print(f"({SOURCE_NOTES[args.source]})")
    return 0


def cmd_demo(store: Store, args) -> int:
    from analytics import integrity
    from analytics.ingest.demo import load_demo

    if not integrity.never_used(store):
        print(
            "error: the store holds your own data (an ingest, an import or non-demo events), or is damaged: "
            "demo data only goes into an empty store. Use another one: `python -m analytics --db DIR demo`.",
            file=sys.stderr,
        )
        return 1
    summary = load_demo(store, n_events=args.events, seed=args.seed, days=args.days)
    print(
        json.dumps(summary, indent=2, default=str)
        if args.json
        else f"demo: {sum(summary['events'].values()):,} events in {summary['seconds']:.1f} s"
    )
    return 0


def cmd_refresh(store: Store, args) -> int:
    """Recompute the hours of the hourly totals that inserts into otel_logs left pending."""
    from analytics import rollups

    t0 = time.perf_counter()
    built = rollups.built(store)
    before = rollups.pending_hours(store)
    if built and not args.all:
        rollups.refresh_pending(store)
    else:
        rollups.rebuild(store)
    info = {
        "built": not built or args.all,
        "pending_hours_before": before,
        "pending_hours_after": rollups.pending_hours(store),
        "seconds": round(time.perf_counter() - t0, 3),
    }
    if args.json:
        print(json.dumps(info, indent=2))
    elif info["built"]:
        print(f"rollups: recomputed every hour in {info['seconds']:.2f} s")
    else:
        print(
            f"rollups: {info['pending_hours_before']} pending hours recomputed in {info['seconds']:.2f} s; "
            f"{info['pending_hours_after']} noted in the last minute stay pending for the next refresh"
        )
    return 0


def cmd_status(store: Store, args) -> int:
    """What the store holds; exit 2 when it is damaged (:mod:`analytics.integrity`)."""
    from analytics import integrity, rollups

    damage = integrity.check(store)
    events = store.rows("status_events")
    runs = store.rows("status_last_runs", n=5)
    version = store.rows("status_schema_version")[0][0]
    info: dict[str, Any] = {
        "store": {"kind": store.kind, "location": store.location, "schema_version": version},
        "events": [
            {"source": s, "event": e, "events": int(n), "first": str(a), "last": str(b)}
            for s, e, n, a, b in events
        ],
        "last_runs": [{"started": str(a), "finished": str(b), "kind": k} for a, b, k, _ in runs],
        "damage": [d.to_dict() for d in damage],
        "rollups": {
            "built": rollups.built(store),
            "pending_hours": rollups.pending_hours(store) if store.table_exists("rollup_pending") else 0,
        },
    }
    if args.json:
        print(json.dumps(info, indent=2))
        return 2 if damage else 0
    print(f"store: {store.kind} {store.location} (schema {version})")
    if damage:
        print(f"DAMAGED: {integrity.summary(damage)}")
    elif not events:
        print("no events yet: run `python -m analytics ingest` or `python -m analytics demo`")
    for row in info["events"]:
        print(
            f"  {row['source']:<6} {row['event']:<14} {row['events']:>10,}  {row['first']} .. {row['last']}"
        )
    for run in info["last_runs"][:1]:
        print(f"last {run['kind']} run: {run['finished']} UTC")
    totals = info["rollups"]
    if totals["built"]:
        print(f"hourly totals: built, {totals['pending_hours']} hours pending a refresh")
    else:
        print(
            "hourly totals: not built (every page reads the events; `python -m analytics refresh` builds them)"
        )
    return 2 if damage else 0


def cmd_export(store: Store, args) -> int:
    from analytics.export import export_table

    n = export_table(store, args.table, Path(args.out), args.format)
    print(f"wrote {n:,} rows of {args.table} to {args.out}")
    return 0


def cmd_snapshot(store: Store, args) -> int:
    from analytics.snapshot import write_snapshot

    out = Path(args.out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        print(f"error: {out} already exists and is not an empty directory: pick a new one.", file=sys.stderr)
        return 1
    report = write_snapshot(store, out)
    if args.json:
        print(json.dumps(report.__dict__, indent=2))
        return 0
    print(
        f"snapshot of {report.source} written to {report.path} ({report.bytes / 1e6:.1f} MB, {report.seconds:.1f} s)"
    )
    for table, n in report.rows.items():
        print(f"  {table:<18} {n:>12,} rows")
    print(f"open it read-only: ANALYTICS_DB={report.path} ANALYTICS_HOSTED=1 streamlit run streamlit_app.py")
    return 0


def cmd_schema(store: Store | None, args) -> int:
    from analytics.hosting import prepare_store, schema_sql

    if not args.apply:
        sys.stdout.write(schema_sql(args.database))
        return 0
    assert store is not None  # main opens the store for --apply
    added = prepare_store(store)
    print(f"schema ready on {store.kind} {store.location}; {added} price rows added")
    return 0


def cmd_serve_check(store: Store, args) -> int:
    print(
        f"{store.kind} store at {store.location}: ClickHouse {store.server_version()}, "
        f"{'telemetry view present' if store.table_exists('telemetry') else 'no telemetry view'}"
    )
    return 0


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analytics", description="Claude Code telemetry store.", epilog=EPILOG
    )
    parser.add_argument("--db", help="embedded store directory (overrides $ANALYTICS_DB)")
    sub = parser.add_subparsers(dest="command", required=True)
    db_opt = argparse.ArgumentParser(add_help=False)
    db_opt.add_argument("--db", default=argparse.SUPPRESS, help="embedded store directory")

    p = sub.add_parser(
        "ingest",
        parents=[db_opt],
        help="read new Claude Code transcript lines (and OTLP files)",
        description="Ingest Claude Code JSONL transcripts incrementally; re-running is cheap and "
        "changes no total. Default paths: ~/.claude/projects, ~/.config/claude/projects "
        "and $CLAUDE_CONFIG_DIR.",
    )
    p.add_argument(
        "paths", nargs="*", help="directories or .jsonl files (default: discovered Claude Code dirs)"
    )
    p.add_argument(
        "--otel", nargs="+", default=[], metavar="FILE", help="OTLP/HTTP JSON log and metrics files to import"
    )
    p.add_argument(
        "--rebuild",
        action="store_true",
        help="re-read every transcript from its first byte (default: the files read before) to recover a "
        "damaged store; stored events are recognised, lost ones come back, OpenTelemetry rows are kept",
    )
    p.add_argument("--json", action="store_true", help="print the ingest report as JSON")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser(
        "report",
        parents=[db_opt],
        help="token and cost totals",
        description="Totals of API requests by day, week, month, model, project, repository or session.",
    )
    p.add_argument(
        "--by", required=True, choices=["day", "week", "month", "model", "project", "repository", "session"]
    )
    p.add_argument("--tz", help="reporting time zone, e.g. Europe/Berlin (default: this machine's)")
    p.add_argument("--since", type=_date, help="first day (YYYY-MM-DD, in --tz)")
    p.add_argument("--until", type=_date, help="last day, inclusive (YYYY-MM-DD, in --tz)")
    p.add_argument(
        "--source",
        choices=list(SOURCE_NOTES),
        default="all",
        help="all (default): every request once; jsonl / otel: the requests counted from that source "
        "(a request both recorded counts as otel), so jsonl + otel = all",
    )
    p.add_argument("--json", action="store_true", help='print {"rows": [...], "totals": {...}}')
    p.set_defaults(func=cmd_report)

    p = sub.add_parser(
        "demo",
        parents=[db_opt],
        help="fill the store with deterministic synthetic data",
        description="Generate realistic synthetic telemetry (seeded) into the store.",
    )
    p.add_argument("--events", type=int, default=50_000, help="number of events (default 50000)")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.add_argument("--days", type=int, default=60, help="days of history ending now (default 60)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "refresh",
        parents=[db_opt],
        help="bring the hourly totals up to date with what reached otel_logs",
        description=(
            "Recompute the hours of the hourly totals that inserts into otel_logs noted as pending. An "
            "ingest does this too; on a ClickHouse server the OpenTelemetry Collector writes to directly, "
            "run it on a schedule (every minute, say): until then readers take the pending hours from the "
            "events. Builds the totals first when the store has none."
        ),
    )
    p.add_argument(
        "--all",
        action="store_true",
        help="recompute every hour (after deleting data, or rows an otel_logs TTL dropped)",
    )
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(func=cmd_refresh)

    p = sub.add_parser(
        "status",
        parents=[db_opt],
        help="what is in the store",
        description="Events by source and type, date range, last ingest, schema version.",
    )
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser(
        "export",
        parents=[db_opt],
        help="write a table to CSV or Parquet",
        description="Export the canonical events (deduplicated) or another table.",
    )
    p.add_argument("--format", choices=["csv", "parquet"], required=True)
    p.add_argument("--table", default="events", choices=["events", "otel_logs", "telemetry"])
    p.add_argument("out", help="output file")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "snapshot",
        parents=[db_opt],
        help="write a read-only copy of the store to share",
        description="Copy the telemetry (events, otel_logs, prices, ingest history) into a new embedded "
        "store directory OUT_DIR, through the engine (consistent, also from a server). Open it with "
        "ANALYTICS_DB=OUT_DIR ANALYTICS_HOSTED=1.",
    )
    p.add_argument("out", metavar="OUT_DIR", help="a new (or empty) directory")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_snapshot)

    p = sub.add_parser(
        "schema",
        parents=[db_opt],
        help="print (or create) the schema a ClickHouse server needs",
        description="Print the DDL of the tables, views and functions the app reads, and the statements "
        "of its read-only user (--print, the default); or create them in the configured store and fill "
        "the price book for the models in its data (--apply, with an administrator's credentials).",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--print", dest="apply", action="store_false", help="print the DDL (default)")
    mode.add_argument("--apply", dest="apply", action="store_true", help="create it in the configured store")
    p.add_argument(
        "--database", default="telemetry", help="database named in the printed GRANT (default telemetry)"
    )
    p.set_defaults(func=cmd_schema, apply=False)

    p = sub.add_parser(
        "serve-check",
        parents=[db_opt],
        help="check that the configured store answers",
        description="Connect to the configured store and print its version.",
    )
    p.set_defaults(func=cmd_serve_check)
    return parser


BUILDS_ROLLUPS = frozenset({"ingest", "demo"})
"""Commands that bring a store's hourly totals up to date first (:func:`analytics.rollups.ensure`)."""
WARN_WHEN_DAMAGED = frozenset({"report", "export", "snapshot"})
"""Commands that read the data: on a damaged store they still run, after a warning on stderr."""


def _warn_if_damaged(store: Store) -> None:
    from analytics import integrity

    damage = integrity.check(store)
    if damage:
        print(f"warning: {integrity.summary(damage)}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Store failures are reported below in one line; the client library's warnings would repeat them.
    logging.getLogger("clickhouse_connect").setLevel(logging.ERROR)
    if args.command == "schema" and not args.apply:
        try:
            return args.func(None, args)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    try:
        store = Store.from_env(args.db)
    except StoreLocked as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        store.ensure_schema()
        if args.command in BUILDS_ROLLUPS:
            from analytics import rollups

            rollups.ensure(store)
        if args.command in WARN_WHEN_DAMAGED:
            _warn_if_damaged(store)
        return args.func(store, args)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # one-line reason for anything the engine raises
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"error: {type(exc).__name__}: {first}", file=sys.stderr)
        return 2
    finally:
        store.close()


def run() -> None:
    """Run :func:`main` as the process and end it without the interpreter's teardown.

    Every store is closed and every file written by then; what is left is the
    embedded engine's and the interpreter's clean-up at exit, 40-50 ms of a
    0.6 s command, which a crash-safe engine does not need (it finishes or
    discards an interrupted background merge when the store is next opened).
    """
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # stdout closed early (`| head`): nothing more can be told
        pass
    os._exit(code)


if __name__ == "__main__":
    run()
