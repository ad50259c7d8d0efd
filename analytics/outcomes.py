"""What the spend bought: lines, commits, pull requests and accepted edits, and the cost of each.

Outcomes come from two sources (docs/OUTCOMES.md): the transcripts (``derived`` at ingest by
:mod:`analytics.ingest.outcomes`: the structured patches of edit tools, the hashes ``git
commit`` prints, the URLs ``gh pr create`` prints) and Claude Code's OpenTelemetry metrics
(``reported``: ``otel_metrics_sum`` read through the ``otel_outcomes`` view, increases of
delta and cumulative counters). The ``outcome_events`` view counts each outcome once: a
session's derived rows of a kind give way to its reported ones of that kind.

Loaders (one named query each, cut by the standard filters):

* :func:`load_outcomes_by` (``outcomes_by.sql``): spend and outcomes per group, joined in the
  engine; :func:`with_unit_costs` adds the cost of each outcome.
* :func:`load_acceptance` (``outcomes_acceptance.sql``): edit decisions by language and tool.
* :func:`load_session_outcomes` (``outcomes_list.sql``): the outcomes of one session.
* :func:`reconcile_metrics` (``outcomes_metrics_reconcile.sql``): the cost and token metrics
  against the request events of the same sessions, per session and model.

Pure functions: :func:`outcome_totals`, :func:`with_unit_costs`, :func:`acceptance_rates`,
:func:`waste_list`, and for the pages :func:`with_session_outcomes` (the sessions frame with what
each session produced), :func:`model_outcomes` (models compared per outcome) and
:func:`weekly_unit_cost` (a unit cost per week, for its trend).

*An outcome*, where one number stands for all of them (``outcomes``, ``cost_per_outcome``), is a
commit, a pull request or an accepted edit, each counted 1; changed lines are not added to it
(a line is not a unit of work of the same size).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics import rollups
from analytics.filters import Filters
from analytics.trends import TrendFit, fit_trend

GROUPS = ("model", "project", "repository", "user", "cc_version", "week", "session")
"""What outcomes can be grouped by (``by`` of the API and of :func:`load_outcomes_by`)."""
COUNT_COLUMNS = (
    "requests",
    "unpriced_requests",
    "sessions",
    "commits",
    "pull_requests",
    "lines_added",
    "lines_removed",
    "files",
    "accepted_edits",
    "rejected_edits",
    "derived_rows",
    "reported_rows",
)
UNIT_COSTS = ("cost_per_commit", "cost_per_pull_request", "cost_per_100_lines", "cost_per_accepted_edit")
"""Columns :func:`with_unit_costs` adds (USD; NaN where there is no such outcome)."""
UNIT_LABELS = {
    "cost_per_accepted_edit": "accepted edit",
    "cost_per_commit": "commit",
    "cost_per_pull_request": "pull request",
    "cost_per_100_lines": "100 changed lines",
    "cost_per_outcome": "outcome (commit, pull request or accepted edit)",
}
"""What each unit cost of :func:`with_unit_costs` is per, in words."""
UNIT_COUNTS = {
    "cost_per_accepted_edit": "accepted_edits",
    "cost_per_commit": "commits",
    "cost_per_pull_request": "pull_requests",
    "cost_per_100_lines": "changed_lines",
    "cost_per_outcome": "outcomes",
}
"""The count column each unit cost divides by."""


def any_outcome(store, filters: Filters) -> bool:
    """Whether any outcome (derived or reported) is recorded under ``filters``: a few milliseconds."""
    return bool(store.rows("outcomes_any", **filters.params())[0][0])


def load_outcomes_by(store, filters: Filters, by: str = "") -> pd.DataFrame:
    """Spend and outcomes per group (``sql/outcomes_by.sql``; the spend from the per-session rollup
    when it answers, but for ``cc_version``, which its rows do not carry).

    Parameters
    ----------
    by : str
        One of :data:`GROUPS`, or '' for one row of totals (key '').

    Returns
    -------
    DataFrame
        One row per key: ``key``, ``requests``, ``unpriced_requests``, ``cost_usd`` (USD, priced
        requests), ``sessions``, ``commits``, ``pull_requests``, ``lines_added``,
        ``lines_removed``, ``files`` (distinct edited paths), ``accepted_edits``,
        ``rejected_edits``, ``active_seconds`` (active time: reported, else derived), ``derived_rows``,
        ``reported_rows``, ``first_ts`` (UTC), ``project``; sorted by cost, highest first.
        A group with outcomes but no request has cost 0; one with requests but no outcome has 0
        outcomes.
    """
    if by not in GROUPS and by != "":
        raise ValueError(f"by must be one of {', '.join(GROUPS)} or '', got {by!r}")
    name = "outcomes_by" if by == "cc_version" else rollups.query_name(store, filters, "outcomes_by")
    df = store.query(name, by=by, **filters.params())
    if df.empty:
        df = pd.DataFrame(
            columns=["key", *COUNT_COLUMNS, "cost_usd", "active_seconds", "first_ts", "project"]
        )
    for c in COUNT_COLUMNS:
        df[c] = df[c].astype("int64")
    df["cost_usd"] = df["cost_usd"].astype(float)
    df["active_seconds"] = df["active_seconds"].astype(float)
    return df


def _per(cost: pd.Series, n: pd.Series, scale: float = 1.0) -> np.ndarray:
    """cost / n x scale for each row, NaN where ``n`` is not positive (never a division by zero)."""
    k = n.to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(k > 0, cost.to_numpy(dtype="float64") / k * scale, np.nan)


def with_unit_costs(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of a :func:`load_outcomes_by` frame with :data:`UNIT_COSTS`, ``changed_lines``,
    ``outcomes`` (commits + pull requests + accepted edits) and ``cost_per_outcome``.

    ``cost_per_100_lines`` is cost / (lines added + removed) x 100; each unit cost is NaN
    where the group has no such outcome (never a division by zero, never $0).
    """
    out = df.copy()
    out["changed_lines"] = out["lines_added"] + out["lines_removed"]
    out["outcomes"] = out["commits"] + out["pull_requests"] + out["accepted_edits"]
    for col, n, scale in (
        ("cost_per_commit", "commits", 1.0),
        ("cost_per_pull_request", "pull_requests", 1.0),
        ("cost_per_100_lines", "changed_lines", 100.0),
        ("cost_per_accepted_edit", "accepted_edits", 1.0),
        ("cost_per_outcome", "outcomes", 1.0),
    ):
        out[col] = _per(out["cost_usd"], out[n], scale)
    return out


@dataclass(frozen=True)
class OutcomeTotals:
    """Everything the filters' window produced and what it cost.

    Unit costs are USD per outcome, None without such an outcome.
    """

    cost_usd: float
    requests: int
    unpriced_requests: int
    sessions: int
    commits: int
    pull_requests: int
    lines_added: int
    lines_removed: int
    files: int
    accepted_edits: int
    rejected_edits: int
    active_seconds: float
    cost_per_commit: float | None
    cost_per_pull_request: float | None
    cost_per_100_lines: float | None
    cost_per_accepted_edit: float | None

    @property
    def outcomes(self) -> int:
        """Commits + pull requests + accepted edits."""
        return self.commits + self.pull_requests + self.accepted_edits

    @property
    def cost_per_outcome(self) -> float | None:
        """USD per commit, pull request or accepted edit; None without any."""
        return self.cost_usd / self.outcomes if self.outcomes else None

    @property
    def produced(self) -> bool:
        """Whether anything came out: a commit, a pull request, a changed line or an accepted edit."""
        return bool(
            self.commits
            or self.pull_requests
            or self.lines_added
            or self.lines_removed
            or self.accepted_edits
        )


def outcome_totals(df: pd.DataFrame) -> OutcomeTotals:
    """The totals of a :func:`load_outcomes_by` frame made with ``by=''`` (all rows summed; files summed too)."""
    row = {c: int(df[c].sum()) if len(df) else 0 for c in COUNT_COLUMNS}
    cost = float(df["cost_usd"].sum()) if len(df) else 0.0
    lines = row["lines_added"] + row["lines_removed"]

    def unit(n: int, scale: float = 1.0) -> float | None:
        return cost / n * scale if n > 0 else None

    return OutcomeTotals(
        cost_usd=cost,
        requests=row["requests"],
        unpriced_requests=row["unpriced_requests"],
        sessions=row["sessions"],
        commits=row["commits"],
        pull_requests=row["pull_requests"],
        lines_added=row["lines_added"],
        lines_removed=row["lines_removed"],
        files=row["files"],
        accepted_edits=row["accepted_edits"],
        rejected_edits=row["rejected_edits"],
        active_seconds=float(df["active_seconds"].sum()) if len(df) else 0.0,
        cost_per_commit=unit(row["commits"]),
        cost_per_pull_request=unit(row["pull_requests"]),
        cost_per_100_lines=unit(lines, 100.0),
        cost_per_accepted_edit=unit(row["accepted_edits"]),
    )


def load_totals(store, filters: Filters) -> OutcomeTotals:
    """:func:`outcome_totals` of the filters' window (``sql/outcomes_by.sql`` with ``by=''``)."""
    return outcome_totals(load_outcomes_by(store, filters, ""))


def load_acceptance(store, filters: Filters) -> pd.DataFrame:
    """Edit decisions per language and tool (``sql/outcomes_acceptance.sql``), with :func:`acceptance_rates`."""
    df = store.query("outcomes_acceptance", **filters.params())
    if df.empty:
        df = pd.DataFrame(columns=["language", "tool", "accepted", "rejected"])
    return acceptance_rates(df)


def acceptance_rates(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` (``accepted``, ``rejected``) with ``decisions`` and ``acceptance_rate`` (0-1)."""
    out = df.copy()
    out["accepted"] = out["accepted"].astype("int64")
    out["rejected"] = out["rejected"].astype("int64")
    out["decisions"] = out["accepted"] + out["rejected"]
    out["acceptance_rate"] = [
        a / d if d else math.nan for a, d in zip(out["accepted"], out["decisions"], strict=True)
    ]
    return out


def produced_nothing(df: pd.DataFrame) -> pd.Series:
    """Rows of a :func:`load_outcomes_by` frame without a commit, pull request, changed line or accepted edit."""
    return (
        (df["commits"] == 0)
        & (df["pull_requests"] == 0)
        & (df["lines_added"] == 0)
        & (df["lines_removed"] == 0)
        & (df["accepted_edits"] == 0)
    )


def waste_list(sessions: pd.DataFrame, limit: int = 20) -> pd.DataFrame:
    """Sessions that spent without producing anything, most expensive first.

    ``sessions`` is :func:`load_outcomes_by` with ``by='session'``; a session with a cost above 0
    and no commit, pull request, changed line or accepted edit is listed (``key`` is its id).
    """
    if sessions.empty:
        return sessions
    mask = produced_nothing(sessions) & (sessions["cost_usd"] > 0)
    return (
        sessions[mask]
        .sort_values(["cost_usd", "key"], ascending=[False, True])
        .head(limit)
        .reset_index(drop=True)
    )


def load_session_outcomes(store, session_id: str) -> pd.DataFrame:
    """The outcomes of one session, newest first (``sql/outcomes_list.sql``; at most 500).

    Columns: ``ts``, ``source``, ``outcome_source``, ``kind``, ``model``, ``tool``,
    ``tool_use_id``, ``language``, ``decision``, ``value``, ``lines_added``, ``lines_removed``,
    ``seconds``, ``ref`` (file path, commit hash or pull request URL: transcript text).
    """
    return store.query("outcomes_list", session_id=session_id)


# ---------------------------------------------------------------------------
# cost and token metrics against the request events
TOKEN_KINDS = ("input", "output", "cache_read", "cache_write")
"""The token kinds :func:`reconcile_metrics` compares (the metric's input, output, cacheRead, cacheCreation)."""


@dataclass(frozen=True)
class MetricReconciliation:
    """Claude Code's cost and token metrics against the API request events of the same sessions.

    ``frame`` has one row per session and model (see :func:`reconcile_metrics`); the totals are
    over its rows: ``cost_diff_usd`` = metrics - events over the rows whose requests are all
    priced, ``tokens_diff`` = metrics - events over all rows.
    """

    sessions: int
    events_cost_usd: float
    metrics_cost_usd: float
    cost_diff_usd: float
    tokens_diff: float
    rows_off: int
    frame: pd.DataFrame = field(compare=False, repr=False)


def reconcile_metrics(store, filters: Filters, tolerance_usd: float = 0.005) -> MetricReconciliation | None:
    """Cost and tokens of the metrics against the events, per session and model (``sql/outcomes_metrics_reconcile.sql``).

    The metrics are ``claude_code.cost.usage`` and ``claude_code.token.usage`` (their increases,
    ``otel_outcomes``); the events are the session's API requests as every total counts them
    (``telemetry``: a request both sources recorded once). Only sessions with such metrics are
    compared.

    Returns
    -------
    MetricReconciliation or None
        None when no session under ``filters`` has cost or token metrics. ``frame`` columns:
        ``session_id``, ``model``, ``requests``, ``unpriced_requests``, ``events_cost_usd``,
        ``metrics_cost_usd``, ``cost_diff_usd`` (metrics - events; NaN where a request is
        unpriced), for each of :data:`TOKEN_KINDS` ``events_<k>_tokens`` and
        ``metrics_<k>_tokens``, ``events_tokens``, ``metrics_tokens``, ``tokens_diff``
        (metrics - events) and ``agrees`` (cost within ``tolerance_usd`` and the same tokens).
        A session and model found on one side only has 0 on the other. Sorted by the size of
        the cost difference, largest first.
    """
    df = store.query("outcomes_metrics_reconcile", **filters.params())
    if df.empty:
        return None
    df["requests"] = df["requests"].astype("int64")
    df["unpriced_requests"] = df["unpriced_requests"].astype("int64")
    for side in ("events", "metrics"):
        df[f"{side}_cost_usd"] = df[f"{side}_cost_usd"].astype(float)
        df[f"{side}_tokens"] = sum(df[f"{side}_{k}_tokens"].astype(float) for k in TOKEN_KINDS)
    priced = df["unpriced_requests"] == 0
    df["cost_diff_usd"] = (df["metrics_cost_usd"] - df["events_cost_usd"]).where(priced)
    df["tokens_diff"] = df["metrics_tokens"] - df["events_tokens"]
    same_tokens = pd.Series(True, index=df.index)
    for k in TOKEN_KINDS:
        same_tokens &= df[f"metrics_{k}_tokens"] == df[f"events_{k}_tokens"]
    df["agrees"] = (df["cost_diff_usd"].abs() <= tolerance_usd) & same_tokens
    order = df.assign(_size=-df["cost_diff_usd"].abs()).sort_values(
        ["_size", "session_id", "model"], na_position="last", kind="stable"
    )
    df = df.loc[order.index]
    return MetricReconciliation(
        sessions=int(df["session_id"].nunique()),
        events_cost_usd=float(df["events_cost_usd"].sum()),
        metrics_cost_usd=float(df["metrics_cost_usd"].sum()),
        cost_diff_usd=float(df["cost_diff_usd"].sum()),
        tokens_diff=float(df["tokens_diff"].sum()),
        rows_off=int((~df["agrees"]).sum()),
        frame=df.reset_index(drop=True),
    )


# ---------------------------------------------------------------------------
# for the pages
SESSION_OUTCOME_COLUMNS = (
    "commits",
    "pull_requests",
    "lines_added",
    "lines_removed",
    "files",
    "accepted_edits",
    "rejected_edits",
)


def with_session_outcomes(sessions: pd.DataFrame, by_session: pd.DataFrame) -> pd.DataFrame:
    """The sessions frame (:func:`analytics.sessions.load_sessions`) with what each session produced.

    Parameters
    ----------
    sessions
        One row per session: ``session_id`` and ``cost_usd`` (USD, NaN when no request is priced).
    by_session
        :func:`load_outcomes_by` with ``by='session'`` (``key`` is the session id).

    Returns
    -------
    DataFrame
        A copy of ``sessions`` (same rows, same order) with :data:`SESSION_OUTCOME_COLUMNS` (0 for a
        session without outcomes), ``changed_lines``, ``outcomes`` (commits + pull requests +
        accepted edits), the :data:`UNIT_COSTS` of the session's own ``cost_usd`` (NaN without
        such an outcome or without a priced cost) and ``cost_per_outcome``: cost / outcomes, NaN
        without a priced cost or when the session cost nothing, and **infinite** when it spent and
        produced no outcome (so a ranking puts it last; :func:`analytics.fmt.unit_cost` shows it in words).
    """
    out = sessions.copy()
    cols = list(SESSION_OUTCOME_COLUMNS)
    right = by_session[["key", *cols]].rename(columns={"key": "session_id"})
    out = out.drop(columns=[c for c in cols if c in out]).merge(right, on="session_id", how="left")
    for c in cols:
        out[c] = out[c].fillna(0).astype("int64")
    out = with_unit_costs(out)
    # a session that spent and produced nothing ranks last: infinite, not with_unit_costs' NaN
    cost = pd.to_numeric(out["cost_usd"], errors="coerce").to_numpy(dtype="float64")
    spent = np.where(cost > 0, math.inf, np.nan)  # NaN cost stays NaN: NaN > 0 is false
    out["cost_per_outcome"] = np.where(out["outcomes"].to_numpy() > 0, out["cost_per_outcome"], spent)
    return out


MODEL_OUTCOME_COLUMNS = [
    "model",
    "pricing",
    "requests",
    "cost_usd",
    "cost_per_million_tokens",
    "cost_per_request",
    "commits",
    "pull_requests",
    "changed_lines",
    "accepted_edits",
    "outcomes",
    *UNIT_COSTS,
    "cost_per_outcome",
]


def model_outcomes(by_model: pd.DataFrame, usage: pd.DataFrame) -> pd.DataFrame:
    """Models compared on what their spend bought, next to what a token and a request cost.

    Parameters
    ----------
    by_model
        :func:`load_outcomes_by` with ``by='model'`` (``key`` is the model; a reported outcome
        counts for its session's main model).
    usage
        The table of :class:`analytics.models.ModelSummary`: ``model``, ``pricing``,
        ``total_tokens``, ``cost_per_request``.

    Returns
    -------
    DataFrame
        :data:`MODEL_OUTCOME_COLUMNS`, one row per model of ``usage`` (outcomes 0 when it produced
        none), in ``usage``'s order. ``cost_per_million_tokens`` = cost / total tokens x 10^6. Every
        unit cost is NaN (shown "unpriced" or "–", never $0) for an unpriced model and where the
        model has no such outcome.
    """
    if usage is None or usage.empty:
        return pd.DataFrame(columns=MODEL_OUTCOME_COLUMNS)
    units = with_unit_costs(by_model).rename(columns={"key": "model"})
    keep = ["model", "cost_usd", "commits", "pull_requests", "changed_lines", "accepted_edits", "outcomes"]
    left = usage[["model", "pricing", "requests", "total_tokens", "cost_per_request"]]
    out = left.merge(units[[*keep, *UNIT_COSTS, "cost_per_outcome"]], on="model", how="left")
    for c in ("commits", "pull_requests", "changed_lines", "accepted_edits", "outcomes"):
        out[c] = out[c].fillna(0).astype("int64")
    priced = out["pricing"] != "unpriced"
    out["cost_usd"] = out["cost_usd"].astype("float64").where(priced)
    tokens = out["total_tokens"].astype("float64")
    out["cost_per_million_tokens"] = (out["cost_usd"] / tokens.where(tokens > 0) * 1e6).where(priced)
    for c in (*UNIT_COSTS, "cost_per_outcome"):
        out[c] = out[c].astype("float64").where(priced)
    return out[MODEL_OUTCOME_COLUMNS].reset_index(drop=True)


def weekly_unit_cost(by_week: pd.DataFrame, unit: str) -> pd.Series:
    """One unit cost per week, for its trend (:func:`analytics.trends.fit_trend`).

    Parameters
    ----------
    by_week
        :func:`with_unit_costs` of :func:`load_outcomes_by` with ``by='week'`` (``key``: the
        Monday of the week in the reporting zone, YYYY-MM-DD).
    unit
        A key of :data:`UNIT_LABELS` (``cost_per_accepted_edit``, ``cost_per_commit``, ...).

    Returns
    -------
    Series
        USD per unit, indexed by the weeks' Mondays (naive local days), oldest first; weeks
        without such an outcome are left out (no value, not $0). Empty when no week has one.
    """
    if unit not in UNIT_LABELS:
        raise ValueError(f"unit must be one of {', '.join(UNIT_LABELS)}, got {unit!r}")
    if by_week is None or by_week.empty:
        return pd.Series(dtype="float64", index=pd.DatetimeIndex([]))
    s = pd.Series(
        by_week[unit].astype("float64").to_numpy(), index=pd.DatetimeIndex(pd.to_datetime(by_week["key"]))
    )
    return s[s.notna()].sort_index()


def unit_cost_trend(series: pd.Series) -> TrendFit | None:
    """The trend of a :func:`weekly_unit_cost` series (lower is better: :func:`analytics.trends.fit_trend`);
    None when it is empty or too short (fewer than 3 weeks)."""
    return fit_trend(series, polarity="lower_is_better") if len(series) else None
