"""The view every query is cut by: time window, reporting time zone, project, repository, model, user, source.

Named SQL files write ``__FILTERS__`` where the standard predicate goes (the
text of ``sql/_filters.sql``, all values bound as parameters); ``Filters.params()``
supplies those parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta


def local_zone() -> str:
    """The machine's IANA time zone name (default reporting zone), UTC if unknown."""
    import os
    from pathlib import Path

    if os.environ.get("TZ"):
        return os.environ["TZ"].lstrip(":")
    try:
        link = Path("/etc/localtime").resolve()
        if "zoneinfo" in link.parts:
            return "/".join(link.parts[link.parts.index("zoneinfo") + 1 :])
    except OSError:
        pass
    return "UTC"


@dataclass(frozen=True)
class Filters:
    """A half-open UTC window [start, end) and optional allow-lists (empty = all).

    ``projects`` and ``repositories`` hold labels as the store shows them
    (``~/web-shop``); ``sources`` picks the events counted from those sources
    (``telemetry`` counts a request both sources recorded as OpenTelemetry's).
    """

    start: datetime = datetime(2000, 1, 1, tzinfo=UTC)
    end: datetime = datetime(2100, 1, 1, tzinfo=UTC)
    tz: str = "UTC"
    projects: tuple[str, ...] = field(default_factory=tuple)
    repositories: tuple[str, ...] = field(default_factory=tuple)
    models: tuple[str, ...] = field(default_factory=tuple)
    users: tuple[str, ...] = field(default_factory=tuple)
    sources: tuple[str, ...] = field(default_factory=tuple)

    def params(self) -> dict:
        """Bound parameters for ``__FILTERS__`` (plus ``tz``)."""
        return {
            "start": self.start.astimezone(UTC).replace(tzinfo=None),
            "end": self.end.astimezone(UTC).replace(tzinfo=None),
            "tz": self.tz,
            "projects": list(self.projects),
            "repositories": list(self.repositories),
            "models": list(self.models),
            "users": list(self.users),
            "sources": list(self.sources),
        }

    def with_window(self, start: datetime, end: datetime) -> Filters:
        return replace(self, start=start, end=end)

    @property
    def days(self) -> int:
        """Length of the window in days, rounded to whole days."""
        return round((self.end - self.start) / timedelta(days=1))

    def previous(self) -> Filters:
        """The window of the same length right before this one, with the same allow-lists.

        ``[start - (end - start), start)``. With both ends in one zone (``ZoneInfo``)
        the length is taken on the wall clock: the window before whole local days
        is whole local days too, across a daylight-saving change as well.
        """
        return replace(self, start=self.start - (self.end - self.start), end=self.start)

    def days_up_to(self, end: datetime, days: float) -> Filters:
        """The ``days`` days up to and including the instant ``end``: ``[end - days, end + 1 ms)``."""
        return replace(self, start=end - timedelta(days=days), end=end + timedelta(milliseconds=1))

    @classmethod
    def last_days(cls, days: int, now: datetime | None = None, **kw) -> Filters:
        now = now or datetime.now(UTC)
        return cls(start=now - timedelta(days=days), end=now, **kw)
