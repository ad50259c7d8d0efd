"""Export a table as CSV or Parquet, streamed by ClickHouse itself (works on both engines)."""

from __future__ import annotations

from pathlib import Path

# Table -> SELECT text; identifiers only from this allow-list.
EXPORTS = {
    "events": "SELECT * EXCEPT (version, ingested_at, hidden) FROM events WHERE hidden = 0 ORDER BY ts",
    "otel_logs": "SELECT * FROM otel_logs ORDER BY Timestamp",
    "telemetry": "SELECT * FROM telemetry ORDER BY ts",
}
FORMATS = {"csv": "CSVWithNames", "parquet": "Parquet"}


def export_table(store, table: str, out: Path, fmt: str) -> int:
    """Write ``table`` to ``out`` in ``fmt`` ('csv' or 'parquet'); returns the number of rows."""
    if table not in EXPORTS or fmt not in FORMATS:
        raise ValueError(f"cannot export {table!r} as {fmt!r}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with store.client() as c, out.open("wb") as fh:
        stream = c.raw_stream(EXPORTS[table], fmt=FORMATS[fmt])
        for chunk in stream:
            fh.write(chunk)
    count_sql = {
        "events": "SELECT count() FROM events WHERE hidden = 0",
        "otel_logs": "SELECT count() FROM otel_logs",
        "telemetry": "SELECT count() FROM telemetry",
    }[table]
    return int(store.rows_sql(count_sql)[0][0])
