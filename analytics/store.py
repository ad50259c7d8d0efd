"""One store interface over two ClickHouse engines.

* Embedded (default): chDB on a database directory, opened through
  clickhouse-connect's ``get_client(dsn="chdb:///abs/path")``.
* Server: a ClickHouse server or cluster reached over HTTP(S) by
  clickhouse-connect, configured in ``.streamlit/secrets.toml`` under
  ``[connections.telemetry]`` or by ``CLICKHOUSE_*`` environment variables.

Both run the same named ``.sql`` files from ``analytics/sql`` with values bound
as ``{name:Type}`` parameters by clickhouse-connect's binder. The few statements
whose table varies (emptying an ingest stage table, counting or copying a
table) are Store methods that take the name from an allow-list
(:data:`STAGE_TABLES`, :data:`TABLES`); the schema upkeep in
:meth:`Store.ensure_schema` is the store's own.

Threads: calls on one clickhouse-connect client are serialised, so the store
keeps a small pool of clients (separate chDB clients on one path run in
parallel) and hands each call its own.

Who writes: one process owns a chDB directory. While the app is open it owns
the store and ingests itself (refresh / auto-refresh). A CLI command that finds
the directory locked stops before reading anything, with exit code 3 and a
message saying so (:class:`StoreLocked`); no row is read, so none is lost.
"""

from __future__ import annotations

import hashlib
import os
import queue
import re
import threading
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

SQL_DIR = Path(__file__).parent / "sql"
SCHEMA_VERSION = "4"
_EVENTS_V3 = (
    "ALTER TABLE events ADD COLUMN IF NOT EXISTS hidden UInt8 DEFAULT 0",
    "ALTER TABLE events MODIFY SETTING enable_block_number_column = 1, enable_block_offset_column = 1",
    "DROP TABLE IF EXISTS ingest_events",  # a stage table made `AS events`: recreated with the new column
)
"""Brings a version-2 events table to version 3 (the hidden flag behind atomic replacement)."""
_EVENTS_V4 = (
    "ALTER TABLE events ADD COLUMN IF NOT EXISTS repository String AFTER project",
    "ALTER TABLE events ADD COLUMN IF NOT EXISTS duration_source LowCardinality(String) AFTER duration_ms",
    "ALTER TABLE events ADD COLUMN IF NOT EXISTS output_text String AFTER text",
    "ALTER TABLE events ADD INDEX IF NOT EXISTS idx_output lower(output_text) "
    "TYPE text(tokenizer = splitByNonAlpha) GRANULARITY 1",
    "DROP TABLE IF EXISTS ingest_events",  # stage tables of the old shape: recreated with the new columns
    "DROP TABLE IF EXISTS ingest_parsed",
)
"""Brings a version-3 events table to version 4 (repository, duration_source, output_text)."""
_ROWS_V4 = (
    "ALTER TABLE events UPDATE repository = cc_repository_label(project, ''), project = cc_home_label(project), "
    "duration_source = if(duration_ms IS NULL, '', if(source = 'jsonl', 'derived', 'reported')) "
    "WHERE 1 SETTINGS mutations_sync = 2",
    "DELETE FROM ingest_files WHERE kind = 'jsonl'",
)
"""Gives the rows of a store older than version 4 the new fields as far as they can be known without the
transcripts (labels, the layout rule's repository, where durations came from), and forgets how far each
transcript was read: the next ingest reads every transcript again and its rows, of a newer
:data:`analytics.ingest.jsonl.PARSE_FORMAT`, replace the stored ones (projects by directory, derived
request durations, texts) without adding any. Rows whose transcript is gone keep what this gave them."""
MIN_SERVER_MAJOR = 26
POOL_SIZE = 4
EMBEDDED_SETTINGS = {"max_block_size": 8192}
"""Sent with every query to the embedded engine, which shares the app's memory: blocks of 8k rows
instead of 64k lower a big aggregation's peak (the session metrics at 10M events: 936 -> 824 MiB of
process memory) and it runs no slower; a full scan pays ~80 ms at 10M. A server keeps its own
settings (a read-only user may change none)."""
EMBEDDED_TABLE_SETTINGS = "cleanup_delay_period = 1, cleanup_delay_period_random_add = 0"
"""Given to every MergeTree table of an embedded store but ``otel_logs`` (its shape is the exporter's).

The engine removes the parts a replacement, a rollup refresh or a merge leaves outdated only from a
background pass, by default 30-40 s after the store is opened, and not when the process ends: a
store written only by short commands (an ``ingest`` run by a scheduler) kept them all, and with 466
of them ``report`` opened it 0.13 s slower. A pass a second after opening lets any command that
lives a few seconds (every ingest with something to read) remove what the runs before it left."""
APP_NAME = "cc-telemetry-analytics"
STAGE_TABLES = frozenset(
    {"ingest_stage", "ingest_parsed", "ingest_events", "ingest_replaced", "ingest_chunks", "rollup_touched"}
)
"""Scratch tables of the JSONL ingest and the rollup refresh, emptied before and after each use: all
:meth:`Store.truncate` empties."""
TABLES = (
    frozenset(
        {
            "events",
            "otel_logs",
            "tool_uses",
            "transcript_lines",
            "project_dirs",
            "prices",
            "ingest_runs",
            "ingest_files",
            "meta",
            "rollup_hourly",
            "rollup_sessions",
            "rollup_session_metrics",
            "rollup_errors",
            "rollup_latency",
            "rollup_token_mix",
            "rollup_tools",
            "rollup_pending",
            "outcomes",
            "outcome_tool_uses",
            "ingest_outcome_blocks",
            "otel_metrics_sum",
            "otel_metrics_import_stage",
        }
    )
    | STAGE_TABLES
)
"""The tables the schema files create: the only table names the allow-listed Store methods put into SQL."""
COLUMN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?")
"""A column name the allow-listed methods put into SQL (backquoted): an identifier, or a nested
column's ``Parent.child`` (the exporter's ``Exemplars.*``)."""


class StoreError(RuntimeError):
    """A store could not be opened or used; the message is meant for users."""


class StoreLocked(StoreError):
    """Another process owns the embedded database directory."""


_OS_ERROR = re.compile(r"(\[Errno -?\d+\] [^'\")]+)")
_READ_TIMEOUT = re.compile(r"Read timed out\. \(read timeout=([\d.]+)\)")
_CH_MESSAGE = re.compile(r"Code: (\d+)\. DB::Exception: (.*?)(?: \(version [^)]*\))?(?: \(for url [^)]*\))?$")


def failure_reason(exc: BaseException) -> str:
    """One line saying why ``exc`` (a clickhouse-connect or chDB error) happened.

    ClickHouse's own ``Code: N. DB::Exception: ... (NAME)`` text when there is
    one (without the version and URL the HTTP client appends), else the
    operating system's error (``[Errno 111] Connection refused``), else a read
    timeout, else the first line of the message, shortened to 300 characters.
    """
    text = " ".join(str(exc).split())
    i = text.find("Code: ")
    if i >= 0:
        m = _CH_MESSAGE.match(text[i:])
        if m:
            body = m.group(2)
            if len(body) > 300:  # keep the error's name, which ends the message
                name = re.search(r" \([A-Z_]+\)$", body)
                body = body[:280] + "..." + (name.group(0) if name else "")
            return f"Code: {m.group(1)}. {body}"
    m = _OS_ERROR.search(text)
    if m:
        return m.group(1)
    m = _READ_TIMEOUT.search(text)
    if m:
        return f"no answer within {m.group(1)} s"
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return first if len(first) <= 300 else first[:297] + "..."


def describe_failure(exc: BaseException, what: str, location: str) -> str:
    """A user-facing sentence for a failed call ``what`` on the store at ``location``."""
    reason = failure_reason(exc)
    text = str(exc)
    if "TIMEOUT_EXCEEDED" in text or "timed out" in text.lower():
        return f"The store at {location} did not finish {what} in time: {reason}"
    if "NOT_ENOUGH_SPACE" in text or "No space left" in text:
        return f"The store at {location} has no disk space left for {what}: {reason}"
    return f"The store at {location} failed on {what}: {reason}"


def default_db_path() -> Path:
    """The embedded store used when neither ``--db`` nor ``ANALYTICS_DB`` is given."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME)) / "chdb"


_TSV_ESCAPE = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0"}
"""What a TabSeparated field escapes; the backslash first, so the bytes' replacements never touch their own."""
_TSV_ESCAPES = str.maketrans(_TSV_ESCAPE)
_TSV_BYTE_ESCAPES = tuple((raw.encode(), escaped.encode()) for raw, escaped in _TSV_ESCAPE.items())
TSV_INSERT = {"date_time_input_format": "best_effort"}
"""Settings of a :func:`tsv_rows` insert: a datetime with an offset is read as that instant."""


def _literal(value: Any, nested: bool) -> str:
    """``value`` as ClickHouse text: a TabSeparated field (to escape), or inside an array or map."""
    if value is None:
        return "NULL" if nested else "\\N"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)  # nan and inf read as such
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime | date):
        text = value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
        return f"'{text}'" if nested else text
    if isinstance(value, str):
        return "'" + value.translate(_TSV_ESCAPES).replace("'", "\\'") + "'" if nested else value
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{_literal(k, True)}:{_literal(v, True)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_literal(v, True) for v in value) + "]"
    raise TypeError(f"cannot insert a {type(value).__name__}")


def _tsv_field(value: Any) -> bytes:
    if isinstance(value, bytes):  # a transcript line as read: any bytes, stored as they are
        for raw, escaped in _TSV_BYTE_ESCAPES:
            value = value.replace(raw, escaped)
        return value
    if value is None or isinstance(value, Mapping | list | tuple):  # quoted inside already
        return _literal(value, False).encode()
    return _literal(value, False).translate(_TSV_ESCAPES).encode()


def tsv_rows(rows: Sequence[Sequence[Any]]) -> bytes:
    """``rows`` in ClickHouse's TabSeparated format: None is NULL, bytes are stored as they are, a
    datetime without a zone is read in the column's (or the engine's) zone as the client library
    did, one with a zone as that instant (:data:`TSV_INSERT`), dicts are maps, lists arrays."""
    return b"".join(b"\t".join(_tsv_field(v) for v in row) + b"\n" for row in rows)


@cache
def sql_text(name: str) -> str:
    """Text of ``analytics/sql/<name>.sql``; an unknown name fails loudly.

    A part, ``analytics/sql/_<part>.sql``, stands where the text writes ``__<PART>__``: the shared
    text of two queries (``_outcomes_joined.sql``), and in every query the standard filters
    (``_filters.sql``, last, so a part may use them too).
    """
    if not re.fullmatch(r"[a-z0-9_]+(/[a-z0-9_]+)?", name):
        raise KeyError(f"invalid query name {name!r}")
    path = SQL_DIR / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no query named {name!r} (expected {path})")
    text = path.read_text()
    for part in sorted(SQL_DIR.glob("_*.sql"), key=lambda p: p.name == "_filters.sql"):
        text = text.replace(f"__{part.stem[1:].upper()}__", part.read_text().strip())
    return text


_REPLACEABLE = re.compile(
    r"^\s*CREATE\s+OR\s+REPLACE\s+(?:VIEW|FUNCTION)\s+(\w+)", re.IGNORECASE | re.MULTILINE
)
"""DDL that rewrites its object each time it runs (views and functions), with the object's name."""
_CREATED = re.compile(
    r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TABLE|(?:MATERIALIZED\s+)?VIEW|FUNCTION)\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)",
    re.IGNORECASE | re.MULTILINE,
)
"""The object a schema statement creates, by name."""


_READS_TELEMETRY = re.compile(r"\bFROM(\s+)telemetry\b")
"""Where a query reads the ``telemetry`` view."""


def schema_statements() -> list[tuple[str, str]]:
    """(name, DDL) of every schema file, in order."""
    return [(p.stem, p.read_text()) for p in sorted((SQL_DIR / "schema").glob("*.sql"))]


@dataclass(frozen=True)
class ServerConfig:
    host: str
    port: int | None = None
    username: str = "default"
    password: str = field(default="", repr=False)
    database: str = "default"
    secure: bool = False
    query_timeout: float = 60.0
    """Seconds to wait for the server's answer to one call before giving up with a StoreError."""

    @classmethod
    def from_mapping(cls, m: Mapping[str, Any]) -> ServerConfig:
        port = m.get("port")
        timeout = m.get("query_timeout")
        return cls(
            host=str(m["host"]),
            port=int(port) if port not in (None, "") else None,
            username=str(m.get("username") or m.get("user") or "default"),
            password=str(m.get("password") or ""),
            database=str(m.get("database") or "default"),
            secure=str(m.get("secure", "")).lower() in ("1", "true", "yes"),
            query_timeout=float(timeout) if timeout not in (None, "") else 60.0,
        )


def read_secrets(paths: list[Path] | None = None) -> dict[str, Any]:
    """Streamlit's secrets files, read without importing streamlit (project file wins)."""
    paths = paths or [Path.home() / ".streamlit" / "secrets.toml", Path.cwd() / ".streamlit" / "secrets.toml"]
    merged: dict[str, Any] = {}
    for p in paths:
        if p.is_file():
            with p.open("rb") as fh:
                merged.update(tomllib.load(fh))
    return merged


def server_config_from_env(env: Mapping[str, str] | None = None, secrets: Mapping[str, Any] | None = None):
    """The server named by ``CLICKHOUSE_*`` variables or ``[connections.telemetry]``, else None."""
    env = os.environ if env is None else env
    if env.get("CLICKHOUSE_HOST"):
        return ServerConfig.from_mapping(
            {
                "host": env["CLICKHOUSE_HOST"],
                "port": env.get("CLICKHOUSE_PORT"),
                "username": env.get("CLICKHOUSE_USER") or env.get("CLICKHOUSE_USERNAME"),
                "password": env.get("CLICKHOUSE_PASSWORD"),
                "database": env.get("CLICKHOUSE_DATABASE"),
                "secure": env.get("CLICKHOUSE_SECURE", ""),
                "query_timeout": env.get("CLICKHOUSE_QUERY_TIMEOUT"),
            }
        )
    secrets = read_secrets() if secrets is None else secrets
    conn = secrets.get("connections", {}).get("telemetry")
    if conn and conn.get("host"):
        return ServerConfig.from_mapping(conn)
    return None


def _lock_holder(path: Path) -> str | None:
    """The holder ("PID: n" line) of the engine lock on ``path/status`` if another process holds it."""
    import fcntl

    status = path / "status"
    try:
        fd = os.open(status, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        first = status.read_text(errors="replace").splitlines()
        holder = first[0].strip() if first else "PID: unknown"
        return None if holder == f"PID: {os.getpid()}" else holder
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _lock_message(path: Path, holder: str) -> str:
    return (
        f"The store {path} is open in another process ({holder}; usually the running app). "
        "A local app reads new transcripts itself (the sidebar's Refresh button); a hosted, read-only view "
        "has no such button: stop the process holding the store and run this command again."
    )


def _table(name: str) -> str:
    """``name`` if it is one of :data:`TABLES`, else ValueError."""
    if name not in TABLES:
        raise ValueError(f"not a table of the schema: {name!r}")
    return name


def _column_list(columns: Sequence[str]) -> str:
    """``columns`` quoted and comma-separated; ValueError unless each is a :data:`COLUMN_NAME`."""
    bad = [c for c in columns if not COLUMN_NAME.fullmatch(c)]
    if bad or not columns:
        raise ValueError(f"not plain column names: {bad or list(columns)}")
    return ", ".join(f"`{c}`" for c in columns)


class Store:
    """Named-query access to the telemetry tables on chDB or a ClickHouse server.

    Parameters
    ----------
    factory : callable
        Creates one clickhouse-connect client; called up to ``POOL_SIZE`` times.
    kind : {"embedded", "server"}
    location : str
        Directory of the embedded store, or ``host:port/database`` of a server.
    """

    def __init__(self, factory, kind: str, location: str, readonly: bool = False):
        self.kind = kind
        self.location = location
        self.readonly = readonly
        self._factory = factory
        self._idle: queue.LifoQueue = queue.LifoQueue()
        self._all: list = []
        self._lock = threading.Lock()
        self._closed = False
        self._can_purge = True
        self._lighter_views: bool | None = None
        self._present: set[str] = set()
        self._idle.put(self._new_client())

    # -- opening -------------------------------------------------------------
    @classmethod
    def open_embedded(
        cls, path: str | os.PathLike, readonly: bool = False, database: str | None = None
    ) -> Store:
        """Open (creating if needed) the chDB directory ``path``.

        ``database`` selects a database inside it (created if needed); tests use
        one per test because a process can hold only one chDB directory.
        """
        import clickhouse_connect

        path = Path(path).expanduser().resolve()
        if readonly and not path.is_dir():
            raise StoreError(f"The store {path} does not exist.")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"Cannot create the store directory {path}: {exc.strerror}.") from exc
        if not os.access(path, os.W_OK):
            if readonly:  # chDB writes its lock and status files even to read
                raise StoreError(
                    f"The store directory {path} is not writable, and the embedded engine needs to write its "
                    "lock and status files there even to read: copy the store to a writable place (cp -a) "
                    "or serve it from a ClickHouse server."
                )
            raise StoreError(f"The store directory {path} is not writable.")

        holder = _lock_holder(path)
        if holder is not None:  # checked first: chDB would also print its own error to stderr
            raise StoreLocked(_lock_message(path, holder))
        if database is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", database):
            raise StoreError(f"invalid database name {database!r}")

        def factory():
            try:
                client = clickhouse_connect.get_client(dsn=f"chdb://{path}", settings=EMBEDDED_SETTINGS)
                if database:
                    client.command(f"CREATE DATABASE IF NOT EXISTS {database}")
                    client.database = database
                return client
            except Exception as exc:  # chDB reports the lock as a generic error
                holder = _lock_holder(path)
                if holder is not None:
                    raise StoreLocked(_lock_message(path, holder)) from exc
                raise StoreError(f"Cannot open the store {path}: {exc}") from exc

        return cls(factory, "embedded", str(path), readonly=readonly)

    @classmethod
    def open_server(cls, cfg: ServerConfig, readonly: bool = False) -> Store:
        """Connect to a ClickHouse server; refuse versions older than 26.

        A call the server does not answer within ``cfg.query_timeout`` seconds
        raises :class:`StoreError`.
        """
        import clickhouse_connect

        hint = "Check [connections.telemetry] in .streamlit/secrets.toml or the CLICKHOUSE_* variables."

        def factory():
            try:
                return clickhouse_connect.get_client(
                    host=cfg.host,
                    port=cfg.port or (8443 if cfg.secure else 8123),
                    username=cfg.username,
                    password=cfg.password,
                    database=cfg.database,
                    secure=cfg.secure,
                    autogenerate_session_id=False,
                    connect_timeout=min(5.0, cfg.query_timeout),
                    send_receive_timeout=cfg.query_timeout,
                )
            except Exception as exc:
                where = f"{cfg.host}:{cfg.port or ''}"
                if "AUTHENTICATION_FAILED" in str(exc) or "REQUIRED_PASSWORD" in str(exc):
                    message = f"The ClickHouse server at {where} refused user {cfg.username!r}"
                elif "timed out" in str(exc).lower():
                    message = (
                        f"The ClickHouse server at {where} did not answer within {cfg.query_timeout:g} s"
                    )
                else:
                    message = f"Cannot reach the ClickHouse server at {where}"
                raise StoreError(f"{message} ({failure_reason(exc)}). {hint}") from exc

        store = cls(factory, "server", f"{cfg.host}:{cfg.port or ''}/{cfg.database}", readonly=readonly)
        store.check_server_version()
        return store

    @classmethod
    def from_env(cls, db: str | os.PathLike | None = None, readonly: bool = False) -> Store:
        """``db`` (``--db``), else ``ANALYTICS_DB``, else a configured server, else the default directory.

        ``ANALYTICS_DATABASE`` picks a database inside an embedded directory (default: chDB's own).
        """
        database = os.environ.get("ANALYTICS_DATABASE") or None
        if db:
            return cls.open_embedded(db, readonly=readonly, database=database)
        if os.environ.get("ANALYTICS_DB"):
            return cls.open_embedded(os.environ["ANALYTICS_DB"], readonly=readonly, database=database)
        cfg = server_config_from_env()
        if cfg is not None:
            return cls.open_server(cfg, readonly=readonly)
        return cls.open_embedded(default_db_path(), readonly=readonly)

    # -- clients -------------------------------------------------------------
    def _new_client(self):
        client = self._factory()
        with self._lock:
            self._all.append(client)
        return client

    @contextmanager
    def client(self) -> Iterator[Any]:
        """Borrow a client for one call; creates up to POOL_SIZE, then waits."""
        if self._closed:
            raise StoreError("the store is closed")
        try:
            c = self._idle.get_nowait()
        except queue.Empty:
            with self._lock:
                grow = len(self._all) < POOL_SIZE
            c = self._new_client() if grow else self._idle.get()
        try:
            yield c
        finally:
            self._idle.put(c)

    def close(self) -> None:
        """Close every client (a process may open another chDB directory afterwards)."""
        self._closed = True
        with self._lock:
            clients, self._all = self._all, []
        for c in clients:
            try:
                c.close()
            except Exception:
                pass

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- queries -------------------------------------------------------------
    @contextmanager
    def _call(self, what: str) -> Iterator[Any]:
        """Borrow a client for ``what``; an engine or connection failure becomes a one-line StoreError.

        The original exception stays chained (``__cause__``).
        """
        from clickhouse_connect.driver.exceptions import Error as ClientError

        with self.client() as c:
            try:
                yield c
            except ClientError as exc:
                raise StoreError(describe_failure(exc, what, self.location)) from exc

    def _planned(self, sql: str) -> str:
        """``sql`` reading the lightest view that holds ``telemetry``'s rows in this store.

        A store without OpenTelemetry events reads ``telemetry_without_otel``,
        one without transcript API requests ``source_events``: the same rows
        then (no request can be in both sources), planned in 3-13 ms where
        ``telemetry``'s OpenTelemetry branch and cross-source join take
        35-110 ms in every query that reads it, whatever the data. A source's
        absence is asked before each such query (``otel_stored.sql``,
        ``transcript_requests_stored.sql``, ~2 ms), so its first event brings
        the view of record back at once; its presence is remembered (a view
        chosen for a source present is right whether or not it still is), and
        a store holding both reads ``telemetry`` without asking. A store last
        written by an older version and opened read-only may lack
        ``telemetry_without_otel``: it reads ``telemetry``.
        """
        if not _READS_TELEMETRY.search(sql):
            return sql
        if self._lighter_views is None:
            self._lighter_views = self.table_exists("telemetry_without_otel")
        if not self._lighter_views:
            return sql
        for source, view in (("otel", "telemetry_without_otel"), ("transcript_requests", "source_events")):
            if source not in self._present:
                if not self.rows(f"{source}_stored")[0][0]:
                    return _READS_TELEMETRY.sub(rf"FROM\1{view}", sql)
                self._present.add(source)
        return sql

    def query(self, name: str, **params: Any) -> pd.DataFrame:
        """Run the named query and return a DataFrame."""
        sql = self._planned(sql_text(name))
        with self._call(f"query {name!r}") as c:
            return c.query_df(sql, parameters=params or None)

    def query_arrow(self, name: str, **params: Any) -> pa.Table:
        """Run the named query and return a pyarrow Table: list and string columns arrive without one
        Python object per value (a frame of 27k sessions with their model lists: 0.13 s, not 0.25 s)."""
        sql = self._planned(sql_text(name))
        with self._call(f"query {name!r}") as c:
            return c.query_arrow(sql, parameters=params or None)

    def query_sql(self, sql: str, **params: Any) -> pd.DataFrame:
        """Run SQL text shipped with the package (never user text) with bound parameters."""
        sql = self._planned(sql)
        with self._call("a query") as c:
            return c.query_df(sql, parameters=params or None)

    def rows(self, name: str, **params: Any) -> list[tuple]:
        """Run the named query and return plain tuples (no pandas import)."""
        sql = self._planned(sql_text(name))
        with self._call(f"query {name!r}") as c:
            return c.query(sql, parameters=params or None).result_rows

    def rows_sql(self, sql: str, **params: Any) -> list[tuple]:
        sql = self._planned(sql)
        with self._call("a query") as c:
            return c.query(sql, parameters=params or None).result_rows

    def command(self, name: str, **params: Any) -> Any:
        """Run a named statement (INSERT ... SELECT, DDL, ...)."""
        if self.readonly:
            raise StoreError("the store is open read-only")
        sql = self._planned(sql_text(name))
        with self._call(f"statement {name!r}") as c:
            return c.command(sql, parameters=params or None)

    def command_sql(self, sql: str, **params: Any) -> Any:
        if self.readonly:
            raise StoreError("the store is open read-only")
        with self._call("a statement") as c:
            return c.command(sql, parameters=params or None)

    def insert_df(self, table: str, df: pd.DataFrame) -> None:
        if self.readonly:
            raise StoreError("the store is open read-only")
        with self._call(f"an insert into {table}") as c:
            c.insert_df(table, df)

    def insert_arrow(self, table: str, arrow_table) -> None:
        if self.readonly:
            raise StoreError("the store is open read-only")
        with self._call(f"an insert into {table}") as c:
            c.insert_arrow(table, arrow_table)

    def insert_rows(self, table: str, rows: list, column_names: list[str]) -> None:
        """Insert ``rows`` (lists of values in ``column_names`` order) into ``table``.

        Sent as TabSeparated text (:func:`tsv_rows`): the client library's row insert imports
        pandas to look at its input (0.23 s of a short ingest command that would otherwise never
        load it). To a server the body goes compressed as the client's own inserts do.
        """
        if self.readonly:
            raise StoreError("the store is open read-only")
        if not rows:
            return
        block = tsv_rows(rows)
        with self._call(f"an insert into {table}") as c:
            if c.write_compression:  # None on the embedded engine
                from clickhouse_connect.driver.compression import get_compressor

                compressor = get_compressor(c.write_compression)
                block = bytes(compressor.compress_block(block)) + (compressor.flush() or b"")
            c.raw_insert(
                table,
                column_names,
                insert_block=block,
                fmt="TabSeparated",
                settings=TSV_INSERT,
                compression=c.write_compression,
            )

    # -- statements on a table named by the caller ----------------------------
    # The few statements whose table (or column list) varies. A table name must be
    # in TABLES (STAGE_TABLES to truncate) and a column a plain identifier, else
    # ValueError before any SQL is written; values are bound as everywhere else.
    def truncate(self, table: str) -> None:
        """Empty ``table``, one of the ingest's scratch tables (:data:`STAGE_TABLES`)."""
        if table not in STAGE_TABLES:
            raise ValueError(f"not a stage table: {table!r}")
        self.command_sql(f"TRUNCATE TABLE {table}")

    def count_rows(self, table: str) -> int:
        """Number of rows of ``table`` (one of :data:`TABLES`), hidden event rows included."""
        return int(self.rows_sql(f"SELECT count() FROM {_table(table)}")[0][0])  # noqa: S608 - allow-listed

    def write_query(self, name: str, out: Path, fmt: str, **params: Any) -> None:
        """Stream the result of the named query into the file ``out`` in ClickHouse format ``fmt``.

        ``fmt`` is an output format name such as ``Parquet`` or ``CSVWithNames``;
        the engine writes the bytes, Python only copies them to ``out``.
        """
        self._write(sql_text(name), out, fmt, params)

    def write_table(self, table: str, columns: Sequence[str], out: Path, fmt: str) -> None:
        """Stream ``columns`` of every row of ``table`` (one of :data:`TABLES`) into ``out`` in format ``fmt``."""
        self._write(f"SELECT {_column_list(columns)} FROM {_table(table)}", out, fmt, {})  # noqa: S608

    def insert_parquet(self, table: str, columns: Sequence[str], path: Path) -> None:
        """Insert ``columns`` of the Parquet file ``path`` into the same columns of ``table``.

        ``table`` is one of :data:`TABLES`; ``path`` is read by the engine, so it
        must be on the engine's machine (the embedded store's is this one).
        """
        listed = _column_list(columns)
        self.command_sql(
            f"INSERT INTO {_table(table)} ({listed}) SELECT {listed} FROM file({{path:String}}, 'Parquet')",  # noqa: S608
            path=str(path),
        )

    def _write(self, sql: str, out: Path, fmt: str, params: dict[str, Any]) -> None:
        sql = self._planned(sql)
        with self.client() as c, Path(out).open("wb") as fh:
            for chunk in c.raw_stream(sql, parameters=params or None, fmt=fmt):
                fh.write(chunk)

    # -- schema --------------------------------------------------------------
    def table_exists(self, *tables: str) -> bool:
        """Whether every one of ``tables`` exists (one query)."""
        return int(
            self.rows_sql(
                "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name IN {t:Array(String)}",
                t=list(tables),
            )[0][0]
        ) == len(set(tables))

    def _has_column(self, table: str, column: str) -> bool:
        return bool(
            self.rows_sql(
                "SELECT count() FROM system.columns WHERE database = currentDatabase() "
                "AND table = {t:String} AND name = {c:String}",
                t=table,
                c=column,
            )[0][0]
        )

    def ensure_schema(self) -> None:
        """Create missing tables and (re)create views and functions whose definition changed.

        Migrates an older store: its ``events`` table gets the columns it lacks
        (:data:`_EVENTS_V3`, :data:`_EVENTS_V4`) and its rows the fields a
        version-4 store has (:data:`_ROWS_V4`). Never alters an existing
        otel_logs. A view or function whose definition is already in place (the
        same text, recorded in ``meta``) is not rewritten, so opening a current
        store writes nothing: a full disk then fails only the writes that need
        space, and cannot leave a half-written definition behind that would stop
        the store from opening. When the whole schema is the one the last complete run applied
        (``schema_digest`` in ``meta``) and every object it creates is present, nothing runs.
        Otherwise an embedded store's MergeTree tables also get :data:`EMBEDDED_TABLE_SETTINGS`.
        """
        if self.readonly:
            return
        statements = schema_statements()
        tuned = self.kind == "embedded"
        whole = hashlib.sha256(
            "\n".join(
                [SCHEMA_VERSION, *(ddl for _, ddl in statements), EMBEDDED_TABLE_SETTINGS if tuned else ""]
            ).encode()
        ).hexdigest()[:16]
        present = {
            n for (n,) in self.rows_sql("SELECT name FROM system.tables WHERE database = currentDatabase()")
        }
        state: dict[str, str] = {}
        if "meta" in present:
            state = dict(
                self.rows_sql(
                    "SELECT key, argMax(value, updated) FROM meta WHERE key IN ('schema_version', "
                    "'schema_digest') OR startsWith(key, 'ddl:') GROUP BY key"
                )
            )
        present |= self._functions_present()
        created = {m.group(1) for _, ddl in statements for m in _CREATED.finditer(ddl)}
        current = state.get("schema_version") == SCHEMA_VERSION and state.get("schema_digest") == whole
        if current and created <= present:
            return
        migrating = "events" in present and state.get("schema_version") != SCHEMA_VERSION
        if migrating and not self._has_column("events", "hidden"):
            for sql in _EVENTS_V3:
                self.command_sql(sql)
        if migrating and not self._has_column("events", "duration_source"):
            for sql in _EVENTS_V4:
                self.command_sql(sql)
        written: dict[str, str] = {}
        for name, ddl in statements:
            replaced = _REPLACEABLE.search(ddl)
            digest = hashlib.sha256(ddl.encode()).hexdigest()[:16]
            if replaced and state.get(f"ddl:{name}") == digest and replaced.group(1) in present:
                continue
            self.command_sql(ddl)
            if replaced:
                written[f"ddl:{name}"] = digest
        if migrating:
            for sql in _ROWS_V4:
                self.command_sql(sql)
        if tuned:  # the schema's own MergeTree tables only (a table of another tool may share the database)
            for (table,) in self.rows_sql(
                "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree' "
                "AND name IN {tables:Array(String)} ORDER BY name",
                tables=sorted(TABLES - {"otel_logs"}),
            ):
                self.command_sql(f"ALTER TABLE {_table(table)} MODIFY SETTING {EMBEDDED_TABLE_SETTINGS}")
        if state.get("schema_version") != SCHEMA_VERSION:
            written["schema_version"] = SCHEMA_VERSION
        if state.get("schema_digest") != whole:
            written["schema_digest"] = whole
        if written:
            self.insert_rows("meta", [[k, v] for k, v in written.items()], ["key", "value"])

    def _functions_present(self) -> set[str]:
        """Names of the SQL functions defined in the engine.

        An embedded engine keeps each one as ``user_defined/function_<name>.sql``
        in its directory: listing those files takes well under a millisecond,
        where ``system.functions`` builds its whole table (~1,900 rows with their
        documentation, 45 ms on a fresh engine). Should the engine keep them
        elsewhere, none is found and the schema runs again (slower, not wrong).
        """
        if self.kind == "embedded":
            folder = Path(self.location) / "user_defined"
            return {f.name[len("function_") : -len(".sql")] for f in folder.glob("function_*.sql")}
        return {
            n for (n,) in self.rows_sql("SELECT name FROM system.functions WHERE origin = 'SQLUserDefined'")
        }

    def check_server_version(self) -> str:
        with self.client() as c:
            version = c.server_version
        major = int(version.split(".")[0])
        if major < MIN_SERVER_MAJOR:
            raise StoreError(
                f"ClickHouse {version} at {self.location} is too old: this app needs {MIN_SERVER_MAJOR}.x or newer."
            )
        return version

    def server_version(self) -> str:
        with self.client() as c:
            return c.server_version

    def release_memory(self) -> None:
        """Hand the memory the embedded engine kept after its queries back to the system.

        ClickHouse's allocator keeps freed pages for reuse, so the app's resident
        memory stays at its highest query's level: after the session metrics at
        10M events, 808 MiB resident, 474 MiB after this (28 ms). A no-op on a
        server, and allowed on a read-only store (it changes no data). An engine
        built without that allocator (it refuses the statement) is not asked again.
        """
        if self.kind != "embedded" or not self._can_purge:
            return
        from clickhouse_connect.driver.exceptions import Error as ClientError

        with self.client() as c:
            try:
                c.command("SYSTEM JEMALLOC PURGE")
            except ClientError:
                self._can_purge = False
