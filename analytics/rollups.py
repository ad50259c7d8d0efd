"""Hourly rollups kept at ingest, so whole-window answers read thousands of rows.

At 10M events a daily series, the error classes of a window or the week-on-week
change scan millions of rows of the ``telemetry`` view; the same answers summed
from hourly totals by project, repository, model, user, source, event and
failure class read a few thousand (``rollup_hourly``). Tool-sequence mining and
recovery after API errors, which follow each session's events in order, read
per-session hourly rows (``rollup_sessions``: the hour's tool calls in order,
request counts and cost, and the few request times recovery can need) instead
of sorting millions of events; the session table reads per-session hourly
aggregates of every event (``rollup_session_metrics``, active time within the
hour kept for :data:`SESSION_IDLE_MS`); the error monitor's attempts, permission
decisions, API error classes and tool errors read the hourly error detail
(``rollup_errors``, each tool result with the reject decisions of its call);
timeout risk's exact percentiles, the daily p95, the Errors page's duration
histogram and the Models page's usage per model read every request duration and
time to first token of each hour and group as one array (``rollup_latency``);
the Tools page's per-tool counts, distinct sessions and exact percentiles read
each hour's and group's tool calls per tool, their session ids and durations
(``rollup_tools``); re-pricing and the model-efficiency widget read the token
mix by price-tier bucket (``rollup_token_mix``, bucketed by the price book's and
the default targets' tier starts: a refresh that finds rows built with other
ones redoes every hour, and a reader asking for other bounds reads the events).
All are the view's own (one count per request), recomputed for every hour a write
touches:

- a JSONL ingest commit: the hours of its events and of the rows they replace,
  and of the stored tool results its reject decisions name;
- an insert into ``otel_logs``, ours (an OpenTelemetry import) or a collector's
  writing to a server directly: a materialized view notes its hours
  (``rollup_pending``), and the next refresh recomputes them and the hours of
  the stored tool results their records name;
- the demo, a store opened without current totals, a snapshot: every hour.

Hours are widened by 6 seconds each way, since a transcript request and its
OpenTelemetry twin match within 5 seconds and the twin's row changes with it.
A refresh appends the new totals hidden and shows them with one lightweight
UPDATE (the events table's own swap), so a reader sees an hour either before
or after, never half. Deleted data (a re-seeded demo) is covered because the
full refresh also touches every hour the totals still hold.

Readers (:func:`query_name`) use a ``<name>_rollup`` query when the totals are
built (``meta`` ``rollup_version``), the window is whole UTC hours in a zone
whose offset is whole hours (every day of the zone is a set of UTC hours) and no
hour of it is noted as pending; otherwise the raw query. On a server the
Collector feeds, notes come from inserts no command here sees, so readers ask
for them at every query, and a refresh (the ``refresh`` command, or any ingest)
brings them in; an embedded store is written only by the process that owns it,
whose every write refreshes what it noted, so its notes are asked once.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from zoneinfo import ZoneInfo

from analytics import pricing
from analytics.filters import Filters
from analytics.store import Store
from analytics.view import IDLE_MINUTES

SESSION_IDLE_MS = IDLE_MINUTES * 60_000
"""The idle bound of ``rollup_session_metrics``' active time (the session table's own)."""
ROLLUP_VERSION = f"9-idle{SESSION_IDLE_MS}"
"""The format of the rollup tables; a store built with another one is rebuilt on open."""
TABLES = (
    "rollup_hourly",
    "rollup_sessions",
    "rollup_session_metrics",
    "rollup_errors",
    "rollup_latency",
    "rollup_token_mix",
    "rollup_tools",
)
"""The rollups, each with its ``<table>_refresh`` statement (``rollup_swap`` and ``rollup_drop_hidden`` serve all)."""

PENDING_GRACE = timedelta(seconds=60)
"""On a server, the notes a refresh leaves for the next one: those of the last minute before it
began. An insert reaches ``otel_logs`` and the view's notes in no fixed order, so a note just seen
may belong to records the refresh could not see yet; their hours stay with the events until the
next refresh. An embedded store has no concurrent writer and keeps none."""
EPOCH = datetime(1970, 1, 1)
COMPACT_RATIO = 2
"""A rollup table holding this many times its live rows (a full rebuild's old generation, or many
refreshes') is merged after the refresh."""

_built: weakref.WeakKeyDictionary[Store, bool] = weakref.WeakKeyDictionary()
_settled: weakref.WeakSet[Store] = weakref.WeakSet()
"""Embedded stores known to hold no pending note (none can appear but by their own refreshed writes)."""


def built(store: Store) -> bool:
    """The totals exist and are in :data:`ROLLUP_VERSION` (remembered once true)."""
    if _built.get(store):
        return True
    ok = (
        store.table_exists(*TABLES) and store.rows("meta_value", key="rollup_version")[0][0] == ROLLUP_VERSION
    )
    if ok:
        _built[store] = True
        if not store.table_exists("rollup_pending"):  # an older embedded store opened read-only: no notes
            _settled.add(store)
    return ok


def first_pending(store: Store, since: datetime | None = None) -> datetime | None:
    """The earliest UTC hour (naive) at or after ``since``'s that ``rollup_pending`` notes: its totals
    are stale until a refresh. None when there is none."""
    if store in _settled:
        return None
    if since is not None and store.kind == "embedded" and first_pending(store) is None:
        return None  # asked of the whole table first: an embedded store without notes is settled at once
    ((hour,),) = store.rows("rollup_pending_first", since=EPOCH if since is None else _naive_utc(since))
    if hour is None and since is None and store.kind == "embedded":
        _settled.add(store)
    return None if hour is None else _naive_utc(hour)


def _naive_utc(t: datetime) -> datetime:
    return t if t.tzinfo is None else t.astimezone(UTC).replace(tzinfo=None)


def current(store: Store) -> bool:
    """The totals are built and no hour is pending: they answer for every window of whole hours."""
    return built(store) and first_pending(store) is None


def _whole_hours(tz: str, *instants: datetime) -> bool:
    try:
        zone = ZoneInfo(tz)
    except (KeyError, ValueError):  # not a zone: the raw query runs, and the engine refuses it
        return False
    for t in instants:
        utc = t.astimezone(UTC)
        if utc.minute or utc.second or utc.microsecond:
            return False
        offset = utc.astimezone(zone).utcoffset() or timedelta(0)
        if offset % timedelta(hours=1):
            return False
    return True


def query_name(store: Store, filters: Filters, name: str) -> str:
    """``name + "_rollup"`` when the hourly totals can answer for ``filters``, else ``name``."""
    if built(store) and _whole_hours(filters.tz, filters.start, filters.end):
        pending = first_pending(store, filters.start)
        if pending is None or pending.replace(tzinfo=UTC) >= filters.end:
            return f"{name}_rollup"
    return name


def mix_bounds(store: Store, bounds: Sequence[int]) -> list[int]:
    """The tier starts a token mix asked for with ``bounds`` is bucketed by: those and the price
    book's, sorted (``models_token_mix.sql`` takes the same union)."""
    return sorted({*(int(b) for b in bounds), *(int(t) for (t,) in store.rows("prices_tier_starts"))})


def token_mix_query(store: Store, filters: Filters, bounds: Sequence[int], small_output: int) -> str:
    """``models_token_mix_rollup`` when ``rollup_token_mix`` can answer a mix asked for with ``bounds``
    (:func:`analytics.pricing.tier_bounds` of the targets): whole hours, the small-output limit it
    was built with, and every row built with the bounds that mix buckets by today."""
    name = query_name(store, filters, "models_token_mix")
    if name == "models_token_mix" or small_output != pricing.SMALL_OUTPUT:
        return "models_token_mix"
    built = [list(b) for (b,) in store.rows("rollup_token_mix_bounds")]
    return name if built in ([], [mix_bounds(store, bounds)]) else "models_token_mix"


def _default_bounds(store: Store) -> list[int]:
    """The default re-pricing targets' tier starts, kept in ``meta`` per genai-prices version, so a
    refresh does not load the price data (~0.1 s) to learn them."""
    key = f"mix_default_bounds:{version('genai-prices')}"
    ((known,),) = store.rows("meta_value", key=key)
    if known:
        return [int(b) for b in known.split(",")]
    bounds = pricing.tier_bounds(list(pricing.DEFAULT_ALTERNATIVES))
    store.insert_rows("meta", [[key, ",".join(map(str, bounds))]], ["key", "value"])
    return bounds


def split_hour(store: Store, filters: Filters) -> datetime | None:
    """The UTC hour (naive) before which the hourly totals can answer for ``filters`` and after which
    the events must: the window's last partial hour (a window ending now), or its first pending
    hour when earlier. None when the totals are not built, the window's start is not a whole hour
    in its zone, or it holds no whole hour the totals can answer."""
    if not _whole_hours(filters.tz, filters.start):
        return None
    inside = whole_hours_inside(store, filters)
    return None if inside is None else inside[1]


def whole_hours_inside(store: Store, filters: Filters) -> tuple[datetime, datetime] | None:
    """For a window that need not start or end on whole UTC hours (the last 30 days up to now): its
    first whole UTC hour and the hour before which the built totals answer (both naive UTC), so the
    totals read the hours between them and the events the rest. None when the totals are not built
    or answer no whole hour of it."""
    if not built(store):
        return None
    start = _naive_utc(filters.start)
    first = start.replace(minute=0, second=0, microsecond=0)
    first += timedelta(hours=1) if first < start else timedelta(0)
    split = answered_until(store, filters.end, first)
    return (first, split) if split > first else None


def answered_until(store: Store, end: datetime, since: datetime | None = None) -> datetime:
    """The UTC hour (naive) up to which the built totals answer for a window ending at ``end`` (and
    starting at ``since``): ``end``'s hour, or the first pending hour when earlier."""
    split = _naive_utc(end).replace(minute=0, second=0, microsecond=0)
    pending = first_pending(store, since)
    return min(split, pending) if pending is not None else split


def rows_since(store: Store, split: datetime) -> bool:
    """Whether the store holds any row at or after the UTC hour ``split`` (naive): when it holds
    none, the hourly totals answer alone for a window that ends after it."""
    return bool(store.rows("rollup_rows_since", split=split)[0][0])


def _recompute(store: Store) -> None:
    """Recompute the hours in ``rollup_touched`` and the pending ones under a new generation, then
    empty it and forget the pending notes covered (:data:`PENDING_GRACE`)."""
    forget_before = None
    if store.count_rows("rollup_pending"):
        ((began,),) = store.rows_sql("SELECT now64(3, 'UTC')")  # the engine's clock, the notes' own
        forget_before = _naive_utc(began) - (timedelta(0) if store.kind == "embedded" else PENDING_GRACE)
        store.command("rollup_touch_pending")
        named = [i for (i,) in store.rows("rollup_pending_decisions")]
        if named:
            store.command("rollup_touch_results", ids=named)
    if store.count_rows("rollup_touched"):
        now = datetime.now(UTC)
        gen = now.replace(microsecond=now.microsecond // 1000 * 1000)  # the column's millisecond, exactly
        bounds = mix_bounds(store, _default_bounds(store))
        if any(list(b) != bounds for (b,) in store.rows("rollup_token_mix_bounds")):
            store.command("rollup_touch_all")  # the price book gained a tier start: every token mix again
        for table in TABLES:
            store.command(
                f"{table}_refresh",
                gen=gen,
                idle_ms=SESSION_IDLE_MS,
                mix_bounds=bounds,
                small_output=pricing.SMALL_OUTPUT,
            )
            store.command("rollup_swap", table=table, gen=gen)
            store.command("rollup_drop_hidden", table=table)
            _compact(store, table)
    if forget_before is not None:
        store.command("rollup_pending_clear", before=forget_before)
    store.truncate("rollup_touched")
    if store.kind == "embedded":
        _settled.add(store)


def _compact(store: Store, table: str) -> None:
    """Merge ``table`` once its stored rows are at least :data:`COMPACT_RATIO` times its live ones.

    Each refresh leaves the old generation of its hours deleted but stored, and
    the swap's patches applied at every read until a merge: right after a full
    rebuild of a 10M store, tool sequences read 1.3x and recovery 1.5x slower
    than once merged, and every rebuild more adds to it.
    """
    ((stored,),) = store.rows("rollup_stored_rows", table=table)
    if stored and stored >= COMPACT_RATIO * max(store.count_rows(table), 1):
        store.command("rollup_compact", table=table)


def _refresh(store: Store, touch: str | None) -> None:
    """Recompute the hours ``touch`` (a named INSERT into ``rollup_touched``) selects, and the pending ones."""
    store.truncate("rollup_touched")
    if touch is not None:
        store.command(touch)
    _recompute(store)


def note_ingest(store: Store) -> None:
    """Before a JSONL commit (``ingest_events`` staged): note the hours it will change."""
    if built(store):
        store.truncate("rollup_touched")
        store.command("rollup_touch_ingest")


def refresh_noted(store: Store) -> None:
    """After that commit: recompute the hours :func:`note_ingest` noted, and the pending ones."""
    if built(store):
        _recompute(store)


def refresh_pending(store: Store) -> None:
    """Recompute the pending hours (after an OpenTelemetry import, or what a collector wrote)."""
    if built(store):
        _refresh(store, None)


def pending_hours(store: Store) -> int:
    """How many distinct hours are noted as pending."""
    return int(store.rows_sql("SELECT uniqExact(hour) FROM rollup_pending")[0][0])


def rebuild(store: Store) -> None:
    """Recompute every hour and mark the totals current (the demo, an old store, a snapshot)."""
    if store.readonly:
        return
    _refresh(store, "rollup_touch_all")
    store.insert_rows("meta", [["rollup_version", ROLLUP_VERSION]], ["key", "value"])
    _built[store] = True


def ensure(store: Store) -> None:
    """Build the totals of a writable store that has none in :data:`ROLLUP_VERSION`, else recompute
    its pending hours."""
    if store.readonly:
        return
    if not built(store):
        rebuild(store)
    elif first_pending(store) is not None:
        refresh_pending(store)
