"""Tool usage, outcomes and the sequences tools are called in.

Loaders, one named query each, cut by the standard filters:

* :func:`load_tool_stats` (``tools_usage.sql``): one row per tool with call
  counts, outcomes and exact duration percentiles of ``tool_result`` events.
* :func:`load_tool_totals` (``tools_totals.sql``): the same calls in total.
* :func:`load_tool_sequences` (``tools_sequences.sql``): one row per session
  with its tool calls in order (``ts``, then ``seq``, then ``event_id``), which
  of them failed, and the session's ``api_request`` cost.

Analysis functions take those frames:

* :func:`tool_usage` - shares and success rates per tool.
* :func:`mine_ngrams` - every run of 2-4 consecutive calls inside a session
  (an *n-gram*), with occurrences, sessions, success rate and attributed cost.
* :func:`transition_matrix` - from -> to counts and probabilities.
* :func:`common_workflows` - the most frequent n-grams of distinct steps.
* :func:`find_loops` - one tool repeated many times in a row, and
  edit -> failed Bash -> edit cycles.
* :func:`suggestions` - plain sentences, each backed by the numbers above.

:func:`tool_calls` lays a sequences frame's calls end to end once, for the
miners to share when one frame is mined several ways; :func:`load_tool_calls`
reads them so directly (``tools_calls_rollup.sql``, the per-session rollup's
rows in session and hour order), the same calls without the per-session frame.

Cost attribution (:data:`COST_RULE`): a session's priced ``api_request`` cost
is spread evenly over its tool calls; a pattern's cost is the sum of the shares
of the calls it covers. Patterns overlap (Read -> Grep is inside
Read -> Grep -> Edit), so pattern costs do not add up to the total. Sessions
without a priced request contribute no cost; a pattern seen only there has a
NaN cost (unpriced), never $0.

Outcomes: a call failed when its ``success`` is 0; a call with an unknown
outcome (NULL) is not counted as a failure.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics import rollups
from analytics.filters import Filters

ARROW = " → "
EDIT_TOOLS = ("Edit", "MultiEdit", "Write", "NotebookEdit")
"""Tools that change a file: the edit steps of an edit -> failed Bash -> edit cycle."""
COST_RULE = (
    "Each session's priced api_request cost is spread evenly over its tool calls; a pattern's cost is the "
    "sum of the shares of the calls it covers, over all its occurrences. Overlapping patterns share calls, "
    "so pattern costs do not add up to the total."
)
SUCCESS_RULE = (
    "An occurrence succeeded when none of its calls failed (success = 0); unknown outcomes are not failures."
)

USAGE_COLUMNS = [
    "tool",
    "calls",
    "share",
    "succeeded",
    "failed",
    "rejected",
    "success_rate",
    "sessions",
    "timed_calls",
    "p50_ms",
    "p95_ms",
    "mean_ms",
]
NGRAM_COLUMNS = [
    "pattern",
    "label",
    "length",
    "count",
    "sessions",
    "success_rate",
    "cost_usd",
    "cost_per_occurrence",
    "unpriced_occurrences",
]
TRANSITION_COLUMNS = ["from_tool", "to_tool", "count", "probability"]
LOOP_COLUMNS = ["tool", "runs", "sessions", "calls", "longest", "mean_length", "failed_share", "cost_usd"]
STATS_COLUMNS = [
    "tool",
    "calls",
    "succeeded",
    "failed",
    "rejected",
    "sessions",
    "timed_calls",
    "p50_ms",
    "p95_ms",
    "mean_ms",
]
SEQUENCE_COLUMNS = ["session_id", "tools", "failed", "requests", "unpriced_requests", "cost_usd"]


def _window(filters: Filters | None) -> tuple[datetime, datetime] | None:
    return None if filters is None else (filters.start, filters.end)


def _with_columns(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """An empty result comes back without columns; give it the documented ones."""
    return pd.DataFrame(columns=columns) if frame.empty and len(frame.columns) == 0 else frame


# -- loaders ----------------------------------------------------------------


def load_tool_stats(store, filters: Filters) -> pd.DataFrame:
    """Per-tool counts and durations of ``tool_result`` events in the filtered window.

    Returns
    -------
    DataFrame
        One row per tool, most used first: ``tool``, ``calls``, ``succeeded``,
        ``failed`` (success = 0), ``rejected`` (failed because the user
        declined), ``sessions`` (distinct), ``timed_calls`` (calls with a
        duration), ``p50_ms`` / ``p95_ms`` (``quantileExact``, milliseconds,
        NaN when no call has a duration) and ``mean_ms``. Empty when there are
        no tool calls. From the hourly tool totals when they can answer
        (:mod:`analytics.rollups`).
    """
    name = rollups.query_name(store, filters, "tools_usage")
    return _with_columns(store.query(name, **filters.params()), STATS_COLUMNS)


@dataclass(frozen=True)
class ToolTotals:
    """All tool calls of a window (:func:`load_tool_totals`): calls, those that succeeded and failed,
    and how many tools ran."""

    n_calls: int
    succeeded: int
    failed: int
    n_tools: int

    @property
    def success_rate(self) -> float | None:
        """Succeeded / (succeeded + failed) (also :func:`success_rate`'s); None when no outcome is known."""
        known = self.succeeded + self.failed
        return self.succeeded / known if known else None


def load_tool_totals(store, filters: Filters) -> ToolTotals:
    """The sums of :func:`tool_usage` of :func:`load_tool_stats` (``tools_totals.sql``), for a window
    whose per-tool rows are not shown (the period before, on the Tools page)."""
    name = rollups.query_name(store, filters, "tools_totals")
    ((calls, succeeded, failed, n_tools),) = store.rows(name, **filters.params())
    return ToolTotals(int(calls), int(succeeded), int(failed), int(n_tools))


def load_tool_sequences(store, filters: Filters) -> pd.DataFrame:
    """Per-session ordered tool calls and the session's request cost.

    Returns
    -------
    DataFrame
        One row per session with at least one tool call: ``session_id``,
        ``tools`` (list of tool names ordered by ts, seq, event_id), ``failed``
        (list of 0/1, same order), ``requests``, ``unpriced_requests`` and
        ``cost_usd`` (sum of priced request costs in USD; NaN when the session
        has no priced request). ``tools`` and ``failed`` are Arrow-backed list
        columns (``pd.ArrowDtype``): millions of calls arrive without one
        Python object per call; a cell reads as a list. Read from the
        per-session rollup when it can answer (:mod:`analytics.rollups`).
    """
    name = rollups.query_name(store, filters, "tools_sequences")
    table = store.query_arrow(name, **filters.params())
    if table.num_rows == 0:
        return pd.DataFrame(columns=SEQUENCE_COLUMNS)
    return table.to_pandas(types_mapper=lambda t: pd.ArrowDtype(t) if pa.types.is_list(t) else None)


# -- results ----------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ToolUsage:
    """Usage per tool (:func:`tool_usage`).

    ``table`` columns: :data:`USAGE_COLUMNS`; ``share`` is the tool's part of
    all calls, ``success_rate`` = succeeded / (succeeded + failed) (NaN when no
    outcome is known).
    """

    table: pd.DataFrame
    n_calls: int
    n_tools: int
    window: tuple[datetime, datetime] | None
    method: str


@dataclass(frozen=True, eq=False)
class SequenceMining:
    """N-grams of consecutive tool calls within sessions (:func:`mine_ngrams`).

    ``ngrams`` columns: :data:`NGRAM_COLUMNS`. ``pattern`` is a tuple of tool
    names, ``label`` the same joined by arrows, ``count`` the occurrences
    (overlapping windows count separately), ``sessions`` the distinct sessions
    containing it, ``success_rate`` the share of occurrences without a failed
    call, ``cost_usd`` the attributed cost (NaN when no occurrence is in a
    priced session), ``unpriced_occurrences`` the occurrences in sessions
    without a priced request. Sorted by count (descending), then label.
    """

    ngrams: pd.DataFrame
    n_sessions: int
    n_calls: int
    min_length: int
    max_length: int
    window: tuple[datetime, datetime] | None
    method: str


@dataclass(frozen=True, eq=False)
class TransitionMatrix:
    """First-order transitions between consecutive tool calls (:func:`transition_matrix`).

    ``table`` columns: :data:`TRANSITION_COLUMNS`, ``probability`` = count /
    all transitions out of ``from_tool`` (rows of one ``from_tool`` sum to 1).
    ``matrix`` is the same probabilities as a square frame (index: from,
    columns: to, 0 where never observed).
    """

    table: pd.DataFrame
    matrix: pd.DataFrame
    n_transitions: int
    n_sessions: int
    window: tuple[datetime, datetime] | None
    method: str


@dataclass(frozen=True, eq=False)
class Workflows:
    """Most common multi-step workflows (:func:`common_workflows`).

    ``table`` columns: ``label``, ``pattern``, ``length``, ``count``,
    ``sessions``, ``session_share`` (share of sessions with tool calls that
    contain it), ``success_rate``, ``cost_usd``.
    """

    table: pd.DataFrame
    n_sessions: int
    window: tuple[datetime, datetime] | None
    method: str


@dataclass(frozen=True, eq=False)
class LoopReport:
    """Repetition loops (:func:`find_loops`).

    ``repeats`` columns: :data:`LOOP_COLUMNS` - per tool, runs of at least
    ``min_repeat`` consecutive calls of that tool: number of runs, sessions,
    calls inside runs, longest run, mean run length, share of failed calls in
    runs and the attributed cost of those calls (NaN when unpriced).

    Edit-fail-edit cycles are three consecutive calls: an edit tool
    (:data:`EDIT_TOOLS`), a failed ``Bash`` call, an edit tool again.
    """

    repeats: pd.DataFrame
    min_repeat: int
    edit_fail_edit: int
    edit_fail_edit_sessions: int
    edit_fail_edit_cost_usd: float
    n_sessions: int
    window: tuple[datetime, datetime] | None
    method: str


# -- analysis ---------------------------------------------------------------


def tool_usage(stats: pd.DataFrame, filters: Filters | None = None) -> ToolUsage:
    """Shares and success rates per tool from :func:`load_tool_stats`.

    Parameters
    ----------
    stats : DataFrame
        Output of :func:`load_tool_stats`.
    filters : Filters, optional
        The filters the frame was loaded with (recorded as ``window``).

    Returns
    -------
    ToolUsage
        Empty table and zero counts for an empty frame.
    """
    method = "Counts of tool_result events; success rate = succeeded / (succeeded + failed); durations: exact p50/p95."
    if stats is None or stats.empty:
        return ToolUsage(pd.DataFrame(columns=USAGE_COLUMNS), 0, 0, _window(filters), method)
    t = stats.copy()
    total = int(t["calls"].sum())
    t["share"] = t["calls"] / total
    known = t["succeeded"] + t["failed"]
    t["success_rate"] = (t["succeeded"] / known.where(known > 0)).astype("float64")
    t = t[USAGE_COLUMNS].reset_index(drop=True)
    return ToolUsage(t, total, len(t), _window(filters), method)


def success_rate(usage: ToolUsage) -> float | None:
    """Succeeded / (succeeded + failed) over all tools of ``usage``; None when no call has a known outcome."""
    if usage.table.empty:
        return None
    table = usage.table
    return ToolTotals(
        usage.n_calls, int(table["succeeded"].sum()), int(table["failed"].sum()), usage.n_tools
    ).success_rate


@dataclass(frozen=True)
class ToolCalls:
    """Every session's calls of :func:`load_tool_sequences` end to end (:func:`tool_calls`).

    Per call: the tool's code (an index into ``names``, which is sorted), the
    session's row number, whether it failed, its share of the session's cost
    (0 when unpriced) and whether that share is priced, and ``tail``, how many
    calls follow it in its session. Sessions are in the frame's row order, so
    ``session`` never decreases.
    """

    codes: np.ndarray
    session: np.ndarray
    failed: np.ndarray
    call_cost: np.ndarray
    priced: np.ndarray
    tail: np.ndarray
    names: np.ndarray
    n_sessions: int
    session_cost: np.ndarray
    """Each session's priced cost (USD; NaN when unpriced), by session number."""


Sequences: TypeAlias = pd.DataFrame | ToolCalls | None
"""What the miners take: :func:`load_tool_sequences`' frame, or its :func:`tool_calls` to mine it several ways."""


def _list_array(column: pd.Series, item: pa.DataType) -> pa.ChunkedArray:
    """A list column as Arrow (zero-copy for Arrow-backed columns)."""
    if isinstance(column.dtype, pd.ArrowDtype):
        return pa.chunked_array(pa.array(column))
    return pa.chunked_array([pa.array([list(v) for v in column], type=pa.list_(item))])


def tool_calls(sequences: Sequences) -> ToolCalls | None:
    """The calls of :func:`load_tool_sequences`' frame end to end; None when there are none.

    :func:`mine_ngrams`, :func:`transition_matrix` and :func:`find_loops` each
    do this to a frame: pass them the result instead to do it once.
    """
    if sequences is None or isinstance(sequences, ToolCalls):
        return sequences
    if sequences.empty:
        return None
    cost = pd.to_numeric(sequences["cost_usd"], errors="coerce").to_numpy(dtype="float64")
    return _laid_out(
        _list_array(sequences["tools"], pa.string()),
        _list_array(sequences["failed"], pa.uint8()),
        np.arange(len(sequences)),
        cost,
    )


def load_tool_calls(store, filters: Filters) -> ToolCalls | None:
    """``tool_calls(load_tool_sequences(store, filters))``, read without building the per-session frame.

    From the per-session rollup's rows in session and hour order when it answers and no session has
    two rows with calls in one hour; otherwise through :func:`load_tool_sequences`. None when no
    session in the window has a tool call.
    """
    if rollups.query_name(store, filters, "tools_sequences") == "tools_sequences_rollup":
        rows = store.query_arrow("tools_calls_rollup", **filters.params())
        if rows.num_rows == 0:
            return None
        stored_hours = rows.column("ts").to_numpy()
        order, everyone = _session_hour_order(rows.column("session_id"), stored_hours)
        lengths = pc.list_value_length(rows.column("tools")).to_numpy(zero_copy_only=False)[order]
        with_calls = np.flatnonzero(lengths > 0)
        sessions, hours = everyone[with_calls], stored_hours[order][with_calls]
        repeated = (sessions[1:] == sessions[:-1]) & (hours[1:] == hours[:-1])  # two rows in a session hour
        if not repeated.any():
            priced = rows.column("priced").to_numpy(zero_copy_only=False)[order] > 0
            spent = np.bincount(
                everyone, weights=rows.column("cost_usd").to_numpy(zero_copy_only=False)[order]
            )
            cost = np.where(np.bincount(everyone, weights=priced) > 0, spent, np.nan)
            kept = np.bincount(everyone, weights=lengths) > 0
            # a session without calls shares a neighbour's number: it adds no call, and its cost is left out
            session = np.maximum(np.cumsum(kept) - 1, 0)[everyone]
            return _laid_out(rows.column("tools"), rows.column("failed"), session, cost[kept], order)
    return tool_calls(load_tool_sequences(store, filters))


def _session_hour_order(session_ids: pa.ChunkedArray, hours: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows in session then hour order (``ORDER BY session_id, ts``, sorted here in 10 ms for 140k
    rows rather than moving every call list through the engine's sort, ~30 ms), and each row's session
    number in that order."""
    encoded = pc.dictionary_encode(session_ids.combine_chunks())
    rank = np.empty(len(encoded.dictionary), dtype=np.int64)
    rank[pc.sort_indices(encoded.dictionary).to_numpy()] = np.arange(len(rank))
    session = rank[encoded.indices.to_numpy(zero_copy_only=False)]
    order = np.lexsort((hours, session))
    return order, session[order]


def _laid_out(
    tool_lists: pa.ChunkedArray,
    failed_lists: pa.ChunkedArray,
    session: np.ndarray,
    cost: np.ndarray,
    order: np.ndarray | None = None,
) -> ToolCalls | None:
    """:class:`ToolCalls` from rows of call lists: ``order`` lists the rows in session then call order
    (default: as they are), ``session`` numbers each row's session in that order, ``cost`` is each
    session's priced cost (NaN: unpriced)."""
    row_lengths = pc.list_value_length(tool_lists).to_numpy(zero_copy_only=False).astype(np.int64)
    if row_lengths.sum() == 0:
        return None
    encoded = pc.list_flatten(tool_lists).combine_chunks().dictionary_encode()
    dictionary = np.asarray(encoded.dictionary.to_pylist(), dtype=object)
    by_name = np.argsort(dictionary, kind="stable")
    rank = np.empty(len(by_name), dtype=np.int64)
    rank[by_name] = np.arange(len(by_name))
    codes = rank[encoded.indices.to_numpy(zero_copy_only=False)]
    failed = pc.list_flatten(failed_lists).to_numpy(zero_copy_only=False)
    position = np.arange(len(codes))
    if order is not None:  # each call's place in the stored rows, taken row by row in ``order``
        starts = (np.cumsum(row_lengths) - row_lengths)[order]
        row_lengths = row_lengths[order]
        shift = starts - (np.cumsum(row_lengths) - row_lengths)
        calls = np.repeat(shift, row_lengths) + position
        codes, failed = codes[calls], failed[calls]
    lengths = np.bincount(session, weights=row_lengths, minlength=len(cost)).astype(np.int64)
    tail = np.repeat(np.cumsum(lengths) - 1, lengths) - position
    with np.errstate(invalid="ignore", divide="ignore"):
        per_call = np.where(lengths > 0, cost / np.maximum(lengths, 1), np.nan)
    priced = ~np.isnan(per_call)  # per session, then per call
    return ToolCalls(
        codes,
        np.repeat(np.arange(len(lengths)), lengths),
        failed.astype(bool),
        np.repeat(np.where(priced, per_call, 0.0), lengths),
        np.repeat(priced, lengths),
        tail,
        dictionary[by_name],
        len(lengths),
        cost,
    )


def _windows(flat: ToolCalls, length: int) -> np.ndarray:
    """Start positions of every window of ``length`` calls inside one session."""
    return np.flatnonzero(flat.tail >= length - 1)


DENSE_KEYS = 1 << 20
"""Largest key space :func:`_group` counts into directly instead of hashing."""


def _group(keys: np.ndarray, space: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Group ``keys``: each key's group number, and the distinct keys.

    Keys known to lie in ``range(space)`` with ``space`` at most :data:`DENSE_KEYS` are
    grouped by marking that range (the distinct keys ascending; 4 ms instead of 11 for the 1.3M
    windows of 4 calls of a 10M-event store); others are hashed (the distinct keys in first-seen order).
    """
    if space is not None and space <= DENSE_KEYS:
        present = np.zeros(space, dtype=bool)
        present[keys] = True
        return (np.cumsum(present) - 1)[keys], np.flatnonzero(present)
    codes, uniques = pd.factorize(keys)
    return codes, np.asarray(uniques)


DISTINCT_CELLS = 1 << 22
"""Largest session x group bitmap :func:`_distinct_sessions` marks at once (one byte a cell)."""
BITMAP_CELLS_PER_ROW = 64
"""Above this many bitmap cells per row, :func:`_distinct_sessions` hashes the pairs instead."""


def _distinct_sessions(group: np.ndarray, session: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group, the number of distinct sessions among its rows; ``session`` must never decrease.

    Marks a bitmap of sessions x groups, a band of consecutive sessions at a
    time (at most :data:`DISTINCT_CELLS` cells): at 10M events half the time
    of hashing the million (group, session) pairs. Past
    :data:`BITMAP_CELLS_PER_ROW` cells a row (many sessions, many rare
    patterns) hashing costs less, and is used.
    """
    out = np.zeros(n_groups, dtype=np.int64)
    if len(session) == 0:
        return out
    spread = int(session[-1] - session[0]) + 1
    if spread * n_groups > BITMAP_CELLS_PER_ROW * len(session):
        pairs = pd.unique(group.astype(np.int64) * spread + (session - session[0]))
        return np.bincount(pairs // spread, minlength=n_groups).astype(np.int64)
    band = max(1, DISTINCT_CELLS // max(n_groups, 1))
    cuts = np.searchsorted(session, np.arange(session[0], session[-1] + band + 1, band))
    for lo, hi in itertools.pairwise(cuts):
        if lo == hi:
            continue
        first = session[lo]
        seen = np.zeros((session[hi - 1] - first + 1) * n_groups, dtype=bool)
        seen[(session[lo:hi] - first) * n_groups + group[lo:hi]] = True
        # count_nonzero(axis=0) takes twice as long
        out += seen.reshape(-1, n_groups).view(np.uint8).sum(axis=0, dtype=np.int32)
    return out


def _ngram_tables(flat: ToolCalls, min_length: int, max_length: int) -> list[pd.DataFrame]:
    """:func:`_ngram_table` of every length from ``min_length`` to ``max_length``, each length's keys,
    failures and costs built from the previous length's (one pass over the calls a length)."""
    base, n = len(flat.names), len(flat.codes)
    key = np.zeros(n, dtype=np.int64)
    any_failed = np.zeros(n, dtype=bool)
    cost = np.zeros(n)
    tables = []
    for length in range(1, max_length + 1):
        m = max(n - length + 1, 0)  # every window start, then those inside one session
        if key.dtype != object and base**length >= 2**62:
            key = key.astype(object)
        last = slice(length - 1, length - 1 + m)
        key = key[:m] * base + flat.codes[last]
        any_failed = any_failed[:m] | flat.failed[last]
        cost = cost[:m] + flat.call_cost[last]
        if length >= min_length:
            tables.append(_ngram_table(flat, length, key, any_failed, cost))
    return tables


def _ngram_table(
    flat: ToolCalls, length: int, key: np.ndarray, any_failed: np.ndarray, cost: np.ndarray
) -> pd.DataFrame:
    """N-grams of ``length`` calls from every window start's ``key`` (the calls' codes in base
    ``len(flat.names)``), whether any of its calls failed, and its calls' summed cost."""
    starts = _windows(flat, length)
    if len(starts) == 0:
        return pd.DataFrame(columns=NGRAM_COLUMNS)
    base = len(flat.names)
    key, any_failed, cost = key[starts], any_failed[starts], cost[starts]
    group, keys = _group(key, base**length)
    n = len(keys)
    priced = flat.priced[starts]
    count = np.bincount(group, minlength=n)
    priced_count = np.bincount(group, weights=priced, minlength=n)
    cost_sum = np.bincount(group, weights=np.where(priced, cost, 0.0), minlength=n)
    patterns = []
    for k in keys:
        parts = []
        k = int(k)
        for _ in range(length):
            k, r = divmod(k, base)
            parts.append(str(flat.names[r]))
        patterns.append(tuple(reversed(parts)))
    out = pd.DataFrame(
        {
            "pattern": patterns,
            "label": [ARROW.join(p) for p in patterns],
            "length": length,
            "count": count.astype("int64"),
            "sessions": _distinct_sessions(group, flat.session[starts], n),
            "success_rate": np.bincount(group, weights=~any_failed, minlength=n) / count,
            "cost_usd": np.where(priced_count > 0, cost_sum, np.nan),
            "unpriced_occurrences": (count - priced_count).astype("int64"),
        }
    )
    out["cost_per_occurrence"] = out["cost_usd"] / out["count"]
    return out[NGRAM_COLUMNS]


def mine_ngrams(
    sequences: Sequences,
    min_length: int = 2,
    max_length: int = 4,
    min_count: int = 1,
    filters: Filters | None = None,
) -> SequenceMining:
    """Count every run of ``min_length``..``max_length`` consecutive tool calls inside a session.

    Parameters
    ----------
    sequences : DataFrame or ToolCalls
        Output of :func:`load_tool_sequences`, or its :func:`tool_calls`.
    min_length, max_length : int
        N-gram lengths (calls), inclusive; 2..4 by default.
    min_count : int
        Drop patterns seen fewer times.
    filters : Filters, optional
        Recorded as ``window``.

    Returns
    -------
    SequenceMining
        With an empty table when no session has ``min_length`` calls.

    Examples
    --------
    One session Read, Grep, Edit, Read, Grep, Edit gives Read → Grep twice,
    Grep → Edit twice, Edit → Read once and Read → Grep → Edit twice.
    """
    if min_length < 1 or max_length < min_length:
        raise ValueError("need 1 <= min_length <= max_length")
    method = (
        f"N-grams of {min_length}-{max_length} consecutive tool calls per session. {SUCCESS_RULE} {COST_RULE}"
    )
    flat = tool_calls(sequences)
    if flat is None:
        return SequenceMining(
            pd.DataFrame(columns=NGRAM_COLUMNS), 0, 0, min_length, max_length, _window(filters), method
        )
    parts = [p for p in _ngram_tables(flat, min_length, max_length) if not p.empty]
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=NGRAM_COLUMNS)
    table = table[table["count"] >= min_count]
    table = table.sort_values(["count", "label"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )
    return SequenceMining(
        table, flat.n_sessions, len(flat.codes), min_length, max_length, _window(filters), method
    )


def transition_matrix(sequences: Sequences, filters: Filters | None = None) -> TransitionMatrix:
    """From -> to counts and probabilities of consecutive tool calls within sessions.

    Returns
    -------
    TransitionMatrix
        Empty frames and zero counts when no session has two calls.
    """
    method = (
        "Consecutive tool calls within a session; probability = count / transitions out of the first tool."
    )
    flat = tool_calls(sequences)
    starts = _windows(flat, 2) if flat is not None else np.empty(0, dtype=np.int64)
    if flat is None or len(starts) == 0:
        return TransitionMatrix(
            pd.DataFrame(columns=TRANSITION_COLUMNS),
            pd.DataFrame(),
            0,
            0 if flat is None else flat.n_sessions,
            _window(filters),
            method,
        )
    base = len(flat.names)
    group, pairs = _group(flat.codes[starts] * base + flat.codes[starts + 1], base**2)
    table = pd.DataFrame(
        {
            "from_tool": flat.names[pairs // base],
            "to_tool": flat.names[pairs % base],
            "count": np.bincount(group, minlength=len(pairs)).astype("int64"),
        }
    )
    table["probability"] = table["count"] / table.groupby("from_tool")["count"].transform("sum")
    table = table.sort_values(["from_tool", "count", "to_tool"], ascending=[True, False, True]).reset_index(
        drop=True
    )
    matrix = table.pivot(index="from_tool", columns="to_tool", values="probability").fillna(0.0)
    return TransitionMatrix(
        table[TRANSITION_COLUMNS], matrix, len(starts), flat.n_sessions, _window(filters), method
    )


def common_workflows(
    mining: SequenceMining, min_length: int = 3, top: int = 10, min_sessions: int = 2
) -> Workflows:
    """The most common workflows: n-grams of at least ``min_length`` calls with no tool twice in a row.

    Ranked by the number of sessions containing them, then occurrences.
    Patterns seen in fewer than ``min_sessions`` sessions are left out.

    Returns
    -------
    Workflows
        Empty table when nothing qualifies.
    """
    cols = ["label", "pattern", "length", "count", "sessions", "session_share", "success_rate", "cost_usd"]
    method = (
        f"N-grams of {min_length}+ calls without a tool repeated back to back, seen in at least {min_sessions} "
        f"sessions; ranked by sessions, then occurrences. {SUCCESS_RULE}"
    )
    t = mining.ngrams
    if t.empty or mining.n_sessions == 0:
        return Workflows(pd.DataFrame(columns=cols), mining.n_sessions, mining.window, method)
    distinct_steps = t["pattern"].map(lambda p: all(a != b for a, b in itertools.pairwise(p)))
    t = t[(t["length"] >= min_length) & distinct_steps & (t["sessions"] >= min_sessions)].copy()
    t["session_share"] = t["sessions"] / mining.n_sessions
    t = t.sort_values(["sessions", "count", "label"], ascending=[False, False, True], kind="stable").head(top)
    return Workflows(t[cols].reset_index(drop=True), mining.n_sessions, mining.window, method)


def find_loops(
    sequences: Sequences,
    min_repeat: int = 3,
    edit_tools: Sequence[str] = EDIT_TOOLS,
    filters: Filters | None = None,
) -> LoopReport:
    """Runs of one tool repeated at least ``min_repeat`` times in a row, and edit -> failed Bash -> edit cycles.

    Parameters
    ----------
    sequences : DataFrame or ToolCalls
        Output of :func:`load_tool_sequences`, or its :func:`tool_calls`.
    min_repeat : int
        Shortest run reported (consecutive calls of the same tool), >= 2.
    edit_tools : sequence of str
        Tools counted as the edit steps of a cycle.

    Returns
    -------
    LoopReport
        Empty ``repeats`` and zero cycles when there is nothing to report.
    """
    if min_repeat < 2:
        raise ValueError("min_repeat must be at least 2")
    method = (
        f"A repeat loop is a run of >= {min_repeat} consecutive calls of one tool in a session; an edit-fail-edit "
        f"cycle is an edit ({', '.join(edit_tools)}), a failed Bash call, then an edit. {COST_RULE}"
    )
    flat = tool_calls(sequences)
    if flat is None:
        return LoopReport(
            pd.DataFrame(columns=LOOP_COLUMNS), min_repeat, 0, 0, float("nan"), 0, _window(filters), method
        )
    n = len(flat.codes)
    boundary = np.ones(n, dtype=bool)
    boundary[1:] = (flat.codes[1:] != flat.codes[:-1]) | (flat.session[1:] != flat.session[:-1])
    run_start = np.flatnonzero(boundary)
    run_len = np.diff(np.append(run_start, n))
    run_id = np.cumsum(boundary) - 1
    long_runs = run_len >= min_repeat
    if not long_runs.any():
        repeats = pd.DataFrame(columns=LOOP_COLUMNS)
    else:
        starts_ = run_start[long_runs]
        length = run_len[long_runs]
        failed = np.bincount(run_id, weights=flat.failed, minlength=len(run_start))[long_runs]
        cost = np.bincount(run_id, weights=flat.call_cost, minlength=len(run_start))[long_runs]
        priced = flat.priced[starts_]
        group, codes = _group(flat.codes[starts_], len(flat.names))
        k = len(codes)
        runs = np.bincount(group, minlength=k)
        calls = np.bincount(group, weights=length, minlength=k)
        longest = np.zeros(k, dtype=np.int64)
        np.maximum.at(longest, group, length)
        priced_runs = np.bincount(group, weights=priced, minlength=k)
        repeats = pd.DataFrame(
            {
                "tool": flat.names[codes],
                "runs": runs.astype("int64"),
                "sessions": _distinct_sessions(group, flat.session[starts_], k),
                "calls": calls.astype("int64"),
                "longest": longest,
                "mean_length": calls / runs,
                "failed_share": np.bincount(group, weights=failed, minlength=k) / calls,
                "cost_usd": np.where(
                    priced_runs > 0,
                    np.bincount(group, weights=np.where(priced, cost, 0.0), minlength=k),
                    np.nan,
                ),
            }
        )
        repeats = repeats.sort_values(["runs", "tool"], ascending=[False, True]).reset_index(drop=True)[
            LOOP_COLUMNS
        ]

    starts = _windows(flat, 3)
    is_edit = np.isin(flat.names, np.asarray(list(edit_tools), dtype=object))[flat.codes]
    is_bash = (flat.names == "Bash")[flat.codes]
    hit = starts[is_edit[starts] & is_bash[starts + 1] & flat.failed[starts + 1] & is_edit[starts + 2]]
    cycles = len(hit)
    cycle_sessions = len(np.unique(flat.session[hit]))
    priced_hits = hit[flat.priced[hit]]
    cycle_cost = (
        float(sum(flat.call_cost[priced_hits + j].sum() for j in range(3)))
        if len(priced_hits)
        else float("nan")
    )
    return LoopReport(
        repeats, min_repeat, cycles, cycle_sessions, cycle_cost, flat.n_sessions, _window(filters), method
    )


def _money(x: float) -> str:
    return f"${x:,.2f}"


_Candidate = tuple[float, float, str]
"""A suggestion with its sort key: (0 priced / 1 unpriced, minus the cost or count, sentence)."""


@dataclass(frozen=True)
class _SuggestionInputs:
    usage: ToolUsage | None
    mining: SequenceMining | None
    loops: LoopReport | None
    min_occurrences: int
    min_sessions: int
    min_calls: int


def _cost_first(cost: float, count: int) -> tuple[float, float]:
    """Sort key of a suggestion: the most costly first, then the unpriced (NaN cost) ones, most frequent first."""
    return (0.0, -cost) if cost == cost else (1.0, -float(count))


def _back_and_forth_loops(inputs: _SuggestionInputs) -> list[_Candidate]:
    """A → B → A loops (A ≠ B) seen ``min_occurrences``+ times in ``min_sessions``+ sessions."""
    if inputs.mining is None or inputs.mining.ngrams.empty:
        return []
    t = inputs.mining.ngrams
    ping = t[
        (t["length"] == 3) & (t["count"] >= inputs.min_occurrences) & (t["sessions"] >= inputs.min_sessions)
    ]
    ping = ping[ping["pattern"].map(lambda p: p[0] == p[2] and p[0] != p[1])]
    found = []
    for row in ping.itertuples():
        label = "→".join(row.pattern)
        if row.cost_usd == row.cost_usd:
            text = (
                f"{label} loops cost {_money(row.cost_usd)} over {row.sessions:,} sessions "
                f"({row.count:,} occurrences, {row.success_rate:.0%} without a failed call)."
            )
        else:
            text = (
                f"{label} loops occurred {row.count:,} times over {row.sessions:,} sessions "
                f"(unpriced; {row.success_rate:.0%} without a failed call)."
            )
        found.append((*_cost_first(row.cost_usd, row.count), text))
    return found


def _repeated_tool_runs(inputs: _SuggestionInputs) -> list[_Candidate]:
    """One tool run ``loops.min_repeat``+ times in a row, in ``min_occurrences``+ runs and ``min_sessions``+ sessions."""
    loops = inputs.loops
    if loops is None or loops.repeats.empty:
        return []
    r = loops.repeats
    found = []
    for row in r[(r["runs"] >= inputs.min_occurrences) & (r["sessions"] >= inputs.min_sessions)].itertuples():
        cost = f", {_money(row.cost_usd)}" if row.cost_usd == row.cost_usd else ""
        found.append(
            (
                *_cost_first(row.cost_usd, row.runs),
                f"{row.tool} ran {loops.min_repeat}+ times in a row {row.runs:,} times in {row.sessions:,} "
                f"sessions ({row.calls:,} calls, longest run {row.longest}{cost}); one broader call may "
                "replace such runs.",
            )
        )
    return found


def _edit_fail_edit_cycles(inputs: _SuggestionInputs) -> list[_Candidate]:
    """Edit → failed Bash → Edit cycles seen ``min_occurrences``+ times in ``min_sessions``+ sessions."""
    loops = inputs.loops
    if (
        loops is None
        or loops.edit_fail_edit < inputs.min_occurrences
        or loops.edit_fail_edit_sessions < inputs.min_sessions
    ):
        return []
    cost = loops.edit_fail_edit_cost_usd
    money = f" and cost {_money(cost)}" if cost == cost else ""
    return [
        (
            *_cost_first(cost, loops.edit_fail_edit),
            f"Edit → failed Bash → Edit cycles happened {loops.edit_fail_edit:,} times in "
            f"{loops.edit_fail_edit_sessions:,} sessions{money}: a command failed after an edit and the file "
            "was edited again.",
        )
    ]


def _failing_tools(inputs: _SuggestionInputs) -> list[_Candidate]:
    """Tools with ``min_calls``+ calls of known outcome failing 20% of the time or more; most failures first."""
    if inputs.usage is None or inputs.usage.table.empty:
        return []
    t = inputs.usage.table
    known = t["succeeded"] + t["failed"]
    total_failed = int(t["failed"].sum())
    found = []
    for row in t[(known >= inputs.min_calls) & (t["success_rate"] <= 0.8)].itertuples():
        k = int(row.succeeded + row.failed)
        share = row.failed / total_failed if total_failed else 0.0
        found.append(
            (
                0.0,
                -float(row.failed),
                f"{row.tool} failed {row.failed:,} of {k:,} calls ({row.failed / k:.0%}), "
                f"{share:.0%} of all tool failures.",
            )
        )
    return found


def _slow_tools(inputs: _SuggestionInputs) -> list[_Candidate]:
    """Tools with ``min_calls``+ timed calls whose p95 is 30 s or more; most timed calls first."""
    if inputs.usage is None or inputs.usage.table.empty:
        return []
    t = inputs.usage.table
    return [
        (
            0.0,
            -float(row.timed_calls),
            f"{row.tool} is slow: p95 {row.p95_ms / 1000:.1f} s, median {row.p50_ms / 1000:.1f} s "
            f"over {row.timed_calls:,} timed calls.",
        )
        for row in t[(t["timed_calls"] >= inputs.min_calls) & (t["p95_ms"] >= 30_000)].itertuples()
    ]


_SUGGESTION_RULES = (
    _back_and_forth_loops,
    _repeated_tool_runs,
    _edit_fail_edit_cycles,
    _failing_tools,
    _slow_tools,
)
"""The kinds of :func:`suggestions`, in the order their sentences appear."""


def suggestions(
    usage: ToolUsage | None = None,
    mining: SequenceMining | None = None,
    loops: LoopReport | None = None,
    min_occurrences: int = 5,
    min_sessions: int = 2,
    min_calls: int = 20,
    per_kind: int = 2,
    max_items: int = 8,
) -> list[str]:
    """Plain-sentence suggestions, each stating the numbers behind it.

    A sentence is produced only when the data supports it:

    * back-and-forth loops (A → B → A with A ≠ B) seen at least
      ``min_occurrences`` times in at least ``min_sessions`` sessions;
    * one tool repeated ``loops.min_repeat``+ times in a row, with the same
      thresholds on runs and sessions;
    * edit → failed Bash → edit cycles, same thresholds;
    * tools with at least ``min_calls`` calls of known outcome failing 20% of
      the time or more;
    * tools with at least ``min_calls`` timed calls whose p95 is 30 s or more.

    Each kind contributes at most ``per_kind`` sentences, the most costly (or,
    unpriced, the most frequent; for tools, the most failures or timed calls)
    first. Kinds appear in the order above.

    Returns
    -------
    list of str
        At most ``max_items`` sentences; empty when nothing qualifies.
    """
    inputs = _SuggestionInputs(usage, mining, loops, min_occurrences, min_sessions, min_calls)
    out: list[str] = []
    for rule in _SUGGESTION_RULES:
        out.extend(text for *_, text in sorted(rule(inputs))[:per_kind])
    return out[:max_items]
