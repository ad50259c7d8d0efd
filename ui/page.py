"""How every page starts: the store, what data there is, and the filters of the current view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import streamlit as st

from analytics.filters import Filters
from analytics.overview import load_data_bounds
from ui import access, cache, components, state
from ui.connection import store_or_stop


@dataclass(frozen=True)
class DataState:
    """What data the app shows: events in the store, their date range and sources."""

    events: int
    first: date | None
    last: date | None
    sources: tuple[str, ...]

    @property
    def bounds(self) -> tuple[date, date] | None:
        """First and last day with data; None for an empty store."""
        return (self.first, self.last) if self.events else None


def _day(value) -> date:
    return value.date() if isinstance(value, datetime) else value  # pandas gives Timestamps


def data_state(tz: str) -> DataState:
    """Events, first and last local day (in ``tz``) and sources of the store; in a per-user view, of
    the signed-in user's events only."""
    df = cache.load(load_data_bounds, None, tz=tz, users=access.pinned_users() or ())
    if df.empty or int(df["events"].sum()) == 0:
        return DataState(0, None, None, ())
    return DataState(
        int(df["events"].sum()),
        _day(df["first_day"].min()),
        _day(df["last_day"].max()),
        tuple(sorted(df["source"].unique())),
    )


def page_view() -> tuple[str, DataState, Filters]:
    """The store (or a stopped page), the reporting zone printed once, what data there is, and the
    filters of the current view."""
    store_or_stop()
    problem = state.view_problem()
    if problem:
        st.warning(
            f"This link has a value the app cannot use, so the default is shown instead: {components.literal(problem)}"
        )
    view = state.current_view()
    facts = data_state(view.tz)
    components.zone_note(view.tz)
    return view.tz, facts, state.current_filters(facts.bounds)
