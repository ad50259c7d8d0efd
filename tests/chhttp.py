"""A loopback ClickHouse HTTP interface over the test process's chDB engine.

This is a test aid, not a server. It lets the test suite drive the server code
path of :class:`analytics.store.Store` (``Store.open_server``) through
clickhouse-connect's real HTTP client without a ClickHouse server, which
cannot be installed on the development machines. It binds 127.0.0.1 only,
trusts its caller, keeps no sessions (``session_id`` is ignored: every request
stands alone), never streams (results are built whole, then sent), and has no
limits; do not expose it.

What it serves is the subset of the ClickHouse HTTP interface that
clickhouse-connect's ``HttpClient`` uses:

* ``GET /ping`` -> ``Ok.``; ``GET``/``POST /`` with the SQL in the ``query`` URL
  argument, the body, or both (the body is appended after a newline, as
  ClickHouse does), or as ``multipart/form-data`` fields (``query`` and
  ``param_<name>``), which the client switches to for long parameters.
* ``param_<name>`` bound parameters, in ClickHouse's escaped text form, passed
  to chDB's own binding (its ``params=``), so backslashes, tabs, newlines and
  quotes arrive as the client meant them.
* ``database`` (``USE`` on the engine connection serving the request),
  ``default_format`` (TabSeparated otherwise; a ``FORMAT`` clause in the SQL
  wins), and settings as URL arguments: a name chDB knows is applied to the
  connection with ``SET`` (and reset when a later request does not send it);
  transport arguments and unknown names are ignored.
* Request bodies compressed with ``Content-Encoding`` lz4 (one or more LZ4
  frames, what clickhouse-connect sends for inserts by default when lz4 is
  installed), zstd, gzip, deflate or br; ``INSERT ... FORMAT <fmt>`` with data
  in the body is executed as ``INSERT ... FROM INFILE`` over a temporary file.
* Compressed responses when ``enable_http_compression`` is on (the URL
  argument, else the engine's default, which is 1 in chDB where a server's is
  0) and the request's ``Accept-Encoding`` names an encoding it can produce
  (the client's first choice wins).
* The headers the client reads: ``X-ClickHouse-Summary``,
  ``X-ClickHouse-Query-Id``, ``X-ClickHouse-Format``, ``X-ClickHouse-Timezone``
  and ``X-ClickHouse-Server-Display-Name``. The client learns the server
  version from ``SELECT version(), timezone()``; with ``version=`` set, every
  ``version()`` in the received SQL is answered with that string, so a test
  can pose as an old server.
* ``counts`` tallies what was exercised (request and response encodings,
  multipart forms, insert formats, errors), so a test can check the wire
  features it meant to cover were really used.
* Errors as ClickHouse reports them: HTTP 500 (401 for a failed login) with
  ``X-ClickHouse-Exception-Code`` and a ``Code: N. DB::Exception: ...`` body,
  which clickhouse-connect raises as ``DatabaseError``.

A process can hold only one chDB directory, so the aid must be given the path
the test process already uses (``tests/conftest.py``'s ``chdb_path``); each
request selects its database.
"""

from __future__ import annotations

import base64
import collections
import gzip
import json
import os
import queue
import re
import socket
import tempfile
import threading
import time
import uuid
import zlib
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import chdb

TRANSPORT_ARGS = frozenset(
    {
        "query",
        "database",
        "default_format",
        "user",
        "password",
        "quota_key",
        "query_id",
        "session_id",
        "session_timeout",
        "session_check",
        "compress",
        "decompress",
        "buffer_size",
        "wait_end_of_query",
        "client_protocol_version",
        "role",
        "enable_http_compression",
        "send_progress_in_http_headers",
        "http_headers_progress_interval_ms",
        "cancel_http_readonly_queries_on_client_close",
        "max_result_rows",
        "result_overflow_mode",
    }
)
"""URL arguments that steer the HTTP exchange and are never applied as engine settings."""

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CODE = re.compile(r"Code: (\d+)\.")
_TRAILING_FORMAT = re.compile(rb"\bFORMAT\s+(\w+)\s*;?\s*$", re.IGNORECASE)
_LEADING_COMMENTS = rb"(?:\s*--[^\n]*\n|\s*/\*.*?\*/)*"
_INSERT_WITH_DATA = re.compile(
    rb"\A"
    + _LEADING_COMMENTS
    + rb"\s*INSERT\s+INTO\s+((?:TABLE\s+)?[\w.`\"]+\s*(?:\([^)]*\))?)\s*FORMAT\s+(\w+)[ \t]*(?:\r?\n)?",
    re.IGNORECASE | re.DOTALL,
)
_RESULT_STATEMENT = re.compile(
    rb"\A"
    + _LEADING_COMMENTS
    + rb"\s*(?:\(|SELECT\b|WITH\b|SHOW\b|DESC\b|DESCRIBE\b|EXISTS\b|EXPLAIN\b|CHECK\b)",
    re.IGNORECASE | re.DOTALL,
)
_VERSION_CALL = re.compile(r"\bversion\(\s*\)", re.IGNORECASE)
_CONTENT_TYPES = {
    "TabSeparated": "text/tab-separated-values; charset=UTF-8",
    "TSV": "text/tab-separated-values; charset=UTF-8",
    "JSON": "application/json; charset=UTF-8",
    "JSONEachRow": "application/x-ndjson; charset=UTF-8",
    "CSV": "text/csv; charset=UTF-8; header=absent",
}


class _Failure(Exception):
    """An error to report the way ClickHouse does."""

    def __init__(self, code: int, message: str, status: int = 500):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


class _Engine:
    """One chDB connection with the database and settings currently applied to it."""

    def __init__(self, path: str):
        self.conn = chdb.connect(path)
        self.database = "default"
        self.settings: dict[str, str] = {}


def _decode_body(data: bytes, encoding: str) -> bytes:
    encoding = encoding.strip().lower()
    if not encoding or encoding == "identity":
        return data
    if encoding == "lz4":
        import lz4.frame

        out = []
        while data:
            d = lz4.frame.LZ4FrameDecompressor()
            out.append(d.decompress(data))
            if not d.eof:
                raise _Failure(432, "Code: 432. DB::Exception: Truncated LZ4 frame. (UNKNOWN_CODEC)")
            data = d.unused_data
        return b"".join(out)
    if encoding == "zstd":
        from clickhouse_connect.driver.compression import _zstd_decompress

        return _zstd_decompress(data)
    if encoding == "gzip":
        return gzip.decompress(data)
    if encoding == "deflate":
        return zlib.decompress(data)
    if encoding == "br":
        import brotli

        return brotli.decompress(data)
    raise _Failure(
        48, f"Code: 48. DB::Exception: Unknown HTTP Content-Encoding {encoding!r}. (NOT_IMPLEMENTED)"
    )


def _encoders() -> dict:
    import lz4.frame
    from clickhouse_connect.driver.compression import _zstd_compress

    encoders = {
        "lz4": lz4.frame.compress,
        "zstd": _zstd_compress,
        "gzip": gzip.compress,
        "deflate": zlib.compress,
    }
    try:
        import brotli

        encoders["br"] = brotli.compress
    except ImportError:
        pass
    return encoders


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format, *args):  # noqa: A002 - BaseHTTPRequestHandler's signature
        pass

    def do_GET(self):
        if urlsplit(self.path).path.rstrip("/") == "/ping":
            self._send(200, b"Ok.\n", {"Content-Type": "text/plain; charset=UTF-8"})
            return
        self._serve(b"")

    def do_POST(self):
        self._serve(self._read_body())

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _serve(self, body: bytes) -> None:
        aid: ChHttpAid = self.server.aid
        query_id = str(uuid.uuid4())
        base = {
            "X-ClickHouse-Server-Display-Name": aid.display_name,
            "X-ClickHouse-Timezone": aid.timezone,
            "Keep-Alive": "timeout=10",
        }
        args: dict[str, str] = {}
        try:
            try:
                args = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
                query_id = args.get("query_id") or query_id
                base["X-ClickHouse-Query-Id"] = query_id
                self._authenticate(aid, args)
                encoding = self.headers.get("Content-Encoding", "")
                body = _decode_body(body, encoding)
                aid.count(f"request_encoding:{encoding.strip().lower() or 'identity'}")
                ctype = self.headers.get("Content-Type", "")
                if ctype.startswith("multipart/form-data"):
                    args.update(self._form_fields(ctype, body))
                    body = b""
                    aid.count("multipart_form")
                out, fmt, summary = aid.execute(args, body)
            except _Failure:
                raise
            except Exception as exc:  # bad input or a bug in the aid, reported as a server would
                raise _Failure(
                    1001, f"Code: 1001. DB::Exception: {type(exc).__name__}: {exc}. (STD_EXCEPTION)"
                ) from exc
        except _Failure as exc:
            text = exc.message
            if "(version " not in text:
                text = f"{text} (version {aid.version or aid.engine_version})"
            aid.count("error")
            headers = {
                **base,
                "X-ClickHouse-Exception-Code": str(exc.code),
                "Content-Type": "text/plain; charset=UTF-8",
            }
            self._send(exc.status, (text + "\n").encode(), headers)
            return
        headers = {**base, "X-ClickHouse-Summary": json.dumps(summary)}
        if fmt:
            headers["X-ClickHouse-Format"] = fmt
            headers["Content-Type"] = _CONTENT_TYPES.get(fmt, "application/octet-stream")
        else:
            headers["Content-Type"] = "text/plain; charset=UTF-8"
        if args.get("enable_http_compression", aid.http_compression_default) == "1" and out:
            for enc in (
                e.strip().split(";")[0].lower() for e in self.headers.get("Accept-Encoding", "").split(",")
            ):
                if enc in aid.encoders:
                    out = aid.encoders[enc](out)
                    headers["Content-Encoding"] = enc
                    aid.count(f"response_encoding:{enc}")
                    break
        self._send(200, out, headers)

    def _authenticate(self, aid: ChHttpAid, args: dict) -> None:
        if aid.user is None:
            return
        user, password = args.get("user"), args.get("password", "")
        if self.headers.get("X-ClickHouse-User"):
            user, password = self.headers["X-ClickHouse-User"], self.headers.get("X-ClickHouse-Key", "")
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        if (user or "default", password) != (aid.user, aid.password):
            raise _Failure(
                516,
                f"Code: 516. DB::Exception: {user or 'default'}: Authentication failed: password is incorrect, "
                "or there is no user with such name. (AUTHENTICATION_FAILED)",
                status=401,
            )

    @staticmethod
    def _form_fields(ctype: str, body: bytes) -> dict[str, str]:
        msg = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {ctype}\r\n\r\n".encode() + body)
        fields = {}
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name:
                fields[name] = part.get_payload(decode=True).decode()
        return fields


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    aid: ChHttpAid


class ChHttpAid:
    """Serve the chDB engine at ``path`` over ClickHouse's HTTP interface on 127.0.0.1.

    Parameters
    ----------
    path : str
        The chDB directory this process already has open.
    version : str, optional
        Answer ``version()`` with this string (e.g. ``"18.16.1"``) instead of chDB's.
    user, password : str, optional
        Require these credentials (HTTP Basic, ``X-ClickHouse-User``/``-Key``
        headers or ``user``/``password`` arguments); by default any are accepted.
    display_name : str
        Sent as ``X-ClickHouse-Server-Display-Name``.

    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        path: str,
        version: str | None = None,
        user: str | None = None,
        password: str = "",
        display_name: str = "chhttp-test-aid",
    ):
        self.path = os.path.realpath(path)
        self.version = version
        self.user, self.password = user, password
        self.display_name = display_name
        self.encoders = _encoders()
        self._idle: queue.SimpleQueue[_Engine] = queue.SimpleQueue()
        self._engines: list[_Engine] = []
        self._lock = threading.Lock()
        self.counts: collections.Counter[str] = collections.Counter()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        probe = self._engine()
        try:
            tz, ver = (
                probe.conn.query("SELECT timezone(), version()", "TabSeparated").bytes().decode().split()
            )
            settings = dict(
                line.split("\t", 1)
                for line in probe.conn.query("SELECT name, value FROM system.settings", "TabSeparated")
                .bytes()
                .decode()
                .splitlines()
            )
        finally:
            self._idle.put(probe)
        self.timezone, self.engine_version = tz, ver
        self.known_settings = frozenset(settings)
        self.http_compression_default = settings.get("enable_http_compression", "0")

    # -- lifecycle -------------------------------------------------------------
    def start(self, port: int = 0) -> ChHttpAid:
        """Listen on 127.0.0.1 (``port`` 0: a free port) in a background thread."""
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.aid = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="chhttp-aid", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._lock:
            engines, self._engines = self._engines, []
        for e in engines:
            try:
                e.conn.close()
            except Exception:
                pass

    def __enter__(self) -> ChHttpAid:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "the aid is not started"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def count(self, what: str) -> None:
        """Tally a wire feature seen (``counts``), so tests can check what was exercised."""
        with self._lock:
            self.counts[what] += 1

    # -- execution -------------------------------------------------------------
    def _engine(self) -> _Engine:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            e = _Engine(self.path)
            with self._lock:
                self._engines.append(e)
            return e

    def execute(self, args: dict[str, str], body: bytes) -> tuple[bytes, str | None, dict]:
        """Run one request; returns (response body, result format or None, summary)."""
        sql = args.get("query", "").encode()
        if body:
            sql = sql + b"\n" + body if sql else body
        if not sql.strip():
            raise _Failure(62, "Code: 62. DB::Exception: Empty query. (SYNTAX_ERROR)")
        params = {k[6:]: v for k, v in args.items() if k.startswith("param_")}
        settings = {
            k: v
            for k, v in args.items()
            if not k.startswith("param_") and k not in TRANSPORT_ARGS and k in self.known_settings
        }
        database = args.get("database") or "default"
        if not _IDENT.fullmatch(database):
            raise _Failure(
                81, f"Code: 81. DB::Exception: Database {database} does not exist. (UNKNOWN_DATABASE)"
            )
        engine = self._engine()
        started = time.perf_counter()
        try:
            self._prepare(engine, database, settings)
            insert = _INSERT_WITH_DATA.match(sql)
            if insert:
                self.count(f"insert_format:{insert.group(2).decode()}")
                result = self._insert(engine, insert, sql[insert.end() :], params)
                fmt = None
            else:
                text = sql.decode()
                if self.version is not None:
                    text = _VERSION_CALL.sub("'" + self.version.replace("'", "") + "'", text)
                trailing = _TRAILING_FORMAT.search(sql)
                fmt = trailing.group(1).decode() if trailing else args.get("default_format") or "TabSeparated"
                result = self._run(engine, text, fmt, params)
                if not trailing and not _RESULT_STATEMENT.match(sql) and not result.bytes():
                    fmt = None
        finally:
            self._idle.put(engine)
        summary = {
            "read_rows": str(result.rows_read()),
            "read_bytes": str(result.bytes_read()),
            "written_rows": str(result.rows_written()),
            "written_bytes": str(result.bytes_written()),
            "total_rows_to_read": str(result.rows_read()),
            "result_rows": "0",
            "result_bytes": "0",
            "elapsed_ns": str(int((time.perf_counter() - started) * 1e9)),
        }
        return result.bytes() or b"", fmt, summary

    def _prepare(self, engine: _Engine, database: str, settings: dict[str, str]) -> None:
        if engine.database != database:
            self._run(engine, f"USE {database}", "TabSeparated", {})
            engine.database = database
        for name in [n for n in engine.settings if n not in settings]:
            self._run(engine, f"SET {name} = DEFAULT", "TabSeparated", {})
            del engine.settings[name]
        for name, value in settings.items():
            if engine.settings.get(name) != value:
                quoted = value.replace("\\", "\\\\").replace("'", "\\'")
                self._run(engine, f"SET {name} = '{quoted}'", "TabSeparated", {})
                engine.settings[name] = value

    def _insert(self, engine: _Engine, match: re.Match, data: bytes, params: dict):
        target, fmt = match.group(1).decode(), match.group(2).decode()
        fd, tmp = tempfile.mkstemp(prefix="chhttp-", suffix=".data")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            quoted = tmp.replace("\\", "\\\\").replace("'", "\\'")
            return self._run(
                engine, f"INSERT INTO {target} FROM INFILE '{quoted}' FORMAT {fmt}", "TabSeparated", params
            )
        finally:
            os.unlink(tmp)

    @staticmethod
    def _run(engine: _Engine, sql: str, fmt: str, params: dict):
        try:
            return engine.conn.query(sql, fmt, params=params)
        except Exception as exc:
            message = str(exc)
            i = message.find("Code: ")
            message = message[i:] if i >= 0 else message
            m = _CODE.match(message)
            code = int(m.group(1)) if m else 1001
            if not m:
                message = f"Code: 1001. DB::Exception: {message}. (STD_EXCEPTION)"
            raise _Failure(code, message.strip()) from None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (for 'connection refused' tests)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> None:
    """Serve a scratch chDB directory until interrupted, to try ``CLICKHOUSE_TEST_URL`` runs locally.

    ``python tests/chhttp.py DIR [PORT]`` prints the URL to export, e.g.
    ``CLICKHOUSE_TEST_URL=http://default:@127.0.0.1:PORT/default``.
    """
    import sys

    args = sys.argv[1:] if argv is None else argv
    if not args:
        raise SystemExit("usage: python tests/chhttp.py CHDB_DIR [PORT]")
    aid = ChHttpAid(args[0]).start(int(args[1]) if len(args) > 1 else 0)
    print(f"CLICKHOUSE_TEST_URL=http://default:@127.0.0.1:{aid.port}/default", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        aid.stop()


if __name__ == "__main__":
    main()
