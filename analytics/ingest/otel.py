"""Import of OTLP/HTTP JSON log exports into ``otel_logs``.

Claude Code sends its events as OpenTelemetry log records. Where no collector
writes them to ClickHouse, the collector's file exporter (or any OTLP/HTTP JSON
capture) can: :func:`import_otel` reads those files and writes the rows the
OpenTelemetry Collector ClickHouse exporter would have written, so the
``otel_events`` view reads them unchanged.

* Input: files holding one ``ExportLogsServiceRequest`` JSON body per line (as
  the file exporter writes them) or one whole JSON body (possibly
  pretty-printed). Directories are searched for ``*.json``, ``*.jsonl`` and
  ``*.ndjson``. Field names are accepted in lowerCamelCase and snake_case, as
  the collector's OTLP JSON decoder accepts them.
* Rows, as the exporter writes them: ``Timestamp`` is ``timeUnixNano``, or
  ``observedTimeUnixNano`` when that is 0 or absent; trace and span ids as lowercase
  hex ('' when absent or all zero); ``TraceFlags`` from ``flags``;
  ``ServiceName`` is the resource attribute ``service.name``; ``Body`` and every
  attribute value are rendered like pdata's ``Value.AsString`` (strings as is,
  ints and bools as text, doubles as ES6 numbers, bytes as base64, arrays and
  kvlists as JSON with sorted keys); ``EventName`` is the record's ``eventName``.
* Idempotent: a record whose fingerprint, ``cityHash64(Timestamp, ServiceName,
  Body, LogAttributes)``, is already in ``otel_logs`` is not added again, so
  importing a file twice, or one file under two names, adds no row.
* Robust: unusable lines, bodies and records are counted by reason in the
  :class:`OtelImportReport` and skipped; the rest still imports.
* One writer at a time: the stage table ``otel_import_stage`` is shared by the
  runs on one database, like the JSONL ingest's stage.
"""

from __future__ import annotations

import base64
import binascii
import math
import os
import re
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from analytics import rollups
from analytics.ingest.jsonl import record_run

CHUNK_ROWS = 50_000
"""Rows sent to the stage table per insert."""
SUFFIXES = (".json", ".jsonl", ".ndjson")
"""File names searched for under a directory argument."""
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1

SEVERITY_NUMBERS = {
    "SEVERITY_NUMBER_UNSPECIFIED": 0,
    **{
        f"SEVERITY_NUMBER_{name}{suffix}": base + i
        for base, name in (
            (1, "TRACE"),
            (5, "DEBUG"),
            (9, "INFO"),
            (13, "WARN"),
            (17, "ERROR"),
            (21, "FATAL"),
        )
        for i, suffix in enumerate(("", "2", "3", "4"))
    },
}
"""OTLP ``SeverityNumber`` enum names (OTLP JSON may carry the name instead of the number)."""


@dataclass
class OtelImportReport:
    """What one import read, added and skipped (printed by the CLI, kept in ``ingest_runs``).

    Attributes
    ----------
    files : int
        Files read.
    lines : int
        JSON bodies read: non-blank lines, or 1 for a file that is one whole body.
    records : int
        Log records turned into rows.
    inserted : int
        Rows added to ``otel_logs``.
    duplicates : int
        ``records - inserted``: records already in ``otel_logs`` or repeated in this run.
    skipped : dict of str to int
        Unusable input by reason: ``unreadable_file``, ``malformed_json`` and
        ``not_an_object`` (per line or body), ``not_logs`` (a traces or metrics
        body), ``wrong_type`` (a body, resource, scope or record whose fields have
        the wrong JSON types), ``bad_timestamp`` and ``bad_id`` (per record).
    seconds : float
        Wall time of the run.
    """

    files: int = 0
    lines: int = 0
    records: int = 0
    inserted: int = 0
    duplicates: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + n


class _Unusable(ValueError):
    """A part of a body that cannot be imported; ``args[0]`` is the report reason."""


# -- AnyValue rendering (pdata's Value.AsString) ---------------------------------

_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_NEEDS_ESCAPE = re.compile('[\\\\"\x00-\x1f\u2028\u2029]')


def _json_quote(s: str) -> str:
    """A JSON string literal as Go's encoding/json writes it without HTML escaping."""
    return '"' + _NEEDS_ESCAPE.sub(lambda m: _ESCAPES.get(m.group(), f"\\u{ord(m.group()):04x}"), s) + '"'


def format_double(f: float) -> str:
    """A double as pdata renders it (ES6 number to string, as Go's encoding/json).

    Fixed notation with the shortest round-trip digits for 1e-6 <= |f| < 1e21
    (``3.0`` -> ``"3"``), exponent notation outside (``1.5e-07`` -> ``"1.5e-7"``,
    ``1e21`` -> ``"1e+21"``). NaN and infinities give Go's error text
    (``"json: unsupported value: NaN"``), as pdata does.
    """
    if math.isnan(f) or math.isinf(f):
        return "json: unsupported value: " + ("NaN" if math.isnan(f) else ("+Inf" if f > 0 else "-Inf"))
    a = abs(f)
    if a != 0 and (a < 1e-6 or a >= 1e21):
        return re.sub(r"e-0(\d)$", r"e-\1", repr(f))
    text = format(Decimal(repr(f)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _json_raw(v: Any) -> str:
    """Go's json.Marshal of pdata's ``AsRaw`` value (maps with sorted keys)."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            raise _Unusable("unsupported_float")
        return format_double(v)
    if isinstance(v, str):
        return _json_quote(v)
    if isinstance(v, bytes):
        return '"' + base64.b64encode(v).decode() + '"'
    if isinstance(v, list):
        return "[" + ",".join(_json_raw(x) for x in v) + "]"
    return "{" + ",".join(_json_quote(k) + ":" + _json_raw(v[k]) for k in sorted(v)) + "}"


def as_string(v: Any) -> str:
    """Render a decoded AnyValue (see :func:`decode_any_value`) like pdata's ``Value.AsString``.

    Strings as is; None (an empty AnyValue) as ''; bools as ``true``/``false``;
    ints in decimal; doubles per :func:`format_double`; bytes as standard
    base64; arrays and kvlists as compact JSON with sorted keys. A container
    holding NaN or an infinity renders as '' (Go's json.Marshal fails on it).
    """
    if isinstance(v, str):
        return v
    if v is None:
        return ""
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return format_double(v)
    if isinstance(v, bytes):
        return base64.b64encode(v).decode()
    try:
        return _json_raw(v)
    except _Unusable:
        return ""


# -- OTLP JSON decoding ---------------------------------------------------------


def _snake(name: str) -> str:
    return re.sub(r"[A-Z]", lambda m: "_" + m.group().lower(), name)


_ALIASES = {
    name: _snake(name)
    for name in (
        "resourceLogs",
        "scopeLogs",
        "logRecords",
        "schemaUrl",
        "timeUnixNano",
        "observedTimeUnixNano",
        "severityNumber",
        "severityText",
        "traceId",
        "spanId",
        "eventName",
        "stringValue",
        "boolValue",
        "intValue",
        "doubleValue",
        "arrayValue",
        "kvlistValue",
        "bytesValue",
        "resourceSpans",
        "resourceMetrics",
        "resourceProfiles",
    )
}


_CANONICAL = {**{k: k for k in _ALIASES}, **{v: k for k, v in _ALIASES.items()}}


def _get(obj: dict, name: str) -> Any:
    """Field ``name`` (lowerCamelCase) of a JSON object, also under its snake_case name; null is absent."""
    v = obj.get(name)
    if v is None and name in _ALIASES:
        v = obj.get(_ALIASES[name])
    return v


def _list(obj: dict, name: str) -> list:
    v = _get(obj, name)
    if v is None:
        return []
    if not isinstance(v, list):
        raise _Unusable("wrong_type")
    return v


def _object(v: Any) -> dict:
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise _Unusable("wrong_type")
    return v


def _string(obj: dict, name: str) -> str:
    v = _get(obj, name)
    if v is None:
        return ""
    if not isinstance(v, str):
        raise _Unusable("wrong_type")
    return v


def _integer(v: Any, lo: int, hi: int, reason: str = "wrong_type") -> int:
    """An OTLP JSON integer: a number or a decimal string, within [lo, hi]."""
    if isinstance(v, bool):
        raise _Unusable(reason)
    if isinstance(v, str):
        try:
            v = int(v.strip()) if re.fullmatch(r"\s*-?\d+\s*", v) else float(v)
        except ValueError:
            raise _Unusable(reason) from None
    if isinstance(v, float):
        if not v.is_integer():
            raise _Unusable(reason)
        v = int(v)
    if not isinstance(v, int) or not lo <= v <= hi:
        raise _Unusable(reason)
    return v


def _double(v: Any) -> float:
    if isinstance(v, bool):
        raise _Unusable("wrong_type")
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):
        named = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
        if v in named:
            return named[v]
        try:
            return float(v)
        except ValueError:
            raise _Unusable("wrong_type") from None
    raise _Unusable("wrong_type")


def _bytes(v: Any) -> bytes:
    if not isinstance(v, str):
        raise _Unusable("wrong_type")
    s = v.strip().replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(s + "=" * (-len(s) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise _Unusable("wrong_type") from None


def decode_any_value(v: Any) -> Any:
    """An OTLP JSON AnyValue as a plain value.

    Returns
    -------
    str, bool, int, float, bytes, list (arrayValue), dict (kvlistValue, the last
    of repeated keys wins), or None for an empty AnyValue. When several value
    fields are present the last one counts, as in protobuf's JSON decoding.

    Raises
    ------
    ValueError
        A value field of the wrong JSON type.
    """
    if type(v) is dict and len(v) == 1:
        s = v.get("stringValue")
        if type(s) is str:
            return s
    obj = _object(v)
    out: Any = None
    for key, raw in obj.items():
        if raw is None:
            continue
        kind = _CANONICAL.get(key, key)
        if kind == "stringValue":
            if not isinstance(raw, str):
                raise _Unusable("wrong_type")
            out = raw
        elif kind == "boolValue":
            if not isinstance(raw, bool):
                raise _Unusable("wrong_type")
            out = raw
        elif kind == "intValue":
            out = _integer(raw, INT64_MIN, INT64_MAX)
        elif kind == "doubleValue":
            out = _double(raw)
        elif kind == "bytesValue":
            out = _bytes(raw)
        elif kind == "arrayValue":
            out = [decode_any_value(x) for x in _list(_object(raw), "values")]
        elif kind == "kvlistValue":
            out = {k: x for k, x in _attributes(_object(raw), "values")}
    return out


def _key_values(obj: dict, name: str) -> Iterator[tuple[str, Any]]:
    """(key, raw AnyValue) of each entry of the kvlist ``obj[name]``, in order; a missing key is ""."""
    for kv in _list(obj, name):
        if type(kv) is not dict:
            raise _Unusable("wrong_type")
        key = kv.get("key")
        if type(key) is not str:
            if key is not None:
                raise _Unusable("wrong_type")
            key = ""
        yield key, kv.get("value")


def _attributes(obj: dict, name: str = "attributes") -> list[tuple[str, Any]]:
    """Decoded key/value pairs of a kvlist, in order (repeated keys kept; the caller decides)."""
    return [(key, decode_any_value(v)) for key, v in _key_values(obj, name)]


def _rendered(obj: dict, name: str = "attributes") -> list[tuple[str, str]]:
    """Attributes of ``obj`` as (key, ``AsString`` value) pairs; string values take a short path."""
    pairs = []
    for key, v in _key_values(obj, name):
        if type(v) is dict and len(v) == 1:
            s = v.get("stringValue")
            if type(s) is str:
                pairs.append((key, s))
                continue
        pairs.append((key, as_string(decode_any_value(v))))
    return pairs


def _hex_id(obj: dict, name: str, nbytes: int) -> str:
    v = _get(obj, name)
    if v is None or v == "":
        return ""
    if not isinstance(v, str) or not re.fullmatch(f"[0-9a-fA-F]{{{2 * nbytes}}}", v):
        raise _Unusable("bad_id")
    v = v.lower()
    return "" if v.strip("0") == "" else v


def _severity(v: Any) -> int:
    if v is None:
        return 0
    if isinstance(v, str) and v in SEVERITY_NUMBERS:
        return SEVERITY_NUMBERS[v]
    return _integer(v, -(1 << 31), (1 << 31) - 1) & 0xFF


COLUMNS = (
    "Timestamp",
    "TraceId",
    "SpanId",
    "TraceFlags",
    "SeverityText",
    "SeverityNumber",
    "ServiceName",
    "Body",
    "ResourceSchemaUrl",
    "ResourceAttributes",
    "ScopeSchemaUrl",
    "ScopeName",
    "ScopeVersion",
    "ScopeAttributes",
    "LogAttributes",
    "EventName",
)
"""Columns of ``otel_import_stage``, in order."""


def rows_from_body(body: Any, report: OtelImportReport) -> list[tuple]:
    """The ``otel_logs`` rows of one decoded ExportLogsServiceRequest.

    Parameters
    ----------
    body : object
        The decoded JSON body.
    report : OtelImportReport
        Receives the skipped parts by reason; ``records`` is not changed.

    Returns
    -------
    list of tuple
        One tuple per usable log record, values in :data:`COLUMNS` order;
        ``Timestamp`` in nanoseconds since the epoch, maps as lists of pairs.
    """
    if not isinstance(body, dict):
        report.skip("not_an_object")
        return []
    if _get(body, "resourceLogs") is None and any(
        _get(body, k) is not None for k in ("resourceSpans", "resourceMetrics", "resourceProfiles")
    ):
        report.skip("not_logs")
        return []
    try:
        resources = _list(body, "resourceLogs")
    except _Unusable as exc:
        report.skip(exc.args[0])
        return []
    rows: list[tuple] = []
    for rl in resources:
        try:
            rl = _object(rl)
            res_attrs = _rendered(_object(rl.get("resource")))
            service = next((v for k, v in res_attrs if k == "service.name"), "")
            res_url = _string(rl, "schemaUrl")
            scopes = _list(rl, "scopeLogs")
        except _Unusable as exc:
            report.skip(exc.args[0])
            continue
        for sl in scopes:
            try:
                sl = _object(sl)
                scope = _object(sl.get("scope"))
                scope_name, scope_version = _string(scope, "name"), _string(scope, "version")
                scope_attrs = _rendered(scope)
                scope_url = _string(sl, "schemaUrl")
                records = _list(sl, "logRecords")
            except _Unusable as exc:
                report.skip(exc.args[0])
                continue
            for r in records:
                try:
                    rows.append(
                        _row(
                            _object(r),
                            service,
                            res_url,
                            res_attrs,
                            scope_url,
                            scope_name,
                            scope_version,
                            scope_attrs,
                        )
                    )
                except _Unusable as exc:
                    report.skip(exc.args[0])
    return rows


def _row(r: dict, service, res_url, res_attrs, scope_url, scope_name, scope_version, scope_attrs) -> tuple:
    ts = 0
    for name in ("timeUnixNano", "observedTimeUnixNano"):
        v = _get(r, name)
        if v is not None:
            ts = _integer(v, 0, INT64_MAX, "bad_timestamp")
        if ts:
            break
    flags = _get(r, "flags")
    return (
        ts,
        _hex_id(r, "traceId", 16),
        _hex_id(r, "spanId", 8),
        0 if flags is None else _integer(flags, 0, (1 << 32) - 1) & 0xFF,
        _string(r, "severityText"),
        _severity(_get(r, "severityNumber")),
        service,
        as_string(decode_any_value(r.get("body"))),
        res_url,
        res_attrs,
        scope_url,
        scope_name,
        scope_version,
        scope_attrs,
        _rendered(r),
        _string(r, "eventName"),
    )


def read_bodies(path: Path, report: OtelImportReport) -> Iterator[Any]:
    """Decoded JSON bodies of one file; unusable lines are counted in ``report``.

    A file that parses as one JSON value is one body; otherwise every non-blank
    line is one body. A file none of whose lines parses counts once as
    ``malformed_json`` (a broken pretty-printed body is one bad body, not many).
    """
    try:
        data = path.read_bytes()
    except OSError:
        report.skip("unreadable_file")
        return
    report.files += 1
    if not data.strip():
        return
    try:
        whole = orjson.loads(data)
    except orjson.JSONDecodeError:
        pass
    else:
        report.lines += 1
        yield whole
        return
    lines = [ln for ln in data.split(b"\n") if ln.strip()]
    parsed: list[Any] = []
    bad = 0
    for ln in lines:
        try:
            parsed.append(orjson.loads(ln))
        except orjson.JSONDecodeError:
            bad += 1
            parsed.append(_Unusable)
    if bad == len(lines):
        report.lines += 1
        report.skip("malformed_json")
        return
    for value in parsed:
        report.lines += 1
        if value is _Unusable:
            report.skip("malformed_json")
        else:
            yield value


def discover_otel_files(paths: list[Path]) -> list[Path]:
    """The files to read: files given, and ``*.json``/``*.jsonl``/``*.ndjson`` under directories.

    A path that does not exist is kept, so the import counts it as unreadable.
    """
    found: list[Path] = []
    for p in paths:
        p = Path(p).expanduser()
        if p.is_dir():
            for dirpath, _dirs, files in os.walk(p, followlinks=True):
                found.extend(Path(dirpath, f).resolve() for f in files if f.endswith(SUFFIXES))
        else:
            found.append(p.resolve() if p.exists() else p)
    return sorted(set(found))


def _arrow_table(rows: list[tuple]):
    import pyarrow as pa

    string_map = pa.map_(pa.string(), pa.string())
    types = {
        "Timestamp": pa.timestamp("ns", tz="UTC"),
        "TraceFlags": pa.uint8(),
        "SeverityNumber": pa.uint8(),
        "ResourceAttributes": string_map,
        "ScopeAttributes": string_map,
        "LogAttributes": string_map,
    }
    columns = list(zip(*rows, strict=True))
    return pa.table(
        {
            name: pa.array(col, type=types.get(name, pa.string()))
            for name, col in zip(COLUMNS, columns, strict=True)
        }
    )


def import_otel(store, paths: list[Path], metrics=None) -> OtelImportReport:
    """Import OTLP/HTTP JSON log exports into ``otel_logs``, skipping records already there.

    Parameters
    ----------
    store : analytics.store.Store
        A writable store whose ``otel_logs`` table exists (``ensure_schema``,
        or the collector's own table on a server).
    paths : list of Path
        Files, or directories searched for ``*.json``, ``*.jsonl`` and ``*.ndjson``.
    metrics : callable(body) -> bool, optional
        Offered every body first; a body it takes (returns True for) is not a
        logs body (``analytics.ingest.otel_metrics.MetricsImport.take``).

    Returns
    -------
    OtelImportReport
        Counts of what was read, inserted and skipped. Nothing raises for bad
        input: unreadable files, malformed lines and unusable records are
        counted and skipped. A run that inserted rows is recorded in
        ``ingest_runs`` as kind ``otel``.
    """
    t0 = time.perf_counter()
    report = OtelImportReport()
    store.command("otel_import_stage")
    store.command("otel_import_clear")
    rows: list[tuple] = []
    try:
        for path in discover_otel_files(paths):
            for body in read_bodies(path, report):
                if metrics is not None and metrics(body):
                    continue
                new = rows_from_body(body, report)
                report.records += len(new)
                rows.extend(new)
                if len(rows) >= CHUNK_ROWS:
                    store.insert_arrow("otel_import_stage", _arrow_table(rows))
                    rows = []
        if rows:
            store.insert_arrow("otel_import_stage", _arrow_table(rows))
        if report.records:
            staged, new_records = store.rows("otel_import_counts")[0]
            columns = {name for (name,) in store.rows("otel_logs_columns")}
            store.command(
                "otel_import_insert" if "EventName" in columns else "otel_import_insert_no_event_name"
            )
            report.inserted = int(new_records)
            report.duplicates = int(staged) - report.inserted
            if report.inserted:
                rollups.refresh_pending(store)
    finally:
        store.command("otel_import_clear")
    report.seconds = round(time.perf_counter() - t0, 4)
    if report.inserted:
        record_run(store, "otel", report.to_dict(), t0)
    return report
