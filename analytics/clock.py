"""Instants and local days: UTC timestamps, local midnights and the instant a view is judged at."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from analytics.filters import Filters


def utc(ts) -> pd.Timestamp:
    """``ts`` as a UTC Timestamp (a naive one is taken to be UTC)."""
    t = pd.Timestamp(ts)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def to_datetime(ts) -> datetime:
    """``ts`` as a UTC ``datetime``."""
    return utc(ts).to_pydatetime()


def index_utc(idx) -> pd.DatetimeIndex:
    """A DatetimeIndex in UTC (a naive one is taken to be UTC)."""
    idx = pd.DatetimeIndex(idx)
    return idx.tz_localize("UTC") if idx.tz is None else idx.tz_convert("UTC")


def local_midnight(day: pd.Timestamp, tz: str) -> pd.Timestamp:
    """Local midnight of the naive day ``day`` in ``tz`` (DST-safe), in UTC."""
    return pd.Timestamp(day).tz_localize(tz, ambiguous=True, nonexistent="shift_forward").tz_convert("UTC")


def local_day(ts: pd.Timestamp, tz: str) -> pd.Timestamp:
    """The naive local day (midnight) in ``tz`` that contains the instant ``ts``."""
    return ts.tz_convert(tz).tz_localize(None).normalize()


def instant(now: datetime | None = None) -> pd.Timestamp:
    """``now`` as a UTC Timestamp, or the wall clock."""
    return pd.Timestamp.now(tz="UTC") if now is None else utc(now)


def judged_at(filters: Filters, live: bool, now: datetime | None = None) -> pd.Timestamp:
    """The instant a view's current figures (today, the burn rate, the active block) are judged at (UTC).

    A live view (its window reaches today) is judged now: ``now``, or the wall
    clock. A past window is judged at its end: ``min(now or the wall clock,
    the window's last millisecond)``, and says so.
    """
    wall = instant(now)
    return wall if live else min(wall, utc(filters.end) - pd.Timedelta(milliseconds=1))
