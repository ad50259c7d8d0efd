"""The view a URL asks for: the one contract between links, pages and the JSON API.

A URL of the app (``/costs?from=2025-03-01&tz=Europe/Berlin&budget_day=25``)
and a request to the API (``/api/telemetry/cost-burnrate?...``) name the
same view with the same parameters; :func:`parse_view` turns either into a
:class:`View`, and :meth:`View.filters` into the :class:`~analytics.filters.Filters`
every query is cut by.

Parameters (a contract for shared links and API clients):

==================  ==========================================  =======================================
name                meaning                                     default
==================  ==========================================  =======================================
``from``, ``to``    first and last day, YYYY-MM-DD, in ``tz``  the last 30 days with data
``tz``              reporting time zone (IANA name)             this machine's zone
``project``,        allow-lists, repeatable                     all
``repository``,
``model``,
``user``,
``source``
``budget_day``,     budgets in USD                              50, 1000, 10
``budget_month``,
``budget_session``
``threshold_ms``    timeout threshold                           8000
``window_hours``    burn-rate window                            24
==================  ==========================================  =======================================

Pages also keep their own choices in the URL (``period``, ``by``,
``session_a``, ``q``, ...); unknown names are ignored here.

Two readings of a bad value: *strict* (the API) raises :class:`ParamError`
naming the parameter, which the API answers with 400; *lenient* (pages) falls
back to the default, or clamps a number into its slider's range, so a stale or
hand-edited link still opens.

The app's pages are defined here once (:data:`PAGES`), for the router, for
links between pages and for the ``page`` field of the API's widgets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from analytics.filters import Filters, local_zone

FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2100, 12, 31)
"""The dates a view may name."""
MAX_BUDGET = 10_000_000.0
"""The largest budget (USD) the API accepts."""
MAX_THRESHOLD_MS = 86_400_000.0
"""The largest timeout threshold (one day)."""
DEFAULT_DAYS = 30
"""Length of the default date range: the last 30 days that have data."""
DEFAULT_THRESHOLD_MS = 8000.0
THRESHOLD_RANGE = (100.0, 600_000.0)
"""Where a page clamps ``threshold_ms`` (ms)."""
WINDOW_HOURS = 24.0
IDLE_MINUTES = 5
"""A pause between two events of a session longer than this (minutes) is idle, not active time."""
MAX_WINDOW_HOURS = 24.0 * 31
LIST_PARAMS = ("project", "repository", "model", "user", "source")
SHARED_PARAMS = (
    "from", "to", "tz", *LIST_PARAMS, "budget_day", "budget_month", "budget_session", "threshold_ms", "window_hours",
)  # fmt: skip
"""The parameters every page shares: they follow the user from page to page."""


@dataclass(frozen=True)
class Budget:
    """One budget: its URL parameter, key in a budgets mapping, labels, default and slider range (USD)."""

    param: str
    key: str
    label: str
    default: float
    maximum: float
    step: float

    @property
    def slider_label(self) -> str:
        return f"{self.label} ($)"

    def clamp(self, value: float) -> float:
        """``value`` clamped to the slider's range ``[0, maximum]`` and rounded to its step."""
        return round(min(max(value, 0.0), self.maximum) / self.step) * self.step


BUDGETS = (
    Budget("budget_day", "day", "Daily budget", 50.0, 1000.0, 5.0),
    Budget("budget_month", "month", "Monthly budget", 1000.0, 20000.0, 50.0),
    Budget("budget_session", "session", "Per-session budget", 10.0, 200.0, 1.0),
)
BUDGET_BY_PARAM = {b.param: b for b in BUDGETS}
DEFAULT_BUDGETS = {b.key: b.default for b in BUDGETS}
"""Budgets (USD) when the view names none: the sliders' defaults."""


@dataclass(frozen=True)
class Page:
    """One page of the app: ``pages/<key>.py``, served at ``/<url_path>`` (the default page at ``/``)."""

    key: str
    title: str
    icon: str
    url_path: str

    @property
    def file(self) -> str:
        return f"pages/{self.key}.py"

    @property
    def path(self) -> str:
        return f"/{self.url_path}"


PAGES = (
    Page("overview", "Overview", ":material/dashboard:", ""),
    Page("costs", "Costs", ":material/payments:", "costs"),
    Page("errors", "Errors", ":material/error:", "errors"),
    Page("tools", "Tools", ":material/build:", "tools"),
    Page("models", "Models", ":material/memory:", "models"),
    Page("sessions", "Sessions", ":material/forum:", "sessions"),
    Page("search", "Search", ":material/search:", "search"),
)
PAGE = {p.key: p for p in PAGES}
WIDGET_PAGES = {
    "error_rate": PAGE["errors"],
    "cost_burn": PAGE["costs"],
    "timeout_risk": PAGE["errors"],
    "tool_sequences": PAGE["tools"],
    "model_efficiency": PAGE["models"],
}
"""The page behind each overview widget."""
WIDGET_CHARTS = {
    "error_rate": "error-rate-trend",
    "cost_burn": "spend-trend",
    "timeout_risk": "p95-trend",
    "tool_sequences": "tool-failure-trend",
    "model_efficiency": "cost-per-request-trend",
}
"""The anchor, on the widget's page, of the chart with the fitted line behind its trend arrow."""


def chart_link(widget: str) -> str:
    """``/<page>#<anchor>``: where the chart behind a widget's trend arrow is."""
    return f"{WIDGET_PAGES[widget].path}#{WIDGET_CHARTS[widget]}"


class ParamError(ValueError):
    """A parameter with a bad value; ``parameter`` names it."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True)
class View:
    """The view a URL asks for; dates None = the default range."""

    tz: str
    start: date | None = None
    end: date | None = None
    projects: tuple[str, ...] = ()
    repositories: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    budget_day: float = DEFAULT_BUDGETS["day"]
    budget_month: float = DEFAULT_BUDGETS["month"]
    budget_session: float = DEFAULT_BUDGETS["session"]
    threshold_ms: float = DEFAULT_THRESHOLD_MS
    window_hours: float = WINDOW_HOURS

    @property
    def budgets(self) -> dict[str, float]:
        """``day``, ``month``, ``session`` (USD)."""
        return {"day": self.budget_day, "month": self.budget_month, "session": self.budget_session}

    def today(self) -> date:
        """Today in the view's zone."""
        return datetime.now(ZoneInfo(self.tz)).date()

    def is_live(self, today: date | None = None) -> bool:
        """The window reaches today: no ``to``, or ``to`` is today or later. Its current figures are
        then as of now; a past window's are as of its end."""
        return self.end is None or self.end >= (today or self.today())

    def date_range(self, bounds: tuple[date, date] | None, today: date | None = None) -> tuple[date, date]:
        """``from``/``to``, defaulting to the last 30 days that have data (``bounds``: first and last day
        with data, None for an empty store: then up to ``today``)."""
        last = bounds[1] if bounds else (today or self.today())
        first_data = bounds[0] if bounds else last - timedelta(days=DEFAULT_DAYS - 1)
        end = self.end or last
        start = self.start or max(first_data, end - timedelta(days=DEFAULT_DAYS - 1))
        return (end, start) if start > end else (start, end)

    def filters(self, bounds: tuple[date, date] | None, today: date | None = None) -> Filters:
        """The :class:`Filters` of this view: whole local days ``[from, to + 1)``."""
        start, end = self.date_range(bounds, today)
        zone = ZoneInfo(self.tz)
        return Filters(
            start=datetime.combine(start, time(), zone),
            end=datetime.combine(end + timedelta(days=1), time(), zone),
            tz=self.tz,
            projects=self.projects,
            repositories=self.repositories,
            models=self.models,
            users=self.users,
            sources=self.sources,
        )


# ---------------------------------------------------------------------------
# parsing
def _values(query, name: str) -> list[str]:
    for many in ("getlist", "get_all"):
        if hasattr(query, many):
            return [str(v) for v in getattr(query, many)(name)]
    v = query.get(name)
    if v is None:
        return []
    return [v] if isinstance(v, str) else [str(x) for x in v]


def _single(query, name: str) -> str | None:
    vals = [v for v in _values(query, name) if v != ""]
    return vals[-1] if vals else None


def _shown(raw: str) -> str:
    """A parameter's value for a message: quoted, and cut to 60 characters."""
    return repr(raw if len(raw) <= 60 else raw[:57] + "...")


@cache
def known_zones() -> frozenset[str]:
    """The IANA zone names a view may use (the ``right/`` and ``posix/`` variants are not among them)."""
    return frozenset(available_timezones()) | {"UTC"}


def _zone(query, strict: bool) -> str:
    tz = _single(query, "tz") or local_zone()
    if tz in known_zones():
        return tz
    if strict:
        raise ParamError("tz", f"tz must be an IANA time zone such as Europe/Berlin, got {_shown(tz)}")
    return "UTC"


def _date(query, name: str, strict: bool) -> date | None:
    raw = _single(query, name)
    if raw is None:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        value = None
    if value is not None and FIRST_DAY <= value <= LAST_DAY:
        return value
    if strict:
        raise ParamError(
            name, f"{name} must be a date YYYY-MM-DD from {FIRST_DAY} to {LAST_DAY}, got {_shown(raw)}"
        )
    return None


def _number(
    query, name: str, default: float, strict: bool, lo: float, hi: float | None = None, above: bool = False
) -> float:
    """A number in ``[lo, hi]`` (``(lo, hi]`` with ``above``): strict raises for anything else; lenient
    falls back to ``default`` for a non-number and clamps into the range."""
    raw = _single(query, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        if strict:
            raise ParamError(name, f"{name} must be a number, got {_shown(raw)}") from None
        return default
    if not strict:
        return default if math.isnan(value) else min(max(value, lo), math.inf if hi is None else hi)
    bound = f"greater than {lo:g}" if above else f"at least {lo:g}"
    if not math.isfinite(value) or value < lo or (above and value == lo):
        raise ParamError(name, f"{name} must be a finite number {bound}, got {_shown(raw)}")
    if hi is not None and value > hi:
        raise ParamError(name, f"{name} must be at most {hi:g}, got {_shown(raw)}")
    return value


def parse_view(query, strict: bool = True) -> View:
    """Read a :class:`View` from URL parameters.

    Parameters
    ----------
    query : starlette QueryParams, ``st.query_params``, or a mapping of name to a str or a list of str
        Unknown names are ignored (the URL also carries page-only state);
        empty values count as absent; a repeated single-valued parameter keeps
        its last value.
    strict : bool
        True (the API): a bad value raises :class:`ParamError`. False (pages):
        a bad value falls back to its default: an unknown zone to UTC, a bad
        date to the default range (and ``from`` after ``to`` is swapped), a
        budget is clamped into its slider's range and rounded to its step,
        ``threshold_ms`` clamped into :data:`THRESHOLD_RANGE`, ``window_hours``
        into ``(0, 744]``.

    Raises
    ------
    ParamError
        (strict) A value that is not a date from 1970-01-01 to 2100-12-31, an
        unknown time zone, ``from`` after ``to``, a budget that is not a
        finite number in [0, 10,000,000], a ``threshold_ms`` not in (0, one
        day], a ``window_hours`` not in (0, 744].
    """
    tz = _zone(query, strict)
    start, end = _date(query, "from", strict), _date(query, "to", strict)
    if start and end and start > end:
        if strict:
            raise ParamError("from", f"from ({start}) is after to ({end})")
        start, end = end, start
    lists = {p: tuple(v for v in _values(query, p) if v) for p in LIST_PARAMS}
    budgets = {b.key: _number(query, b.param, b.default, strict, 0.0, MAX_BUDGET) for b in BUDGETS}
    if not strict:
        budgets = {b.key: b.clamp(budgets[b.key]) for b in BUDGETS}
    lo, hi = (0.0, MAX_THRESHOLD_MS) if strict else THRESHOLD_RANGE
    threshold = _number(query, "threshold_ms", DEFAULT_THRESHOLD_MS, strict, lo, hi, above=True)
    window = _number(query, "window_hours", WINDOW_HOURS, strict, 0.0, MAX_WINDOW_HOURS, above=True)
    if window <= 0:  # lenient: 0 or less is no window
        window = WINDOW_HOURS
    return View(
        tz=tz,
        start=start,
        end=end,
        projects=lists["project"],
        repositories=lists["repository"],
        models=lists["model"],
        users=lists["user"],
        sources=lists["source"],
        budget_day=budgets["day"],
        budget_month=budgets["month"],
        budget_session=budgets["session"],
        threshold_ms=threshold,
        window_hours=window,
    )
