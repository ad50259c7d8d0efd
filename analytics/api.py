"""The JSON API: routes, parameter checks, the bearer token, an answer cache and the serialisers.

It speaks HTTP only; the numbers come from :mod:`analytics.monitor`, the same
builders the Overview, Costs and Errors pages call, and their JSON from
:mod:`analytics.api_json`:

* ``GET /api/telemetry/cost-burnrate`` - ``burnrate_json`` of
  :func:`analytics.monitor.cost_burnrate`;
* ``GET /api/telemetry/error-monitor`` - ``error_monitor_json`` of
  :func:`analytics.monitor.error_monitor`;
* ``GET /api/telemetry-widgets`` - ``widgets_json`` of
  :func:`analytics.monitor.telemetry_widgets`;
* ``GET /api/search`` - ``search_json`` of :func:`analytics.search.search`;
* ``GET /api/outcomes`` - ``outcomes_json`` of :mod:`analytics.outcomes` (totals and groups);
* ``GET /api/health`` - :func:`health`: store, data and versions.

Query parameters are the app URL's (:mod:`analytics.view`), read strictly: a
bad value is an HTTP 400 naming the parameter.
"""

from __future__ import annotations

import hmac
import logging
import platform
import threading
import tomllib
from collections.abc import Callable
from concurrent.futures import Future
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from time import monotonic
from typing import Any

from analytics import api_json, integrity, monitor, outcomes, rollups, search
from analytics.api_json import iso
from analytics.clock import judged_at, to_datetime
from analytics.overview import data_bounds
from analytics.view import ParamError, View, parse_view

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# health
def _app_version() -> str | None:
    try:
        return version("cc-telemetry-analytics")
    except PackageNotFoundError:
        path = Path(__file__).resolve().parents[1] / "pyproject.toml"
        try:
            return tomllib.loads(path.read_text())["project"]["version"]
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return None


def _package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def health(store) -> dict:
    """Is the store usable, what does it hold, and which versions run.

    Returns
    -------
    dict
        ``status`` ("ok" or "error"), ``store`` (``kind``, ``location``,
        ``readonly``), ``events`` (count in the ``telemetry`` view: a request
        both sources recorded counts once, as otel), ``events_by_source``
        (the same, by source; from the hourly totals when the store keeps
        them, :mod:`analytics.rollups`), ``first_event`` / ``last_event`` (UTC),
        ``last_ingest`` (``kind``, ``started``, ``finished`` of the latest
        ingest run, None without one) and ``versions`` (app, schema,
        clickhouse, python and the main packages). With status "error",
        ``error`` says what failed instead of the data fields; for a damaged
        store (:mod:`analytics.integrity`) ``damage`` lists the findings.
    """
    out: dict[str, Any] = {
        "status": "ok",
        "store": {"kind": store.kind, "location": store.location, "readonly": bool(store.readonly)},
    }
    try:
        damage = integrity.check(store)
        events = store.rows("health_events_rollup" if rollups.current(store) else "health_events")
        runs = store.rows("status_last_runs", n=1)
        schema = store.rows("status_schema_version")
        server = store.server_version()
    except Exception as exc:  # any failure of the store is the answer, not a crash
        return {**out, "status": "error", "error": f"{type(exc).__name__}: {exc}"}
    if damage:
        return {
            **out,
            "status": "error",
            "error": integrity.summary(damage),
            "damage": [d.to_dict() for d in damage],
        }
    by_source: dict[str, int] = {}
    for source, _event, n, _first, _last in events:
        by_source[source] = by_source.get(source, 0) + int(n)
    firsts = [r[3] for r in events]
    lasts = [r[4] for r in events]
    out.update(
        events=sum(by_source.values()),
        events_by_source=by_source,
        first_event=iso(min(firsts)) if firsts else None,
        last_event=iso(max(lasts)) if lasts else None,
        last_ingest=(
            {"kind": runs[0][2], "started": iso(runs[0][0]), "finished": iso(runs[0][1])} if runs else None
        ),
        versions={
            "app": _app_version(),
            "schema": schema[0][0] if schema else None,
            "clickhouse": server,
            "python": platform.python_version(),
            **{
                name: _package_version(name)
                for name in ("streamlit", "chdb", "clickhouse-connect", "genai-prices")
            },
        },
    )
    return out


# ---------------------------------------------------------------------------
# HTTP routes
def _store_errors() -> tuple[type[BaseException], ...]:
    from clickhouse_connect.driver.exceptions import ClickHouseError

    from analytics.store import StoreError

    return (StoreError, ClickHouseError, OSError)


def _build_widgets(store, filters, view: View, now) -> dict:
    return api_json.widgets_json(
        monitor.telemetry_widgets(store, filters, view.budgets, view.threshold_ms, now=now)
    )


def _build_burn(store, filters, view: View, now) -> dict:
    return api_json.burnrate_json(
        monitor.cost_burnrate(store, filters, view.budgets, window_hours=view.window_hours, now=now)
    )


def _build_errors(store, filters, view: View, now) -> dict:
    return api_json.error_monitor_json(monitor.error_monitor(store, filters, view.threshold_ms, now=now))


def _search_params(query) -> dict:
    """``q`` (required), ``fields`` (repeatable or comma-separated, default all), ``mode`` (tokens or
    substring) and ``limit`` (1-500, default 50) of a search request, read strictly: ParamError otherwise."""

    def last(name: str) -> str | None:
        values = [v for v in query.getlist(name) if v.strip()]
        return values[-1] if values else None

    q = last("q")
    if q is None:
        raise ParamError("q", "q is required: the words to search for")
    fields, unknown = search.read_fields(query.getlist("fields"))
    if unknown:
        raise ParamError(
            "fields", f"fields must be among {', '.join(search.FIELDS)}, got {', '.join(unknown)}"
        )
    mode = last("mode") or "tokens"
    if mode not in search.MODES:
        raise ParamError("mode", f"mode must be tokens or substring, got {mode!r}")
    raw = last("limit") or "50"
    if not raw.strip().isdigit() or not 1 <= int(raw) <= 500:
        raise ParamError("limit", f"limit must be a whole number from 1 to 500, got {raw!r}")
    return {"query": q, "fields": fields or search.FIELDS, "mode": mode, "limit": int(raw)}


def _outcomes_params(query) -> dict:
    """``by`` of an outcomes request (one of :data:`analytics.outcomes.GROUPS`, default model), read strictly."""
    values = [v for v in query.getlist("by") if v.strip()]
    by = values[-1] if values else "model"
    if by not in outcomes.GROUPS:
        raise ParamError("by", f"by must be one of {', '.join(outcomes.GROUPS)}, got {by!r}")
    return {"by": by}


def _build_outcomes(store, filters, view: View, now, by: str) -> dict:
    totals = outcomes.load_totals(store, filters)
    groups = outcomes.with_unit_costs(outcomes.load_outcomes_by(store, filters, by))
    return api_json.outcomes_json(totals, groups, by, filters)


def _build_search(store, filters, view: View, now, **params) -> dict:
    return api_json.search_json(search.search(store, filters=filters, context=0, now=now, **params), now)


class AnswerCache:
    """Recent answers of the JSON routes, so a burst of identical requests is computed once.

    An answer is reused for ``ttl`` seconds after it was computed (0: never
    reused); a request arriving while the same answer is being computed waits
    for it instead of computing it again. A failure is not kept: the requests
    waiting for it get the same error, the next one computes afresh. Keys are
    whatever identifies a request (the route and its query string).
    """

    def __init__(self, ttl: float, clock: Callable[[], float] = monotonic):
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._answers: dict[Any, tuple[float, Future]] = {}

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        if self.ttl <= 0:
            return compute()
        with self._lock:
            now = self._clock()
            for k in [k for k, (expires, _) in self._answers.items() if expires <= now]:
                del self._answers[k]
            known = self._answers.get(key)
            if known is None:
                future: Future = Future()
                self._answers[key] = (float("inf"), future)  # in progress: never expires
        if known is not None:
            return known[1].result()  # computed, or being computed by another request
        try:
            future.set_result(compute())
        except BaseException as exc:
            with self._lock:
                self._answers.pop(key, None)
            future.set_exception(exc)
            raise
        with self._lock:
            if self._answers.get(key, (0, None))[1] is future:
                self._answers[key] = (self._clock() + self.ttl, future)
        return future.result()


def _answer(store_provider: Callable[[], Any], view: View, build) -> dict:
    store = store_provider()
    filters = view.filters(data_bounds(store, view.tz))
    result = build(store, filters, view, to_datetime(judged_at(filters, view.is_live())))
    store.release_memory()
    return result


PER_USER_OFF = (
    "This deployment shows each signed-in user only their own sessions (per_user), and an API token is "
    "shared: it cannot be limited to one user, so the data routes are off. Use the app, or a deployment "
    "without per_user for the API."
)
"""The 403 answer of a data route in a per-user deployment."""
HEALTH_SECONDS = 5.0
"""How long ``/api/health`` reuses its answer, so a flood of unauthenticated checks costs few queries."""
NO_TOKEN_CONFIGURED = (
    "This hosted API needs a bearer token, but none is configured: set ANALYTICS_API_TOKEN "
    "or api_token in the secrets, restart the app and send 'Authorization: Bearer <token>'."
)
"""The 401 answer of a hosted API without a configured token (every route but health)."""


def check_bearer(authorization: str | None, token: str | None, required: bool = False) -> str | None:
    """Whether a request's ``Authorization`` header lets it through: None if so, else why not.

    Parameters
    ----------
    authorization : str or None
        The request's ``Authorization`` header (``Bearer <token>``, the scheme
        in any case).
    token : str or None
        The configured token; None when there is none.
    required : bool
        A token is needed even when none is configured (hosted view): every
        request is then refused with :data:`NO_TOKEN_CONFIGURED`.

    The comparison is constant-time (``hmac.compare_digest`` on the UTF-8
    bytes), so the answer's timing does not reveal how much of a guess matched.
    No token and not required: every request passes (local use).
    """
    if token is None:
        return NO_TOKEN_CONFIGURED if required else None
    scheme, _, sent = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not sent.strip():
        return "This API needs a bearer token: send 'Authorization: Bearer <token>'."
    if not hmac.compare_digest(sent.strip().encode(), token.encode()):
        return "The bearer token is not valid."
    return None


def routes(
    store_provider: Callable[[], Any],
    token: str | None = None,
    *,
    require_token: bool = False,
    text_allowed: bool = True,
    cache_seconds: float = 0.0,
    per_user: bool = False,
) -> list:
    """The JSON API as starlette routes, for ``st.App(..., routes=routes(get_store))``.

    ``GET /api/telemetry-widgets``, ``/api/telemetry/cost-burnrate``,
    ``/api/telemetry/error-monitor`` (query parameters: :func:`analytics.view.parse_view`),
    ``/api/search`` (the same, plus ``q``, ``fields``, ``mode``, ``limit``) and
    ``/api/health``; the API only reads (there is no ingest, demo or refresh
    route). ``store_provider()`` gives the store; store work runs in a worker
    thread. Status codes: 200 with the builder's JSON; 400 with
    ``{"error", "parameter"}`` for a bad parameter; 503 with ``{"error"}`` when
    the store cannot be reached or a query fails (health: its own JSON with
    ``status`` "error").

    Access (:func:`check_bearer`): with a ``token``, or with ``require_token``
    (hosted view), a request without ``Authorization: Bearer <token>`` gets
    401 with ``{"error"}`` and a ``WWW-Authenticate: Bearer`` header - except
    ``/api/health``, which then answers only ``{"status"}`` (for load
    balancers) and its full JSON to a valid token. Without ``text_allowed``
    every transcript text in an answer (keys of
    :data:`analytics.privacy.TEXT_COLUMNS`) reads ``"(hidden)"``, and
    ``/api/search`` answers 403 with ``{"error"}`` (:data:`analytics.search.SEARCH_OFF`).

    A ``per_user`` deployment (each signed-in user sees only their own
    sessions) answers the data routes 403 with ``{"error"}``
    (:data:`PER_USER_OFF`): the one shared bearer token cannot be limited to
    a user, so it would show everyone's data. Health still answers.

    With ``cache_seconds`` > 0 an answer is reused for that long by requests
    to the same route with the same query string, and identical requests
    arriving together are computed once (:class:`AnswerCache`); the answer's
    ``now`` says when it was computed. Health is reused for
    :data:`HEALTH_SECONDS` whatever the setting.
    """
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from analytics.privacy import redact_json

    store_errors = _store_errors()
    guarded = token is not None or require_token
    answers = AnswerCache(cache_seconds)
    checks = AnswerCache(HEALTH_SECONDS)  # an open health check must stay cheap: once per few seconds

    def respond(payload: Any, status: int = 200) -> JSONResponse:
        return JSONResponse(api_json.jsonable(payload), status_code=status)

    def unavailable(exc: BaseException) -> str:
        """Why the store failed: in a hosted view (``require_token``) without paths or processes,
        which go to the server's log; a damaged store's reason names neither and is said as is."""
        if require_token and not isinstance(exc, integrity.StoreDamaged):
            log.error("telemetry store unavailable: %s", exc)
            return "The telemetry store is unavailable. The reason is in the server's log."
        return f"The telemetry store is unavailable: {exc}"

    def refusal(request) -> str | None:
        return check_bearer(request.headers.get("authorization"), token, require_token) if guarded else None

    def unauthorized(request, reason: str) -> JSONResponse:
        challenge = 'Bearer realm="telemetry-api"'
        if token is not None and request.headers.get("authorization"):
            challenge += ', error="invalid_token"'
        return JSONResponse({"error": reason}, status_code=401, headers={"WWW-Authenticate": challenge})

    def endpoint(build, read=None, needs_text: bool = False):
        async def handler(request):
            reason = refusal(request)
            if reason is not None:
                return unauthorized(request, reason)
            if per_user:
                return respond({"error": PER_USER_OFF}, 403)
            if needs_text and not text_allowed:
                return respond({"error": search.SEARCH_OFF}, 403)
            try:
                view = parse_view(request.query_params)
                job = partial(build, **(read(request.query_params) if read else {}))
            except ParamError as exc:
                return respond({"error": str(exc), "parameter": exc.parameter}, 400)
            key = (request.url.path, tuple(sorted(request.query_params.multi_items())))
            try:
                result = await run_in_threadpool(answers.get, key, lambda: _answer(store_provider, view, job))
            except store_errors as exc:
                return respond({"error": unavailable(exc)}, 503)
            return respond(result if text_allowed else redact_json(api_json.jsonable(result)))

        return handler

    async def health_handler(request):
        def work() -> dict:
            try:
                store = store_provider()
            except store_errors as exc:
                return {
                    "status": "error",
                    "store": None,
                    "error": unavailable(exc),
                }
            return health(store)

        result = await run_in_threadpool(checks.get, "health", work)
        status = 200 if result["status"] == "ok" else 503
        if refusal(request) is not None:
            return respond({"status": result["status"]}, status)
        return respond(result, status)

    return [
        Route("/api/telemetry-widgets", endpoint(_build_widgets), methods=["GET"]),
        Route("/api/telemetry/cost-burnrate", endpoint(_build_burn), methods=["GET"]),
        Route("/api/telemetry/error-monitor", endpoint(_build_errors), methods=["GET"]),
        Route("/api/search", endpoint(_build_search, _search_params, needs_text=True), methods=["GET"]),
        Route("/api/outcomes", endpoint(_build_outcomes, _outcomes_params), methods=["GET"]),
        Route("/api/health", health_handler, methods=["GET"]),
    ]
