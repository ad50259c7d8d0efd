"""Export a table as CSV or Parquet, streamed by ClickHouse itself (works on both engines)."""

from __future__ import annotations

from pathlib import Path

EXPORTS = {
    "events": ("export_events", "export_events_count"),
    "otel_logs": ("export_otel_logs", "export_otel_logs_count"),
    "telemetry": ("export_telemetry", "export_telemetry_count"),
}
"""Exportable table -> (named query of its rows, named query of their count)."""
FORMATS = {"csv": "CSVWithNames", "parquet": "Parquet"}


def export_table(store, table: str, out: Path, fmt: str) -> int:
    """Write ``table`` to ``out`` in ``fmt`` ('csv' or 'parquet'); returns the number of rows."""
    if table not in EXPORTS or fmt not in FORMATS:
        raise ValueError(f"cannot export {table!r} as {fmt!r}")
    rows, count = EXPORTS[table]
    out.parent.mkdir(parents=True, exist_ok=True)
    store.write_query(rows, out, FORMATS[fmt])
    return int(store.rows(count)[0][0])
