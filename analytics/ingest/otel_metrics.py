"""Import of OTLP/HTTP JSON *metrics* bodies into ``otel_metrics_sum``.

Claude Code sends its metrics (lines of code, commits, pull requests, active time, edit
decisions, sessions, cost and tokens) as OpenTelemetry counters. Where a collector writes
them, its ClickHouse exporter fills ``otel_metrics_sum``; where none does, ``ingest --otel
FILE`` reads the same bodies the file exporter writes (one ``ExportMetricsServiceRequest``
per line, or one whole body) and writes the rows the exporter would have written, so the
``otel_outcomes`` view reads both alike.

* Rows, as the exporter writes them: one per data point of a ``sum`` metric;
  ``ServiceName`` is the resource attribute ``service.name``; attribute values rendered like
  pdata's ``Value.AsString`` (:func:`analytics.ingest.otel.as_string`); ``Value`` is
  ``asInt`` or ``asDouble``; ``AggregationTemporality`` OTLP's number (1 delta, 2
  cumulative; the enum's name is accepted too). Gauges, histograms and summaries are not
  Claude Code's and are counted as skipped (``not_a_sum``).
* Idempotent: a point already stored (same series, start, time and value) is not added again.
* Temporality is kept as sent; the view turns cumulative points into increases
  (docs/OUTCOMES.md).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from analytics.ingest.jsonl import record_run
from analytics.ingest.otel import (
    INT64_MAX,
    INT64_MIN,
    _double,
    _get,
    _integer,
    _list,
    _object,
    _rendered,
    _string,
    _Unusable,
)

CHUNK_ROWS = 50_000
TEMPORALITY = {
    "AGGREGATION_TEMPORALITY_UNSPECIFIED": 0,
    "AGGREGATION_TEMPORALITY_DELTA": 1,
    "AGGREGATION_TEMPORALITY_CUMULATIVE": 2,
}
"""OTLP ``AggregationTemporality`` names (OTLP JSON may carry the name instead of the number)."""
COLUMNS = (
    "ResourceAttributes",
    "ResourceSchemaUrl",
    "ScopeName",
    "ScopeVersion",
    "ScopeAttributes",
    "ScopeSchemaUrl",
    "ServiceName",
    "MetricName",
    "MetricDescription",
    "MetricUnit",
    "Attributes",
    "StartTimeUnix",
    "TimeUnix",
    "Value",
    "Flags",
    "AggregationTemporality",
    "IsMonotonic",
)
"""Columns of ``otel_metrics_import_stage``, in order."""


@dataclass
class MetricsImportReport:
    """What one metrics import read, added and skipped.

    ``bodies`` metrics bodies read; ``points`` sum data points turned into rows;
    ``inserted`` rows added to ``otel_metrics_sum``; ``duplicates`` = points -
    inserted; ``skipped`` unusable parts by reason (``not_a_sum``, ``wrong_type``,
    ``bad_timestamp``, ``no_value``).
    """

    bodies: int = 0
    points: int = 0
    inserted: int = 0
    duplicates: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + n


def is_metrics_body(body: Any) -> bool:
    """Whether ``body`` is an ExportMetricsServiceRequest (has ``resourceMetrics``)."""
    return isinstance(body, dict) and _get(body, "resourceMetrics") is not None


def _temporality(v: Any) -> int:
    if v is None:
        return 0
    if isinstance(v, str) and v in TEMPORALITY:
        return TEMPORALITY[v]
    return _integer(v, -(1 << 31), (1 << 31) - 1)


def _nanos(point: dict, name: str) -> int:
    v = point.get(name)
    if v is None:
        v = point.get(_snake(name))
    return 0 if v is None else _integer(v, 0, INT64_MAX, "bad_timestamp")


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def _value(point: dict) -> float:
    for name in ("asInt", "as_int"):
        if point.get(name) is not None:
            return float(_integer(point[name], INT64_MIN, INT64_MAX))
    for name in ("asDouble", "as_double"):
        if point.get(name) is not None:
            return _double(point[name])
    raise _Unusable("no_value")


def rows_from_metrics_body(body: Any, report: MetricsImportReport) -> list[tuple]:
    """The ``otel_metrics_sum`` rows of one decoded ExportMetricsServiceRequest, in :data:`COLUMNS` order.

    Times are nanoseconds since the epoch; maps are lists of pairs. Unusable
    parts are counted in ``report.skipped`` and left out.
    """
    rows: list[tuple] = []
    try:
        resources = _list(body, "resourceMetrics")
    except _Unusable as exc:
        report.skip(exc.args[0])
        return rows
    for rm in resources:
        try:
            rm = _object(rm)
            res_attrs = _rendered(_object(rm.get("resource")))
            service = next((v for k, v in res_attrs if k == "service.name"), "")
            res_url = _string(rm, "schemaUrl")
            scopes = rm.get("scopeMetrics", rm.get("scope_metrics")) or []
            if not isinstance(scopes, list):
                raise _Unusable("wrong_type")
        except _Unusable as exc:
            report.skip(exc.args[0])
            continue
        for sm in scopes:
            try:
                sm = _object(sm)
                scope = _object(sm.get("scope"))
                head = (
                    res_attrs,
                    res_url,
                    _string(scope, "name"),
                    _string(scope, "version"),
                    _rendered(scope),
                    _string(sm, "schemaUrl"),
                    service,
                )
                metrics = _list(sm, "metrics") if "metrics" in sm else []
            except _Unusable as exc:
                report.skip(exc.args[0])
                continue
            for m in metrics:
                rows.extend(_metric_rows(m, head, report))
    return rows


def _metric_rows(m: Any, head: tuple, report: MetricsImportReport) -> list[tuple]:
    try:
        m = _object(m)
        s = m.get("sum")
        if s is None:
            report.skip("not_a_sum")
            return []
        s = _object(s)
        name, description, unit = _string(m, "name"), _string(m, "description"), _string(m, "unit")
        temporality = _temporality(s.get("aggregationTemporality", s.get("aggregation_temporality")))
        monotonic = bool(s.get("isMonotonic", s.get("is_monotonic")) or False)
        points = s.get("dataPoints", s.get("data_points")) or []
        if not isinstance(points, list):
            raise _Unusable("wrong_type")
    except _Unusable as exc:
        report.skip(exc.args[0])
        return []
    rows = []
    for p in points:
        try:
            p = _object(p)
            flags = p.get("flags")
            rows.append(
                (
                    *head,
                    name,
                    description,
                    unit,
                    _rendered(p),
                    _nanos(p, "startTimeUnixNano"),
                    _nanos(p, "timeUnixNano"),
                    _value(p),
                    0 if flags is None else _integer(flags, 0, (1 << 32) - 1),
                    temporality,
                    monotonic,
                )
            )
        except _Unusable as exc:
            report.skip(exc.args[0])
    return rows


def _arrow_table(rows: list[tuple]):
    import pyarrow as pa

    string_map = pa.map_(pa.string(), pa.string())
    ns = pa.timestamp("ns", tz="UTC")
    types = {
        "ResourceAttributes": string_map,
        "ScopeAttributes": string_map,
        "Attributes": string_map,
        "StartTimeUnix": ns,
        "TimeUnix": ns,
        "Value": pa.float64(),
        "Flags": pa.uint32(),
        "AggregationTemporality": pa.int32(),
        "IsMonotonic": pa.bool_(),
    }
    columns = list(zip(*rows, strict=True))
    return pa.table(
        {
            name: pa.array(col, type=types.get(name, pa.string()))
            for name, col in zip(COLUMNS, columns, strict=True)
        }
    )


class MetricsImport:
    """Collects the metrics bodies of one ``ingest --otel`` run and writes them at :meth:`finish`.

    Pass :meth:`take` to :func:`analytics.ingest.otel.import_otel` as ``metrics``:
    it keeps a metrics body (and returns True) and leaves any other body to the
    logs import.
    """

    def __init__(self, store) -> None:
        self.store = store
        self.report = MetricsImportReport()
        self._t0 = time.perf_counter()
        self._rows: list[tuple] = []
        self._staged = False

    def take(self, body: Any) -> bool:
        if not is_metrics_body(body):
            return False
        self.report.bodies += 1
        new = rows_from_metrics_body(body, self.report)
        self.report.points += len(new)
        self._rows.extend(new)
        if len(self._rows) >= CHUNK_ROWS:
            self._flush()
        return True

    def _flush(self) -> None:
        if not self._staged:
            self.store.command("otel_metrics_clear")
            self._staged = True
        if self._rows:
            self.store.insert_arrow("otel_metrics_import_stage", _arrow_table(self._rows))
            self._rows = []

    def finish(self) -> MetricsImportReport:
        """Append the points not stored yet; returns the report (recorded as kind ``otel_metrics``)."""
        if self.report.points:
            self._flush()
            try:
                before = int(self.store.rows("otel_metrics_count")[0][0])
                self.store.command("otel_metrics_insert")
                self.report.inserted = int(self.store.rows("otel_metrics_count")[0][0]) - before
            finally:
                self.store.command("otel_metrics_clear")
            self.report.duplicates = self.report.points - self.report.inserted
        self.report.seconds = round(time.perf_counter() - self._t0, 4)
        if self.report.inserted:
            record_run(self.store, "otel_metrics", self.report.to_dict(), self._t0)
        return self.report


def import_otel_metrics(store, bodies) -> MetricsImportReport:
    """Import the metrics bodies among ``bodies`` (decoded JSON values); other bodies are ignored."""
    importer = MetricsImport(store)
    for body in bodies:
        importer.take(body)
    return importer.finish()
