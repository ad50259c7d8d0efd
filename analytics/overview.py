"""Store-wide facts the app frames every page with: data bounds and filter options."""

from __future__ import annotations

from datetime import date

import pandas as pd

from analytics import rollups


def load_data_bounds(store, tz: str = "UTC", users: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per source: ``events``, ``first_day`` and ``last_day`` (dates in ``tz``); only ``users``' events
    when given (a per-user view)."""
    name = "overview_bounds_rollup" if rollups.current(store) else "overview_bounds"
    return store.query(name, tz=tz, users=list(users))


def load_filter_options(store, users: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Distinct projects, repositories, models, users and sources, most used first; only in ``users``'
    events when given (a per-user view)."""
    df = store.query(
        "overview_options_rollup" if rollups.current(store) else "overview_options", users=list(users)
    )
    kinds = ("project", "repository", "model", "user", "source")
    if "kind" not in df.columns:  # an empty result may come without columns
        return {k: [] for k in kinds}
    return {k: df.loc[df["kind"] == k, "value"].tolist() for k in kinds}


def data_bounds(store, tz: str, users: tuple[str, ...] = ()) -> tuple[date, date] | None:
    """First and last local day (in ``tz``) with any event (of ``users``, when given); None without any."""
    df = load_data_bounds(store, tz=tz, users=users)
    if df.empty or int(df["events"].sum()) == 0:
        return None
    return pd.Timestamp(df["first_day"].min()).date(), pd.Timestamp(df["last_day"].max()).date()
