"""The view held in the URL: filters, budgets and selections live in ``st.query_params``.

Opening a copied URL reproduces the page: every widget is seeded from the URL on
its first render and writes its value back on change. Pages read the view
through :func:`current_view` / :func:`current_filters`, which read the URL
leniently (``analytics.view.parse_view``: a bad value falls back to its
default), so a page also runs alone (AppTest) without the sidebar of
``streamlit_app.py``.

The URL parameters are the contract of ``analytics.view``; pages add their own
choices (``period``, ``by``, ``session_a``, ``session_b``, ``q``, ...).
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import streamlit as st

from analytics.clock import judged_at, to_datetime
from analytics.filters import Filters
from analytics.view import BUDGET_BY_PARAM, BUDGETS, SHARED_PARAMS, ParamError, View, parse_view
from ui.access import pinned_users


def current_view() -> View:
    """The view of the URL, read leniently; in a per-user view the users are pinned to the
    signed-in user, whatever the URL says (``ui.access.pinned_users``)."""
    view = parse_view(st.query_params, strict=False)
    pinned = pinned_users()
    return view if pinned is None else dataclasses.replace(view, users=pinned)


def view_problem() -> str | None:
    """What is wrong with the URL's view, read strictly (as the API would), or None; pages then show
    the lenient reading (:func:`current_view`) and say which value was ignored."""
    try:
        parse_view(st.query_params, strict=True)
    except ParamError as exc:
        return str(exc)
    return None


def current_filters(bounds: tuple[date, date] | None = None) -> Filters:
    """The filters of the current view; ``bounds`` (first and last day with data) set the default dates."""
    return current_view().filters(bounds)


def as_of(filters: Filters) -> datetime:
    """The instant the current figures are judged at: now (to the minute, so cached loads are reused
    within it) for a live view, the window's last millisecond for a past one."""
    live = current_view().is_live()
    at = judged_at(filters, live)
    return to_datetime(at.floor("min") if live else at)


def shared_params() -> dict[str, list[str]]:
    """The URL parameters that follow the user to another page (dates, zone, filters, budgets, threshold)."""
    return {k: st.query_params.get_all(k) for k in SHARED_PARAMS if st.query_params.get_all(k)}


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


def url_toggle(label: str, key: str, on: str) -> bool:
    """A toggle seeded from the URL (``key=on`` means on) that keeps the URL in sync."""
    if key not in st.session_state:
        st.session_state[key] = st.query_params.get(key) == on
    return st.toggle(
        label, key=key, on_change=lambda: sync_to_url(key, on if st.session_state[key] else None)
    )


def url_slider(label: str, key: str, value: float, lo: float, hi: float, step: float, container=st) -> float:
    """A slider seeded with ``value`` (clamped into ``[lo, hi]``, on the step) that keeps the URL's ``key`` in sync."""
    if key not in st.session_state:
        st.session_state[key] = round(min(max(value, lo), hi) / step) * step
    value = container.slider(
        label, lo, hi, step=step, key=key, on_change=lambda: sync_to_url(key, st.session_state[key])
    )
    sync_to_url(key, value)
    return float(value)


def budget_slider(param: str, container=st) -> float:
    """The slider of a budget (``budget_day``, ``budget_month`` or ``budget_session``), seeded from the URL."""
    b = BUDGET_BY_PARAM[param]
    return url_slider(b.slider_label, param, current_view().budgets[b.key], 0.0, b.maximum, b.step, container)


def budget_sliders(containers) -> dict[str, float]:
    """The sliders of every budget, one per container in the order of ``analytics.view.BUDGETS``.

    Returns
    -------
    dict
        The budgets (USD) by key: "day", "month", "session".
    """
    return {b.key: budget_slider(b.param, c) for b, c in zip(BUDGETS, containers, strict=True)}
