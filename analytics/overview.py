"""Store-wide facts the app frames every page with: data bounds and filter options."""

from __future__ import annotations

from datetime import date

import pandas as pd


def load_data_bounds(store, tz: str = "UTC") -> pd.DataFrame:
    """Per source: ``events``, ``first_day`` and ``last_day`` (dates in ``tz``)."""
    return store.query("overview_bounds", tz=tz)


def load_filter_options(store) -> dict[str, list[str]]:
    """Distinct projects, models, users and sources, most used first."""
    df = store.query("overview_options")
    if "kind" not in df.columns:  # an empty result may come without columns
        return {k: [] for k in ("project", "model", "user", "source")}
    return {k: df.loc[df["kind"] == k, "value"].tolist() for k in ("project", "model", "user", "source")}


def data_bounds(store, tz: str) -> tuple[date, date] | None:
    """First and last local day (in ``tz``) with any event; None for an empty store."""
    df = load_data_bounds(store, tz=tz)
    if df.empty or int(df["events"].sum()) == 0:
        return None
    return pd.Timestamp(df["first_day"].min()).date(), pd.Timestamp(df["last_day"].max()).date()
