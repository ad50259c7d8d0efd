"""Sessions: per-session metrics, comparisons, a documented productivity score and insights.

Loaders (one named query each, cut by the standard filters):

* :func:`load_sessions` (``sessions_metrics.sql``): one row per session.
* :func:`load_session_totals` (``sessions_totals.sql`` over the same query):
  :func:`session_totals` computed in the store, for a window whose rows are
  not shown (the previous period of the headline cards).
* :func:`load_session_tool_mix` (``sessions_tool_mix.sql``): tool calls and
  failures per (session, tool).

Definitions used throughout:

* *active time*: the sum of gaps between consecutive events of the session
  that are at most ``idle_minutes`` (default 5) long; longer gaps are idle.
* *operations*: tool calls + API calls (requests + API errors); *failed
  operations*: failed tool calls + API errors; ``error_rate`` = failed
  operations / operations.
* *cost per request*: priced cost / priced requests (USD).

The productivity score (:func:`productivity_scores`) is a weighted mean of five
factors, each the session's percentile rank among the sessions of the same
frame (the user's own history in the window), so 1.0 means best of them and
0.0 worst. Weights and definitions are in :data:`WEIGHTS` and
:data:`FACTOR_DEFINITIONS` and are returned with every score. The fifth,
outcome efficiency (cost per commit, pull request or accepted edit), needs the
frame of :func:`analytics.outcomes.with_session_outcomes`; without outcome data
it is undefined and the score is the weighted mean of the other four, exactly
as before it existed (their weights keep their proportions).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy import stats

from analytics import fmt, rollups
from analytics.filters import Filters
from analytics.store import sql_text
from analytics.view import IDLE_MINUTES

WEIGHTS: Mapping[str, float] = {
    "cost_efficiency": 0.24,
    "error_resilience": 0.20,
    "tool_effectiveness": 0.16,
    "time_management": 0.20,
    "outcome_efficiency": 0.20,
}
FACTOR_DEFINITIONS: Mapping[str, str] = {
    "cost_efficiency": "percentile rank of cost per priced request, lower is better (needs a priced request)",
    "error_resilience": "percentile rank of failed operations / operations, lower is better (needs an operation)",
    "tool_effectiveness": "percentile rank of tool-call success rate, higher is better (needs a tool call)",
    "time_management": "percentile rank of active time / session span, higher is better (needs a span > 0)",
    "outcome_efficiency": (
        "percentile rank of cost per outcome (commit, pull request or accepted edit), lower is better; a "
        "session that spent and produced nothing ranks last (needs a priced cost, and outcome data: some "
        "session of the frame produced something)"
    ),
}
_FACTOR_METRIC = {
    "cost_efficiency": ("cost_per_request", False),
    "error_resilience": ("error_rate", False),
    "tool_effectiveness": ("tool_success_rate", True),
    "time_management": ("active_share", True),
    "outcome_efficiency": ("cost_per_outcome", False),
}
PERCENTILE_RULE = (
    "percentile rank p = (r - 1) / (m - 1), r the average rank of the session's value among the m sessions "
    "where the factor is defined, oriented so that better values rank higher (0 = worst, 1 = best); a factor "
    "is undefined with fewer than 2 such sessions"
)
SCORE_RULE = (
    "score = 100 x sum(weight x factor) / sum(weight) over the session's defined factors; weights: "
    + ", ".join(f"{k.replace('_', ' ')} {v:.0%}" for k, v in WEIGHTS.items())
)
GROUP_KEYS = {"cc_version": "cc_version", "model": "primary_model", "project": "project", "user": "user"}
GROUP_METRICS = {
    "cost": "cost_usd",
    "cost_per_request": "cost_per_request",
    "duration": "duration_s",
    "active_time": "active_s",
    "requests": "requests",
    "tool_calls": "tool_calls",
    "error_rate": "error_rate",
    "tool_error_rate": "tool_error_rate",
    "tokens": "total_tokens",
    "score": "score",
}


SESSION_COLUMNS = [
    "session_id",
    "start",
    "end",
    "duration_s",
    "active_s",
    "events",
    "prompts",
    "requests",
    "cost_usd",
    "unpriced_requests",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "total_tokens",
    "tool_calls",
    "tool_errors",
    "api_errors",
    "models",
    "primary_model",
    "project",
    "cc_version",
    "user",
    "start_hour",
    "start_day",
]
DERIVED_COLUMNS = [
    "cost_per_request",
    "error_rate",
    "tool_error_rate",
    "api_error_rate",
    "tool_success_rate",
    "active_share",
]
TOOL_MIX_COLUMNS = ["session_id", "tool", "calls", "errors"]


def _window(filters: Filters | None) -> tuple[datetime, datetime] | None:
    return None if filters is None else (filters.start, filters.end)


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den > 0)).astype("float64")


# -- loaders ----------------------------------------------------------------


def load_sessions(store, filters: Filters, idle_minutes: float = IDLE_MINUTES) -> pd.DataFrame:
    """Per-session metrics in the filtered window.

    Returns
    -------
    DataFrame
        One row per session, oldest first: ``session_id``, ``start`` / ``end``
        (UTC timestamps of the first and last event), ``duration_s`` (span,
        seconds), ``active_s`` (seconds, gaps <= ``idle_minutes``), ``events``,
        ``prompts``, ``requests``, ``cost_usd`` (USD, NaN when no request is
        priced), ``unpriced_requests``, ``input_tokens``, ``output_tokens``,
        ``cache_read_tokens``, ``cache_write_tokens``, ``total_tokens``,
        ``tool_calls``, ``tool_errors``, ``api_errors``, ``models`` (list),
        ``primary_model``, ``project``, ``cc_version`` (latest seen), ``user``,
        ``start_hour`` and ``start_day`` (of ``start`` in ``filters.tz``), and
        derived: ``cost_per_request``, ``error_rate``, ``tool_error_rate``,
        ``api_error_rate``, ``tool_success_rate``, ``active_share`` (NaN where
        the denominator is 0).
    """
    params = {"idle_ms": int(idle_minutes * 60_000), **filters.params()}
    table = store.query_arrow(_metrics_query(store, filters, params["idle_ms"]), **params)
    if table.num_rows == 0:
        return pd.DataFrame(columns=SESSION_COLUMNS + DERIVED_COLUMNS)
    # Read as Arrow, the per-session model lists cost no Python decoding per value; strings get the
    # dtype every other loader's frame has, the lists are plain lists again.
    frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
    frame["models"] = table.column("models").to_pylist()
    return _derive(frame)


def load_session_totals(store, filters: Filters, idle_minutes: float = IDLE_MINUTES) -> SessionTotals | None:
    """:func:`session_totals` of :func:`load_sessions` without reading the sessions out of the store.

    One row of aggregates over the session table's own query; None when the window has no session.
    """
    params = {"idle_ms": int(idle_minutes * 60_000), **filters.params()}
    sql = sql_text("sessions_totals").replace(
        "__SESSIONS__", sql_text(_metrics_query(store, filters, params["idle_ms"]))
    )
    ((n, cost, median_cost, median_duration, median_active, failed, operations),) = store.rows_sql(
        sql, **params
    )
    if not n:
        return None
    return SessionTotals(
        n_sessions=int(n),
        cost_usd=float(cost),
        median_cost_usd=float(median_cost),
        median_duration_s=float(median_duration),
        median_active_s=float(median_active),
        error_rate=failed / operations if operations else float("nan"),
    )


def _metrics_query(store, filters: Filters, idle_ms: int) -> str:
    """``sessions_metrics_rollup`` when the per-session rollup answers exactly (whole hours, no model
    filter, the rollup's idle bound, one row per session and hour under the filters), else the raw query."""
    if (
        filters.models
        or idle_ms != rollups.SESSION_IDLE_MS
        or rollups.query_name(store, filters, "sessions_metrics") == "sessions_metrics"
        or store.rows("sessions_split_hours", **filters.params())[0][0]
    ):
        return "sessions_metrics"
    return "sessions_metrics_rollup"


def _derive(frame: pd.DataFrame) -> pd.DataFrame:
    f = frame.copy()
    for c in ("start", "end"):
        if c in f and len(f):
            f[c] = pd.to_datetime(f[c], utc=True)
    operations = f["tool_calls"] + f["requests"] + f["api_errors"]
    f["cost_per_request"] = _ratio(f["cost_usd"].astype("float64"), f["requests"] - f["unpriced_requests"])
    f["error_rate"] = _ratio(f["tool_errors"] + f["api_errors"], operations)
    f["tool_error_rate"] = _ratio(f["tool_errors"], f["tool_calls"])
    f["api_error_rate"] = _ratio(f["api_errors"], f["requests"] + f["api_errors"])
    f["tool_success_rate"] = 1 - f["tool_error_rate"]
    f["active_share"] = _ratio(f["active_s"].astype("float64"), f["duration_s"].astype("float64"))
    return f


def load_session_tool_mix(store, filters: Filters, sessions: Sequence[str] | None = None) -> pd.DataFrame:
    """Tool calls per session and tool: ``session_id``, ``tool``, ``calls``, ``errors`` (success = 0).

    ``sessions``: only these sessions (a page comparing two of 50,000 reads
    theirs, through the session index, instead of every session's); None: all.
    """
    only = sessions is not None
    frame = store.query("sessions_tool_mix", **filters.params(), only=only, sessions=list(sessions or ()))
    return pd.DataFrame(columns=TOOL_MIX_COLUMNS) if frame.empty else frame


# -- comparison of two sessions ---------------------------------------------


@dataclass(frozen=True)
class SessionComparison:
    """Two sessions side by side (:func:`compare_sessions`); every ``*_diff`` is b - a.

    Costs in USD, durations in seconds, rates as fractions. ``tool_cosine`` is
    the cosine similarity of the two tool-call count vectors (None when a
    session has no tool call), ``tool_jaccard`` = |tools in both| / |tools in
    either| (None when neither has a tool call).
    """

    a: str
    b: str
    cost_a: float
    cost_b: float
    cost_diff: float
    cost_per_request_a: float
    cost_per_request_b: float
    cost_per_request_diff: float
    error_rate_a: float
    error_rate_b: float
    error_rate_diff: float
    duration_a: float
    duration_b: float
    duration_diff: float
    active_a: float
    active_b: float
    active_diff: float
    requests_a: int
    requests_b: int
    tool_calls_a: int
    tool_calls_b: int
    tool_cosine: float | None
    tool_jaccard: float | None
    tools_only_a: tuple[str, ...]
    tools_only_b: tuple[str, ...]
    method: str


def compare_sessions(
    a_id: str, b_id: str, sessions_frame: pd.DataFrame, tool_mix_frame: pd.DataFrame
) -> SessionComparison | None:
    """Differences between sessions ``a_id`` and ``b_id`` (b - a) and the similarity of their tool mix.

    Parameters
    ----------
    sessions_frame : DataFrame
        Output of :func:`load_sessions`.
    tool_mix_frame : DataFrame
        Output of :func:`load_session_tool_mix`.

    Returns
    -------
    SessionComparison or None
        None when either session is not in ``sessions_frame``.
    """
    if sessions_frame is None or sessions_frame.empty:
        return None
    idx = sessions_frame.set_index("session_id")
    if a_id not in idx.index or b_id not in idx.index:
        return None
    ra, rb = idx.loc[a_id], idx.loc[b_id]
    mix = (
        tool_mix_frame
        if tool_mix_frame is not None
        else pd.DataFrame(columns=["session_id", "tool", "calls"])
    )
    va = mix[mix["session_id"] == a_id].groupby("tool")["calls"].sum()
    vb = mix[mix["session_id"] == b_id].groupby("tool")["calls"].sum()
    tools = sorted(set(va.index) | set(vb.index))
    xa = va.reindex(tools, fill_value=0).to_numpy(dtype="float64")
    xb = vb.reindex(tools, fill_value=0).to_numpy(dtype="float64")
    na, nb = float(np.linalg.norm(xa)), float(np.linalg.norm(xb))
    cosine = float(xa @ xb / (na * nb)) if na and nb else None
    sa, sb = set(va.index[va > 0]), set(vb.index[vb > 0])
    jaccard = len(sa & sb) / len(sa | sb) if sa | sb else None

    def f(row, col) -> float:
        v = row[col]
        return float(v) if v is not None and not pd.isna(v) else float("nan")

    return SessionComparison(
        a=a_id,
        b=b_id,
        cost_a=f(ra, "cost_usd"),
        cost_b=f(rb, "cost_usd"),
        cost_diff=f(rb, "cost_usd") - f(ra, "cost_usd"),
        cost_per_request_a=f(ra, "cost_per_request"),
        cost_per_request_b=f(rb, "cost_per_request"),
        cost_per_request_diff=f(rb, "cost_per_request") - f(ra, "cost_per_request"),
        error_rate_a=f(ra, "error_rate"),
        error_rate_b=f(rb, "error_rate"),
        error_rate_diff=f(rb, "error_rate") - f(ra, "error_rate"),
        duration_a=f(ra, "duration_s"),
        duration_b=f(rb, "duration_s"),
        duration_diff=f(rb, "duration_s") - f(ra, "duration_s"),
        active_a=f(ra, "active_s"),
        active_b=f(rb, "active_s"),
        active_diff=f(rb, "active_s") - f(ra, "active_s"),
        requests_a=int(ra["requests"]),
        requests_b=int(rb["requests"]),
        tool_calls_a=int(ra["tool_calls"]),
        tool_calls_b=int(rb["tool_calls"]),
        tool_cosine=cosine,
        tool_jaccard=jaccard,
        tools_only_a=tuple(sorted(sa - sb)),
        tools_only_b=tuple(sorted(sb - sa)),
        method=(
            "Differences are b - a. error rate = (failed tool calls + API errors) / (tool calls + requests + API "
            "errors). Tool mix: cosine similarity of call counts per tool; Jaccard index of the sets of tools used."
        ),
    )


# -- productivity score -----------------------------------------------------


@dataclass(frozen=True, eq=False)
class ProductivityScores:
    """Scores of every session with their factors (:func:`productivity_scores`).

    ``table``: one row per scored session with ``session_id``, ``score``
    (0-100), the five factor values (0-1, NaN when undefined), the raw metrics
    behind them (``cost_per_request``, ``error_rate``, ``tool_success_rate``,
    ``active_share``, ``cost_per_outcome``), ``factors_used``, and ``start``, ``start_hour``,
    ``start_day``, ``project``, ``cost_usd`` for grouping. Sessions without
    any defined factor are left out and counted in ``n_unscored``.
    """

    table: pd.DataFrame
    weights: Mapping[str, float]
    definitions: Mapping[str, str]
    n_sessions: int
    n_unscored: int
    window: tuple[datetime, datetime] | None
    method: str


def percentile_rank(values: pd.Series, higher_is_better: bool) -> pd.Series:
    """(average rank - 1) / (m - 1) among the m non-NaN values, best = 1; NaN everywhere when m < 2
    or when no value is finite (infinities rank as the extremes they are, but only against finite
    values: a frame of infinities alone says nothing)."""
    v = values.astype("float64")
    if not np.isfinite(v).any():
        return pd.Series(np.nan, index=values.index)
    m = int(v.notna().sum())
    if m < 2:
        return pd.Series(np.nan, index=values.index)
    r = (v if higher_is_better else -v).rank(method="average")
    return (r - 1) / (m - 1)


def productivity_scores(
    sessions: pd.DataFrame, weights: Mapping[str, float] = WEIGHTS, filters: Filters | None = None
) -> ProductivityScores | None:
    """Score each session against the others in the frame; factors and weights are returned.

    Factors (:data:`FACTOR_DEFINITIONS`), each a percentile rank among the
    sessions where it is defined (:data:`PERCENTILE_RULE`):

    * cost efficiency (24%): cost per priced request, lower is better;
    * error resilience (20%): failed operations / operations, lower is better;
    * tool effectiveness (16%): tool-call success rate, higher is better;
    * time management (20%): active time / session span, higher is better;
    * outcome efficiency (20%): cost per outcome (``cost_per_outcome`` of
      :func:`analytics.outcomes.with_session_outcomes`: USD per commit, pull
      request or accepted edit), lower is better. A session that spent and
      produced nothing has an infinite cost per outcome and ranks last (ties
      share their average rank). The factor is undefined for every session
      when the frame has no ``cost_per_outcome`` column or no session produced
      anything (no outcome data), and for a session without a priced cost.

    The score is ``100 * sum(w * factor) / sum(w)`` over the factors defined
    for the session, so a session without tool calls is scored on the other
    four. The first four weights are the earlier 30/25/20/25 scaled by 0.8:
    without outcome data the score is the same as with those four alone.

    Returns
    -------
    ProductivityScores or None
        None with fewer than 2 sessions (a rank needs something to compare to).
    """
    if sessions is None or len(sessions) < 2:
        return None
    s = sessions.reset_index(drop=True)
    if "cost_per_outcome" not in s:
        s = s.assign(cost_per_outcome=np.nan)
    factors = pd.DataFrame(index=s.index)
    for name, (metric, higher) in _FACTOR_METRIC.items():
        factors[name] = percentile_rank(s[metric], higher)
    w = pd.Series(weights, dtype="float64").reindex(factors.columns).fillna(0.0)
    defined = factors.notna()
    weight_sum = defined.mul(w, axis=1).sum(axis=1)
    score = 100 * factors.fillna(0.0).mul(w, axis=1).sum(axis=1) / weight_sum.where(weight_sum > 0)
    keep = [
        c
        for c in (
            "start",
            "start_hour",
            "start_day",
            "project",
            "user",
            "cc_version",
            "primary_model",
            "cost_usd",
            "requests",
            "tool_calls",
        )
        if c in s
    ]
    table = pd.concat(
        [
            s[["session_id"]],
            score.rename("score"),
            factors,
            s[[m for m, _ in _FACTOR_METRIC.values()]],
            defined.sum(axis=1).rename("factors_used"),
            s[keep],
        ],
        axis=1,
    )
    scored = table[table["score"].notna()].reset_index(drop=True)
    return ProductivityScores(
        scored,
        dict(weights),
        dict(FACTOR_DEFINITIONS),
        len(scored),
        len(table) - len(scored),
        _window(filters),
        f"{SCORE_RULE}; {PERCENTILE_RULE}.",
    )


@dataclass(frozen=True, eq=False)
class PeakHours:
    """Score by hour of day of the session start (:func:`peak_hours`).

    ``table``: ``hour`` (0-23 in ``tz``), ``sessions``, ``mean_score``,
    ``median_score``, ``cost_usd``; only hours with sessions. ``best_hours``:
    up to ``top`` hours with at least ``min_sessions`` sessions, best mean
    score first.
    """

    table: pd.DataFrame
    best_hours: tuple[int, ...]
    min_sessions: int
    tz: str
    n_sessions: int
    window: tuple[datetime, datetime] | None
    method: str


def peak_hours(
    scores: ProductivityScores | None, tz: str = "UTC", min_sessions: int = 2, top: int = 3
) -> PeakHours | None:
    """Mean productivity score by the hour sessions started (in ``tz``, as loaded).

    Returns
    -------
    PeakHours or None
        None when no hour has ``min_sessions`` scored sessions.
    """
    if scores is None or scores.table.empty:
        return None
    t = scores.table
    g = t.groupby("start_hour")
    table = (
        pd.DataFrame(
            {
                "sessions": g.size(),
                "mean_score": g["score"].mean(),
                "median_score": g["score"].median(),
                "cost_usd": g["cost_usd"].sum(min_count=1),
            }
        )
        .reset_index()
        .rename(columns={"start_hour": "hour"})
    )
    table["hour"] = table["hour"].astype("int64")
    eligible = table[table["sessions"] >= min_sessions].sort_values(
        ["mean_score", "hour"], ascending=[False, True]
    )
    if eligible.empty:
        return None
    return PeakHours(
        table,
        tuple(int(h) for h in eligible["hour"].head(top)),
        min_sessions,
        tz,
        len(t),
        scores.window,
        f"Mean productivity score of sessions by the hour of day they started ({tz}); hours with fewer than "
        f"{min_sessions} sessions are not ranked.",
    )


@dataclass(frozen=True, eq=False)
class Consistency:
    """How steady the score is from day to day (:func:`consistency`).

    ``daily``: ``day``, ``sessions``, ``mean_score``, ``std_score``.
    ``cv`` = sample standard deviation / mean of the daily mean scores (lower is
    steadier); ``session_cv`` the same over individual sessions.
    """

    daily: pd.DataFrame
    cv: float
    session_cv: float
    n_days: int
    n_sessions: int
    window: tuple[datetime, datetime] | None
    method: str


def consistency(scores: ProductivityScores | None, min_days: int = 2) -> Consistency | None:
    """Coefficient of variation of the daily mean productivity score.

    Returns
    -------
    Consistency or None
        None with fewer than ``min_days`` days or a zero mean.
    """
    if scores is None or scores.table.empty:
        return None
    t = scores.table
    g = t.groupby("start_day")
    daily = (
        pd.DataFrame(
            {
                "sessions": g.size(),
                "mean_score": g["score"].mean(),
                "std_score": g["score"].std(ddof=1),
            }
        )
        .reset_index()
        .rename(columns={"start_day": "day"})
    )
    if len(daily) < min_days or daily["mean_score"].mean() == 0:
        return None
    cv = float(daily["mean_score"].std(ddof=1) / daily["mean_score"].mean())
    session_cv = float(t["score"].std(ddof=1) / t["score"].mean()) if t["score"].mean() else float("nan")
    return Consistency(
        daily,
        cv,
        session_cv,
        len(daily),
        len(t),
        scores.window,
        "CV = sample standard deviation / mean of the daily mean scores (days of session start).",
    )


# -- insights -----------------------------------------------------------------


@dataclass(frozen=True)
class SessionInsights:
    """Sentences about one session, each with its numbers (:func:`session_insights`)."""

    session_id: str
    score: float | None
    strengths: tuple[str, ...]
    improvements: tuple[str, ...]
    recommendations: tuple[str, ...]
    method: str


def _dur(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def session_insights(
    session_id: str,
    sessions: pd.DataFrame,
    scores: ProductivityScores | None,
    tool_mix: pd.DataFrame | None = None,
    strong: float = 0.75,
    weak: float = 0.25,
) -> SessionInsights | None:
    """Strengths, areas to improve and recommendations for one session, as sentences backed by numbers.

    A factor is a strength when its percentile rank is at least ``strong``
    and an area to improve when at most ``weak``. Recommendations come from
    the session's own data (a tool failing often, idle time, API errors, cost
    per request far above the median).

    Returns
    -------
    SessionInsights or None
        None when the session is not in ``sessions``.
    """
    if sessions is None or sessions.empty or session_id not in set(sessions["session_id"]):
        return None
    s = sessions.set_index("session_id").loc[session_id]
    score_row = None
    if scores is not None and not scores.table.empty:
        hit = scores.table[scores.table["session_id"] == session_id]
        score_row = hit.iloc[0] if len(hit) else None
    others = int(scores.n_sessions - 1) if scores is not None else 0
    strengths: list[str] = []
    improvements: list[str] = []
    medians = {m: sessions[m].median() if m in sessions else np.nan for m, _ in _FACTOR_METRIC.values()}

    def describe(factor: str) -> str:
        if factor == "cost_efficiency":
            return f"Cost per request was ${s['cost_per_request']:.4f} (median ${medians['cost_per_request']:.4f})"
        if factor == "error_resilience":
            ops = int(s["tool_calls"] + s["requests"] + s["api_errors"])
            failed = int(s["tool_errors"] + s["api_errors"])
            return f"{failed} of {ops} operations failed ({s['error_rate']:.1%}; median {medians['error_rate']:.1%})"
        if factor == "tool_effectiveness":
            ok = int(s["tool_calls"] - s["tool_errors"])
            return (
                f"Tool calls succeeded {ok} of {int(s['tool_calls'])} times ({s['tool_success_rate']:.0%}; "
                f"median {medians['tool_success_rate']:.0%})"
            )
        if factor == "outcome_efficiency":
            per, median = (fmt.unit_cost(s["cost_per_outcome"]), fmt.unit_cost(medians["cost_per_outcome"]))
            return (
                f"{int(s['outcomes'])} commits, pull requests and accepted edits for {fmt.money(s['cost_usd'])} "
                f"(per outcome: {per}; median {median})"
            )
        return (
            f"Active {_dur(s['active_s'])} of a {_dur(s['duration_s'])} span ({s['active_share']:.0%}; "
            f"median {medians['active_share']:.0%})"
        )

    if score_row is not None:
        for factor in WEIGHTS:
            p = score_row[factor]
            if pd.isna(p):
                continue
            if p >= strong:
                strengths.append(f"{describe(factor)}: better than {p:.0%} of the other {others} sessions.")
            elif p <= weak:
                improvements.append(
                    f"{describe(factor)}: worse than {1 - p:.0%} of the other {others} sessions."
                )

    recs: list[str] = []
    if tool_mix is not None and not tool_mix.empty:
        mine = tool_mix[(tool_mix["session_id"] == session_id) & (tool_mix["errors"] >= 3)]
        mine = mine[mine["errors"] / mine["calls"] >= 0.3].sort_values(
            ["errors", "tool"], ascending=[False, True]
        )
        for r in mine.head(2).itertuples():
            recs.append(
                f"{r.tool} failed {r.errors} of {r.calls} calls in this session; find the cause before "
                "retrying it."
            )
    idle = float(s["duration_s"] - s["active_s"])
    if s["duration_s"] > 0 and idle / s["duration_s"] >= 0.5 and idle >= 15 * 60:
        recs.append(
            f"The session was idle for {_dur(idle)} of its {_dur(s['duration_s'])} span (pauses over "
            f"{IDLE_MINUTES} min); the prompt cache lasts 5 minutes, so work after a pause re-writes it."
        )
    if s["api_errors"] > 0:
        recs.append(f"{int(s['api_errors'])} of {int(s['requests'] + s['api_errors'])} API calls failed.")
    med = medians["cost_per_request"]
    if pd.notna(s["cost_per_request"]) and pd.notna(med) and med > 0 and s["cost_per_request"] >= 2 * med:
        recs.append(
            f"Cost per request was ${s['cost_per_request']:.4f}, {s['cost_per_request'] / med:.1f}x the "
            f"median of ${med:.4f}; check whether a cheaper model suits this work."
        )
    score = float(score_row["score"]) if score_row is not None else None
    return SessionInsights(
        session_id,
        score,
        tuple(strengths),
        tuple(improvements),
        tuple(recs),
        f"Strength: factor percentile >= {strong:g}; to improve: <= {weak:g}. {PERCENTILE_RULE}.",
    )


# -- A/B of two groups ---------------------------------------------------------


@dataclass(frozen=True)
class GroupComparison:
    """Mann-Whitney U test of a session metric between two groups (:func:`compare_groups`).

    ``u`` is the statistic of group a; ``effect_size`` the rank-biserial
    correlation 2U / (n_a n_b) - 1 (positive: a tends to be larger; -1..1);
    ``probability_a_greater`` = U / (n_a n_b) (ties count half).
    """

    by: str
    metric: str
    group_a: str
    group_b: str
    n_a: int
    n_b: int
    median_a: float
    median_b: float
    u: float
    p_value: float
    effect_size: float
    probability_a_greater: float
    method: str
    groups: Mapping[str, int] = field(default_factory=dict)


def compare_groups(
    sessions: pd.DataFrame,
    by: str = "cc_version",
    metric: str = "cost",
    a: str | None = None,
    b: str | None = None,
    min_n: int = 5,
) -> GroupComparison | None:
    """A/B comparison of ``metric`` per session between two groups of sessions.

    Parameters
    ----------
    sessions : DataFrame
        Output of :func:`load_sessions` (or the productivity ``table`` merged in
        for ``metric="score"``).
    by : {"cc_version", "model", "project", "user"}
        Grouping; ``model`` is the session's primary model.
    metric : str
        One of :data:`GROUP_METRICS` (``cost``, ``cost_per_request``,
        ``duration``, ``active_time``, ``requests``, ``tool_calls``,
        ``error_rate``, ``tool_error_rate``, ``tokens``, ``score``).
    a, b : str, optional
        The groups; by default the two largest (ties by name).
    min_n : int
        Fewer sessions with a value in either group gives None.

    Returns
    -------
    GroupComparison or None
        None with too few sessions, fewer than two groups, or all values equal.

    Raises
    ------
    ValueError
        For an unknown ``by`` or ``metric``.
    """
    if by not in GROUP_KEYS:
        raise ValueError(f"by must be one of {sorted(GROUP_KEYS)}")
    if metric not in GROUP_METRICS:
        raise ValueError(f"metric must be one of {sorted(GROUP_METRICS)}")
    key, col = GROUP_KEYS[by], GROUP_METRICS[metric]
    if sessions is None or sessions.empty or col not in sessions or key not in sessions:
        return None
    d = sessions[[key, col]].copy()
    d[col] = pd.to_numeric(d[col], errors="coerce")
    d = d[d[col].notna() & (d[key].astype(str) != "")]
    sizes = d.groupby(key).size()
    if a is None or b is None:
        ranked = sorted(sizes.items(), key=lambda kv: (-kv[1], str(kv[0])))
        if len(ranked) < 2:
            return None
        a, b = str(ranked[0][0]), str(ranked[1][0])
    xa = d.loc[d[key].astype(str) == a, col].to_numpy(dtype="float64")
    xb = d.loc[d[key].astype(str) == b, col].to_numpy(dtype="float64")
    if len(xa) < min_n or len(xb) < min_n:
        return None
    if np.ptp(np.concatenate([xa, xb])) == 0:
        return None
    res = stats.mannwhitneyu(xa, xb, alternative="two-sided")
    n1n2 = len(xa) * len(xb)
    u = float(res.statistic)
    return GroupComparison(
        by=by,
        metric=metric,
        group_a=a,
        group_b=b,
        n_a=len(xa),
        n_b=len(xb),
        median_a=float(np.median(xa)),
        median_b=float(np.median(xb)),
        u=u,
        p_value=float(res.pvalue),
        effect_size=2 * u / n1n2 - 1,
        probability_a_greater=u / n1n2,
        method=(
            "Two-sided Mann-Whitney U test (scipy.stats.mannwhitneyu, default method) on per-session "
            f"{metric}; effect size: rank-biserial correlation."
        ),
        groups={str(k): int(v) for k, v in sizes.items()},
    )


# -- page summaries -------------------------------------------------------------


@dataclass(frozen=True)
class SessionTotals:
    """Headline figures over the sessions of a frame (:func:`session_totals`).

    ``cost_usd`` sums priced sessions (USD, NaN when none is priced);
    ``median_cost_usd`` is the median over priced sessions; durations in
    seconds; ``error_rate`` = failed operations / operations over all sessions
    (NaN without operations).
    """

    n_sessions: int
    cost_usd: float
    median_cost_usd: float
    median_duration_s: float
    median_active_s: float
    error_rate: float


def session_totals(sessions: pd.DataFrame) -> SessionTotals | None:
    """Count, cost, median duration and active time, and the overall error rate of ``sessions``.

    Returns
    -------
    SessionTotals or None
        None for an empty frame.
    """
    if sessions is None or sessions.empty:
        return None
    cost = pd.to_numeric(sessions["cost_usd"], errors="coerce").astype("float64")
    operations = int((sessions["tool_calls"] + sessions["requests"] + sessions["api_errors"]).sum())
    failed = int((sessions["tool_errors"] + sessions["api_errors"]).sum())
    return SessionTotals(
        n_sessions=len(sessions),
        cost_usd=float(cost.sum(min_count=1)),
        median_cost_usd=float(cost.median()) if cost.notna().any() else float("nan"),
        median_duration_s=float(sessions["duration_s"].astype("float64").median()),
        median_active_s=float(sessions["active_s"].astype("float64").median()),
        error_rate=failed / operations if operations else float("nan"),
    )


def with_scores(sessions: pd.DataFrame, scores: ProductivityScores | None) -> pd.DataFrame:
    """``sessions`` with ``score`` and the five factor columns of ``scores`` (NaN for unscored sessions).

    Row order and the session columns are kept; the result also serves
    :func:`compare_groups` with ``metric="score"``.
    """
    cols = ["score", *WEIGHTS]
    if scores is None or scores.table.empty:
        out = sessions.copy()
        for c in cols:
            out[c] = np.nan
        return out
    right = scores.table[["session_id", *cols]]
    return sessions.drop(columns=[c for c in cols if c in sessions]).merge(right, on="session_id", how="left")


def group_sizes(sessions: pd.DataFrame, by: str, metric: str | None = None) -> dict[str, int]:
    """Sessions per non-empty group of ``by`` (see :data:`GROUP_KEYS`), largest first, ties by name.

    With a ``metric`` (of :data:`GROUP_METRICS`), only the sessions that have it count: the ``n``
    :func:`compare_groups` tests.

    Raises
    ------
    ValueError
        For an unknown ``by`` or ``metric``.
    """
    if by not in GROUP_KEYS:
        raise ValueError(f"by must be one of {sorted(GROUP_KEYS)}")
    if metric is not None and metric not in GROUP_METRICS:
        raise ValueError(f"metric must be one of {sorted(GROUP_METRICS)}")
    key = GROUP_KEYS[by]
    if sessions is None or sessions.empty or key not in sessions:
        return {}
    if metric is not None:
        sessions = sessions[sessions[GROUP_METRICS[metric]].notna()]
    values = sessions[key].astype(str)
    sizes = values[values != ""].value_counts()
    return {str(k): int(v) for k, v in sorted(sizes.items(), key=lambda kv: (-kv[1], str(kv[0])))}


METRIC_LABELS: Mapping[str, str] = {
    "cost": "cost",
    "cost_per_request": "cost per request",
    "duration": "duration",
    "active_time": "active time",
    "requests": "requests",
    "tool_calls": "tool calls",
    "error_rate": "error rate",
    "tool_error_rate": "tool error rate",
    "tokens": "tokens",
    "score": "productivity score",
}


def format_metric(metric: str, value: float) -> str:
    """A per-session ``metric`` value (see :data:`GROUP_METRICS`) the way the app shows it."""
    if metric in ("cost", "cost_per_request"):
        return fmt.money(value)
    if metric in ("duration", "active_time"):
        return fmt.duration_ms(value * 1000 if value == value else value)
    if metric in ("error_rate", "tool_error_rate"):
        return fmt.pct(value, 1)
    if metric == "tokens":
        return fmt.tokens(value)
    return "–" if value != value else f"{value:,.1f}".removesuffix(".0")


def describe_comparison(cmp: GroupComparison, alpha: float = 0.05) -> str:
    """One sentence: the two medians with their n, U and p, and whether the difference is significant at ``alpha``."""
    label = METRIC_LABELS.get(cmp.metric, cmp.metric)
    verdict = (
        f"the difference is statistically significant at the {alpha:.0%} level"
        if cmp.p_value < alpha
        else f"the difference is not statistically significant at the {alpha:.0%} level (it may be chance)"
    )
    return (
        f"Median {label} per session: {format_metric(cmp.metric, cmp.median_a)} for {cmp.group_a} "
        f"(n = {cmp.n_a:,}) vs {format_metric(cmp.metric, cmp.median_b)} for {cmp.group_b} (n = {cmp.n_b:,}); "
        f"Mann-Whitney U = {cmp.u:,.1f}, p = {cmp.p_value:.3g}: {verdict}."
    )


COMPARISON_COLUMNS = ["measure", "a", "b", "difference"]


def comparison_table(cmp: SessionComparison) -> pd.DataFrame:
    """The figures of :func:`compare_sessions` as text, one row per measure: :data:`COMPARISON_COLUMNS`.

    ``difference`` is b - a with its sign; money as $1,234.56 ("unpriced" when
    a session has no priced request), rates as percentages, times as 8.2 s /
    3.5 min.
    """

    def signed(x: float, show) -> str:
        if x != x:
            return "–"
        return f"{'-' if x < 0 else '+'}{show(abs(x))}"

    def money(x: float) -> str:
        return fmt.money(x)

    def seconds(x: float) -> str:
        return fmt.duration_ms(x * 1000 if x == x else x)

    def rate(x: float) -> str:
        return fmt.pct(x, 1)

    def points(x: float) -> str:
        return "–" if x != x else f"{x * 100:.1f} pp"

    def count(x: float) -> str:
        return f"{x:,.0f}"

    rows = [
        ("Cost", cmp.cost_a, cmp.cost_b, cmp.cost_diff, money, money),
        (
            "Cost per request",
            cmp.cost_per_request_a,
            cmp.cost_per_request_b,
            cmp.cost_per_request_diff,
            money,
            money,
        ),
        ("Error rate", cmp.error_rate_a, cmp.error_rate_b, cmp.error_rate_diff, rate, points),
        ("Duration", cmp.duration_a, cmp.duration_b, cmp.duration_diff, seconds, seconds),
        ("Active time", cmp.active_a, cmp.active_b, cmp.active_diff, seconds, seconds),
        ("Requests", cmp.requests_a, cmp.requests_b, cmp.requests_b - cmp.requests_a, count, count),
        ("Tool calls", cmp.tool_calls_a, cmp.tool_calls_b, cmp.tool_calls_b - cmp.tool_calls_a, count, count),
    ]
    return pd.DataFrame(
        [(name, show(a), show(b), signed(d, show_d)) for name, a, b, d, show, show_d in rows],
        columns=COMPARISON_COLUMNS,
    )


METRIC_UNITS: Mapping[str, str] = {
    "cost": "USD",
    "cost_per_request": "USD",
    "duration": "s",
    "active_time": "s",
    "requests": "count",
    "tool_calls": "count",
    "error_rate": "share",
    "tool_error_rate": "share",
    "tokens": "tokens",
    "score": "0–100",
}
"""Unit of each per-session measure of :data:`GROUP_METRICS`."""


def session_labels(sessions: pd.DataFrame, tz: str) -> dict[str, str]:
    """A short label to pick each session by: local start, project folder, cost and id prefix.

    Parameters
    ----------
    sessions
        A :func:`load_sessions` frame (``session_id``, ``start`` in UTC, ``project``, ``cost_usd``).
    tz
        The reporting zone of the start time.

    Returns
    -------
    dict
        ``session_id`` -> "2025-01-31 14:05 · shop · $1.23 · 1a2b3c4d": the last folder of the
        project path ("–" without one) and :func:`analytics.fmt.money` of the cost ("unpriced"
        when no request of the session has a price). Empty for an empty frame.
    """
    if sessions is None or sessions.empty:
        return {}
    folders = {p: PurePosixPath(p).name or "–" for p in sessions["project"].unique()}
    labels = (
        sessions["start"].dt.tz_convert(tz).dt.strftime("%Y-%m-%d %H:%M")
        + " · "
        + sessions["project"].map(folders)
        + " · "
        + sessions["cost_usd"].map(fmt.money)
        + " · "
        + sessions["session_id"].str[:8]
    )
    return dict(zip(sessions["session_id"], labels, strict=True))


def score_factors(scores: ProductivityScores) -> pd.DataFrame:
    """The factors of the productivity score, for showing how it is made.

    Returns
    -------
    DataFrame
        One row per factor of ``scores.weights``: ``factor`` (in words, e.g. "cost efficiency"),
        ``weight`` (its share of the score; the weights sum to 1) and ``definition``.
    """
    return pd.DataFrame(
        {
            "factor": [k.replace("_", " ") for k in scores.weights],
            "weight": list(scores.weights.values()),
            "definition": [scores.definitions[k] for k in scores.weights],
        }
    )
