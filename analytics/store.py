"""One store interface over two ClickHouse engines.

* Embedded (default): chDB on a database directory, opened through
  clickhouse-connect's ``get_client(dsn="chdb:///abs/path")``.
* Server: a ClickHouse server or cluster reached over HTTP(S) by
  clickhouse-connect, configured in ``.streamlit/secrets.toml`` under
  ``[connections.telemetry]`` or by ``CLICKHOUSE_*`` environment variables.

Both run the same named ``.sql`` files from ``analytics/sql`` with values bound
as ``{name:Type}`` parameters by clickhouse-connect's binder.

Threads: calls on one clickhouse-connect client are serialised, so the store
keeps a small pool of clients (separate chDB clients on one path run in
parallel) and hands each call its own.

Who writes: one process owns a chDB directory. While the app is open it owns
the store and ingests itself (refresh / auto-refresh). A CLI command that finds
the directory locked stops before reading anything, with exit code 3 and a
message saying so (:class:`StoreLocked`); no row is read, so none is lost.
"""

from __future__ import annotations

import os
import queue
import re
import threading
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

SQL_DIR = Path(__file__).parent / "sql"
SCHEMA_VERSION = "2"
MIN_SERVER_MAJOR = 26
POOL_SIZE = 4
APP_NAME = "cc-telemetry-analytics"


class StoreError(RuntimeError):
    """A store could not be opened or used; the message is meant for users."""


class StoreLocked(StoreError):
    """Another process owns the embedded database directory."""


def default_db_path() -> Path:
    """The embedded store used when neither ``--db`` nor ``ANALYTICS_DB`` is given."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME)) / "chdb"


@cache
def sql_text(name: str) -> str:
    """Text of ``analytics/sql/<name>.sql``; an unknown name fails loudly."""
    if not re.fullmatch(r"[a-z0-9_]+(/[a-z0-9_]+)?", name):
        raise KeyError(f"invalid query name {name!r}")
    path = SQL_DIR / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no query named {name!r} (expected {path})")
    return path.read_text().replace("__FILTERS__", (SQL_DIR / "_filters.sql").read_text().strip())


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

    @classmethod
    def from_mapping(cls, m: Mapping[str, Any]) -> ServerConfig:
        port = m.get("port")
        return cls(
            host=str(m["host"]),
            port=int(port) if port not in (None, "") else None,
            username=str(m.get("username") or m.get("user") or "default"),
            password=str(m.get("password") or ""),
            database=str(m.get("database") or "default"),
            secure=str(m.get("secure", "")).lower() in ("1", "true", "yes"),
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
        "The app ingests new transcripts itself: use its Refresh button, or stop it and run this command again."
    )


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
        if not readonly and not os.access(path, os.W_OK):
            raise StoreError(f"The store directory {path} is not writable.")

        holder = _lock_holder(path)
        if holder is not None:  # checked first: chDB would also print its own error to stderr
            raise StoreLocked(_lock_message(path, holder))
        if database is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", database):
            raise StoreError(f"invalid database name {database!r}")

        def factory():
            try:
                client = clickhouse_connect.get_client(dsn=f"chdb://{path}")
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
        """Connect to a ClickHouse server; refuse versions older than 26."""
        import clickhouse_connect

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
                    connect_timeout=5,
                    send_receive_timeout=60,
                )
            except Exception as exc:
                raise StoreError(
                    f"Cannot reach the ClickHouse server at {cfg.host}:{cfg.port or ''} ({exc}). "
                    "Check [connections.telemetry] in .streamlit/secrets.toml or the CLICKHOUSE_* variables."
                ) from exc

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
    def query(self, name: str, **params: Any) -> pd.DataFrame:
        """Run the named query and return a DataFrame."""
        return self.query_sql(sql_text(name), **params)

    def query_sql(self, sql: str, **params: Any) -> pd.DataFrame:
        """Run SQL text shipped with the package (never user text) with bound parameters."""
        with self.client() as c:
            return c.query_df(sql, parameters=params or None)

    def rows(self, name: str, **params: Any) -> list[tuple]:
        """Run the named query and return plain tuples (no pandas import)."""
        return self.rows_sql(sql_text(name), **params)

    def rows_sql(self, sql: str, **params: Any) -> list[tuple]:
        with self.client() as c:
            return c.query(sql, parameters=params or None).result_rows

    def command(self, name: str, **params: Any) -> Any:
        """Run a named statement (INSERT ... SELECT, DDL, ...)."""
        return self.command_sql(sql_text(name), **params)

    def command_sql(self, sql: str, **params: Any) -> Any:
        if self.readonly:
            raise StoreError("the store is open read-only")
        with self.client() as c:
            return c.command(sql, parameters=params or None)

    def insert_df(self, table: str, df: pd.DataFrame) -> None:
        if self.readonly:
            raise StoreError("the store is open read-only")
        with self.client() as c:
            c.insert_df(table, df)

    def insert_arrow(self, table: str, arrow_table) -> None:
        if self.readonly:
            raise StoreError("the store is open read-only")
        with self.client() as c:
            c.insert_arrow(table, arrow_table)

    def insert_rows(self, table: str, rows: list, column_names: list[str]) -> None:
        if self.readonly:
            raise StoreError("the store is open read-only")
        with self.client() as c:
            c.insert(table, rows, column_names=column_names)

    # -- schema --------------------------------------------------------------
    def table_exists(self, table: str) -> bool:
        return bool(
            self.rows_sql(
                "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = {t:String}",
                t=table,
            )[0][0]
        )

    def ensure_schema(self) -> None:
        """Create missing tables and (re)create the views; never alters an existing otel_logs."""
        if self.readonly:
            return
        for _name, ddl in schema_statements():
            self.command_sql(ddl)
        self.command_sql(
            "INSERT INTO meta (key, value) VALUES ('schema_version', {v:String})", v=SCHEMA_VERSION
        )

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
