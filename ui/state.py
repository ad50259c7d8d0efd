"""The view held in the URL: filters, budgets and selections live in ``st.query_params``.

Opening a copied URL reproduces the page: every widget is seeded from the URL on
its first render and writes its value back on change. Pages read the view through
:func:`current_filters` / :func:`budget`, which fall back to defaults, so a page
also runs alone (AppTest) without the sidebar of ``streamlit_app.py``.

URL parameters (a contract for shared links): ``from``, ``to`` (YYYY-MM-DD, in
the reporting zone), ``tz``, ``project``, ``model``, ``user``, ``source``
(repeatable), ``budget_day``, ``budget_month``, ``budget_session`` (USD),
``threshold_ms``, ``session_a``, ``session_b``, ``q``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

from analytics.filters import Filters, local_zone

LIST_PARAMS = ("project", "model", "user", "source")
BUDGETS = {
    # key: (label, default USD, max USD, step)
    "budget_day": ("Daily budget ($)", 50.0, 1000.0, 5.0),
    "budget_month": ("Monthly budget ($)", 1000.0, 20000.0, 50.0),
    "budget_session": ("Per-session budget ($)", 10.0, 200.0, 1.0),
}
DEFAULT_DAYS = 30


def _parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def zone_from_url() -> str:
    tz = st.query_params.get("tz") or local_zone()
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        tz = "UTC"
    return tz


def date_range_from_url(bounds: tuple[date, date] | None) -> tuple[date, date]:
    """``from``/``to`` from the URL; default: the last 30 days that have data."""
    last = bounds[1] if bounds else datetime.now(ZoneInfo(zone_from_url())).date()
    first_data = bounds[0] if bounds else last - timedelta(days=DEFAULT_DAYS - 1)
    end = _parse_date(st.query_params.get("to")) or last
    start = _parse_date(st.query_params.get("from")) or max(
        first_data, end - timedelta(days=DEFAULT_DAYS - 1)
    )
    if start > end:
        start, end = end, start
    return start, end


def current_filters(bounds: tuple[date, date] | None = None) -> Filters:
    """The filters of the current view (URL first, then defaults).

    In a per-user view (``per_user`` in the secrets) the users are pinned to
    the signed-in user, whatever the URL says (``ui.data.pinned_users``).
    """
    from ui.data import pinned_users

    tz = zone_from_url()
    start, end = date_range_from_url(bounds)
    zone = ZoneInfo(tz)
    lists = {p: tuple(v for v in st.query_params.get_all(p) if v) for p in LIST_PARAMS}
    pinned = pinned_users()
    if pinned is not None:
        lists["user"] = pinned
    return Filters(
        start=datetime.combine(start, time(), zone),
        end=datetime.combine(end + timedelta(days=1), time(), zone),
        tz=tz,
        projects=lists["project"],
        models=lists["model"],
        users=lists["user"],
        sources=lists["source"],
    )


def budget(key: str) -> float:
    """A budget (USD) from the URL, clamped to the slider's range; the default otherwise."""
    _label, default, maximum, step = BUDGETS[key]
    raw = st.query_params.get(key)
    try:
        value = float(raw) if raw is not None else default
    except ValueError:
        value = default
    if value != value:  # NaN
        value = default
    value = min(max(value, 0.0), maximum)
    return round(value / step) * step


def number_param(key: str, default: float, lo: float, hi: float) -> float:
    raw = st.query_params.get(key)
    try:
        value = float(raw) if raw is not None else default
    except ValueError:
        return default
    return default if value != value else min(max(value, lo), hi)


def sync_to_url(key: str, value) -> None:
    """Write one widget value to the URL (lists as repeated parameters, dates as ISO)."""
    if isinstance(value, list | tuple):
        st.query_params[key] = [str(v) for v in value]
    elif isinstance(value, date):
        st.query_params[key] = value.isoformat()
    elif value is None or value == "":
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = str(value)


def url_widget(widget, label: str, options: list, key: str, default, param: str | None = None, **kwargs):
    """A selection widget seeded from the URL parameter ``param`` (default: ``key``) and written back to it.

    A value that is not among ``options`` (a stale link, other dates) falls back to ``default``.
    """
    param = param or key
    if key not in st.session_state or st.session_state[key] not in options + [None]:
        wanted = st.query_params.get(param)
        st.session_state[key] = wanted if wanted in options else default
    return widget(
        label,
        options,
        key=key,
        on_change=lambda: sync_to_url(param, st.session_state[key]),
        **kwargs,
    )


def budget_slider(key: str, container=st) -> float:
    """A budget slider seeded from the URL that keeps the URL in sync."""
    label, _default, maximum, step = BUDGETS[key]
    if key not in st.session_state:
        st.session_state[key] = budget(key)
    value = container.slider(
        label, 0.0, maximum, step=step, key=key, on_change=lambda: sync_to_url(key, st.session_state[key])
    )
    sync_to_url(key, value)
    return float(value)
