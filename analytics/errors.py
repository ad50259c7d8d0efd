"""Errors: how often calls fail, why, whether sessions recover, and where latency risks timeouts.

* error rate = api_error / (api_request + api_error) per hour or day of the
  reporting zone, with its trend (:func:`error_trend`);
* taxonomy: API errors by class and HTTP status, tool errors by tool (user
  rejections excluded), permission rejections and interruptions
  (:func:`error_taxonomy`);
* retries (the OTel ``attempt`` distribution) and recovery after errors
  (:func:`retry_stats`, :func:`recovery_summary`);
* timeout risk per model from the duration distribution (:func:`timeout_risk`).

Loaders (``load_*``) run one named query each; analysis functions take their
frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC

import numpy as np
import pandas as pd

from analytics import rollups
from analytics.clock import index_utc, local_day, local_midnight, utc
from analytics.filters import Filters
from analytics.fmt import finite
from analytics.trends import TrendFit, fit_trend

FREQS = ("hour", "day")
ERROR_CLASSES = ("rate_limit", "overloaded", "server", "auth", "timeout", "client", "other")
REJECTING_DECISIONS = ("reject", "interrupt")
RISK_LEVELS = ("LOW", "MEDIUM", "HIGH")
HIGH_SHARE = 0.10
MEDIUM_SHARE = 0.05
MEDIUM_P95_FACTOR = 0.75


def _from_epoch(values, unit: str, tz: str) -> pd.Series:
    return pd.Series(pd.to_datetime(np.asarray(values, dtype="int64"), unit=unit, utc=True)).dt.tz_convert(tz)


SERIES_COLUMNS = ["bucket", "requests", "errors", "error_rate"]
TYPE_COLUMNS = ["error_class", "status_code", "errors", "sessions", "example", "first_ts", "last_ts"]
TOOL_COLUMNS = ["tool", "results", "errors", "error_rate", "example"]
DECISION_COLUMNS = ["decision", "decision_source", "tool", "decisions"]
ATTEMPT_COLUMNS = ["event", "attempt", "n"]
RECOVERY_COLUMNS = [
    "sessions",
    "sessions_with_error",
    "sessions_recovered",
    "errors",
    "errors_followed_by_success",
    "median_wait_ms",
    "p90_wait_ms",
]
LATENCY_COLUMNS = ["model", "n", "missing", "p50_ms", "p95_ms", "p99_ms", "max_ms", "n_above"]
HOUR_COLUMNS = ["hour", "n", "p50_ms", "p95_ms", "n_above"]


def _run(store, name: str, columns: list[str], **params) -> pd.DataFrame:
    """Run a named query; an empty result keeps its documented columns."""
    df = store.query(name, **params)
    return df if len(df.columns) else pd.DataFrame(columns=columns)


# ---------------------------------------------------------------------------
# error rate
def load_error_series(store, filters: Filters, freq: str = "day") -> pd.DataFrame:
    """API error rate per hour or day of the reporting zone.

    Returns
    -------
    DataFrame
        ``bucket`` (tz-aware start of the local hour or day), ``requests``,
        ``errors``, ``error_rate`` = errors / (requests + errors) (0..1). Buckets
        without any API call are absent (their rate is undefined).
    """
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {FREQS}")
    name = rollups.query_name(store, filters, "errors_series")
    df = _run(store, name, SERIES_COLUMNS[:3], freq=freq, **filters.params())
    if not df.empty:
        df["bucket"] = _from_epoch(df["bucket"], "s", filters.tz)
    df["error_rate"] = error_rate(df["errors"], df["requests"]).astype("float64")
    return df


def error_trend(series: pd.DataFrame, min_calls: int = 1, **kwargs) -> TrendFit | None:
    """:func:`~analytics.trends.fit_trend` of ``error_rate`` over buckets with at least ``min_calls`` calls.

    Lower is better. Extra keyword arguments go to ``fit_trend``. None when
    fewer than 3 buckets qualify.
    """
    if series is None or series.empty:
        return None
    s = series[(series["requests"] + series["errors"]) >= min_calls]
    kwargs.setdefault("polarity", "lower_is_better")
    return fit_trend(s.set_index("bucket")["error_rate"].astype("float64"), **kwargs)


# ---------------------------------------------------------------------------
# taxonomy
def load_error_types(store, filters: Filters) -> pd.DataFrame:
    """API errors by class and status: ``error_class``, ``status_code``, ``errors``,
    ``sessions``, ``first_ts``/``last_ts`` (UTC), ``example`` (latest text, 300 chars)."""
    df = store.query(rollups.query_name(store, filters, "errors_by_type"), **filters.params())
    for col in ("first", "last"):
        df[f"{col}_ts"] = (
            _from_epoch(df.pop(f"{col}_ms"), "ms", "UTC") if not df.empty else pd.Series(dtype="object")
        )
    return df


def load_tool_errors(store, filters: Filters) -> pd.DataFrame:
    """Tool results per tool, user rejections excluded: ``tool``, ``results``,
    ``errors`` (success = 0), ``error_rate``, ``example`` (latest error text)."""
    return _run(store, rollups.query_name(store, filters, "errors_tools"), TOOL_COLUMNS, **filters.params())


def load_tool_decisions(store, filters: Filters) -> pd.DataFrame:
    """Permission decisions: ``decision``, ``decision_source``, ``tool``, ``decisions``."""
    return _run(
        store, rollups.query_name(store, filters, "errors_decisions"), DECISION_COLUMNS, **filters.params()
    )


@dataclass(frozen=True)
class ErrorTaxonomy:
    """Why things failed.

    ``by_class``: ``error_class``, ``errors``, ``share`` (of API errors),
    ``statuses`` (sorted HTTP statuses seen), in :data:`ERROR_CLASSES` order
    for the classes present. ``by_status``: the loader's rows plus ``share``.
    ``tools``: tool errors per tool (user rejections excluded).
    ``rejections``: decisions ``reject`` / ``interrupt`` by decision, source and
    tool with ``share`` of all decisions. ``rejection_rate`` is (rejected +
    interrupted) / decisions, None when no other decision is recorded
    (transcripts record rejections and interruptions, never an accepted call).
    """

    api_errors: int
    tool_results: int
    tool_errors: int
    tool_error_rate: float | None
    decisions: int
    rejected: int
    interrupted: int
    rejection_rate: float | None
    by_class: pd.DataFrame = field(compare=False, repr=False)
    by_status: pd.DataFrame = field(compare=False, repr=False)
    tools: pd.DataFrame = field(compare=False, repr=False)
    rejections: pd.DataFrame = field(compare=False, repr=False)


def error_taxonomy(types: pd.DataFrame, tools: pd.DataFrame, decisions: pd.DataFrame) -> ErrorTaxonomy | None:
    """Summarise the frames of :func:`load_error_types`, :func:`load_tool_errors`, :func:`load_tool_decisions`.

    Returns None when all three are empty.
    """
    if types.empty and tools.empty and decisions.empty:
        return None
    api_errors = int(types["errors"].sum()) if not types.empty else 0
    by_status = types.copy()
    by_status["share"] = by_status["errors"] / api_errors if api_errors else 0.0
    if types.empty:
        by_class = pd.DataFrame(columns=["error_class", "errors", "share", "statuses"])
    else:
        g = types.groupby("error_class")
        by_class = pd.DataFrame(
            {
                "errors": g["errors"].sum(),
                "statuses": g["status_code"].agg(lambda s: tuple(sorted(int(v) for v in set(s)))),
            }
        )
        order = [c for c in ERROR_CLASSES if c in by_class.index] + sorted(
            set(by_class.index) - set(ERROR_CLASSES)
        )
        by_class = by_class.loc[order].reset_index()
        by_class["share"] = by_class["errors"] / api_errors
        by_class = by_class[["error_class", "errors", "share", "statuses"]]
    results = int(tools["results"].sum()) if not tools.empty else 0
    t_err = int(tools["errors"].sum()) if not tools.empty else 0
    n_dec = int(decisions["decisions"].sum()) if not decisions.empty else 0
    rej = (
        decisions[decisions["decision"].isin(REJECTING_DECISIONS)].copy()
        if not decisions.empty
        else decisions
    )
    if not rej.empty:
        rej["share"] = rej["decisions"] / n_dec
    counts = rej.groupby("decision")["decisions"].sum() if not rej.empty else pd.Series(dtype="int64")
    rejected, interrupted = int(counts.get("reject", 0)), int(counts.get("interrupt", 0))
    return ErrorTaxonomy(
        api_errors=api_errors,
        tool_results=results,
        tool_errors=t_err,
        tool_error_rate=t_err / results if results else None,
        decisions=n_dec,
        rejected=rejected,
        interrupted=interrupted,
        rejection_rate=(rejected + interrupted) / n_dec if n_dec > rejected + interrupted else None,
        by_class=by_class,
        by_status=by_status,
        tools=tools,
        rejections=rej.reset_index(drop=True),
    )


# ---------------------------------------------------------------------------
# retries and recovery
def load_attempts(store, filters: Filters) -> pd.DataFrame:
    """Distribution of OTel ``attempt``: ``event``, ``attempt`` (>= 1), ``n``."""
    return _run(
        store, rollups.query_name(store, filters, "errors_attempts"), ATTEMPT_COLUMNS, **filters.params()
    )


@dataclass(frozen=True)
class RetryStats:
    """Retries of one event type (api_request or api_error), from the ``attempt`` attribute.

    ``retried_share``: share of calls with attempt > 1; ``retries``: sum of
    (attempt - 1).
    """

    event: str
    n: int
    mean_attempts: float
    max_attempt: int
    retried: int
    retried_share: float
    retries: int


def retry_stats(attempts: pd.DataFrame) -> tuple[RetryStats, ...]:
    """One :class:`RetryStats` per event type in the :func:`load_attempts` frame (empty tuple for none)."""
    out = []
    if attempts is None or attempts.empty:
        return ()
    for event, g in attempts.groupby("event", sort=True):
        a = g["attempt"].to_numpy(dtype="int64")
        n = g["n"].to_numpy(dtype="int64")
        total = int(n.sum())
        if total == 0:
            continue
        retried = int(n[a > 1].sum())
        out.append(
            RetryStats(
                event=str(event),
                n=total,
                mean_attempts=float((a * n).sum() / total),
                max_attempt=int(a.max()),
                retried=retried,
                retried_share=retried / total,
                retries=int(((a - 1) * n).sum()),
            )
        )
    return tuple(out)


def load_recovery(store, filters: Filters) -> pd.DataFrame:
    """One row: ``sessions``, ``sessions_with_error``, ``sessions_recovered``, ``errors``,
    ``errors_followed_by_success``, ``median_wait_ms``, ``p90_wait_ms`` (see errors_recovery.sql;
    from the per-session rollup when it can answer, :mod:`analytics.rollups`)."""
    return _run(
        store, rollups.query_name(store, filters, "errors_recovery"), RECOVERY_COLUMNS, **filters.params()
    )


@dataclass(frozen=True)
class Recovery:
    """Do sessions get going again after an API error?

    A session *recovered* when a successful api_request came at or after its
    last api_error. Waits are from each error to the next successful request
    in its session (exact median / 90th percentile, seconds), over errors that
    had one.
    """

    sessions: int
    sessions_with_error: int
    sessions_recovered: int
    recovery_rate: float | None
    errors: int
    errors_followed_by_success: int
    median_wait_s: float | None
    p90_wait_s: float | None
    method: str


def recovery_summary(frame: pd.DataFrame) -> Recovery | None:
    """:class:`Recovery` from the :func:`load_recovery` row; None without sessions."""
    if frame is None or frame.empty or int(frame["sessions"].iloc[0]) == 0:
        return None
    r = frame.iloc[0]
    with_err = int(r["sessions_with_error"])
    followed = int(r["errors_followed_by_success"])
    med = finite(r["median_wait_ms"]) if followed else None
    p90 = finite(r["p90_wait_ms"]) if followed else None
    return Recovery(
        sessions=int(r["sessions"]),
        sessions_with_error=with_err,
        sessions_recovered=int(r["sessions_recovered"]),
        recovery_rate=int(r["sessions_recovered"]) / with_err if with_err else None,
        errors=int(r["errors"]),
        errors_followed_by_success=followed,
        median_wait_s=None if med is None else med / 1000.0,
        p90_wait_s=None if p90 is None else p90 / 1000.0,
        method=(
            "window over each session's API calls in time order: next api_request at or after each api_error; "
            "a session recovered when its last error was followed by one"
        ),
    )


# ---------------------------------------------------------------------------
# timeout risk
def load_latency(store, filters: Filters, threshold_ms: float = 8000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """API request latency, per model and by local hour of day (``filters.tz``), in one scan.

    Per model: ``model``, ``n`` (rows with a duration), ``missing`` (rows
    without), ``p50_ms``, ``p95_ms``, ``p99_ms``, ``max_ms``, ``n_above`` (>
    threshold). By hour: ``hour`` (0-23), ``n``, ``p50_ms``, ``p95_ms``,
    ``n_above``, hours without a duration left out.
    """
    name = rollups.query_name(store, filters, "errors_latency")
    df = store.query(name, threshold_ms=float(threshold_ms), **filters.params())
    if not len(df.columns):
        return pd.DataFrame(columns=LATENCY_COLUMNS), pd.DataFrame(columns=HOUR_COLUMNS)
    hours = df["by_hour"] == 1
    return (
        df.loc[~hours, LATENCY_COLUMNS].reset_index(drop=True),
        df.loc[hours, HOUR_COLUMNS].astype({"hour": "uint8"}).reset_index(drop=True),
    )


def risk_rule(threshold_ms: float) -> str:
    """The timeout risk rule, in words, for ``threshold_ms``."""
    return (
        f"HIGH if p95 > {threshold_ms:g} ms or more than {HIGH_SHARE:.0%} of requests take longer; "
        f"MEDIUM if p95 > {MEDIUM_P95_FACTOR * threshold_ms:g} ms ({MEDIUM_P95_FACTOR:g} x threshold) "
        f"or more than {MEDIUM_SHARE:.0%} take longer than {threshold_ms:g} ms; else LOW"
    )


def classify_risk(p95_ms: float, share_above: float, threshold_ms: float) -> str:
    """Risk level by :func:`risk_rule`."""
    if p95_ms > threshold_ms or share_above > HIGH_SHARE:
        return "HIGH"
    if p95_ms > MEDIUM_P95_FACTOR * threshold_ms or share_above > MEDIUM_SHARE:
        return "MEDIUM"
    return "LOW"


@dataclass(frozen=True)
class TimeoutRisk:
    """Latency against a timeout threshold, per model and per hour of day.

    ``by_model``: ``model``, ``n``, ``missing``, ``p50_ms``, ``p95_ms``,
    ``p99_ms``, ``max_ms``, ``n_above``, ``share_above``, ``risk`` — models with
    at least one duration, riskiest first. ``by_hour``: ``hour``, ``n``,
    ``p50_ms``, ``p95_ms``, ``n_above``, ``share_above``. ``riskiest_hours``: up
    to ``top_hours`` local hours with at least ``min_hour_n`` requests and some
    request above the threshold, by share above then p95. ``n_missing``:
    requests without a duration (JSONL transcripts carry none).
    """

    threshold_ms: float
    rule: str
    n: int
    n_missing: int
    level: str
    riskiest_hours: tuple[int, ...]
    tz: str
    by_model: pd.DataFrame = field(compare=False, repr=False)
    by_hour: pd.DataFrame = field(compare=False, repr=False)


def assess_timeout_risk(
    by_model: pd.DataFrame,
    by_hour: pd.DataFrame,
    threshold_ms: float = 8000,
    tz: str = "UTC",
    min_hour_n: int = 20,
    top_hours: int = 3,
) -> TimeoutRisk | None:
    """Risk levels from the latency frames; None when no request has a duration."""
    if by_model is None or by_model.empty:
        return None
    m = by_model.copy()
    n_missing = int(m["missing"].sum())
    m = m[m["n"] > 0].copy()
    if m.empty:
        return None
    m["share_above"] = m["n_above"] / m["n"]
    m["risk"] = [
        classify_risk(p, s, threshold_ms) for p, s in zip(m["p95_ms"], m["share_above"], strict=True)
    ]
    m["_r"] = m["risk"].map(RISK_LEVELS.index)
    m = (
        m.sort_values(["_r", "share_above", "p95_ms"], ascending=False)
        .drop(columns="_r")
        .reset_index(drop=True)
    )
    h = by_hour.copy()
    if not h.empty:
        h["share_above"] = h["n_above"] / h["n"]
        cand = h[(h["n"] >= min_hour_n) & (h["n_above"] > 0)]
        cand = cand.sort_values(["share_above", "p95_ms", "hour"], ascending=[False, False, True])
        riskiest = tuple(int(v) for v in cand["hour"].head(top_hours))
    else:
        h["share_above"] = pd.Series(dtype="float64")
        riskiest = ()
    return TimeoutRisk(
        threshold_ms=float(threshold_ms),
        rule=risk_rule(threshold_ms),
        n=int(m["n"].sum()),
        n_missing=n_missing,
        level=max(m["risk"], key=RISK_LEVELS.index),
        riskiest_hours=riskiest,
        tz=tz,
        by_model=m,
        by_hour=h,
    )


def timeout_risk(
    store, filters: Filters, threshold_ms: float = 8000, min_hour_n: int = 20, top_hours: int = 3
) -> TimeoutRisk | None:
    """Load the latency frames and assess them (:func:`assess_timeout_risk`)."""
    by_model, by_hour = load_latency(store, filters, threshold_ms)
    return assess_timeout_risk(
        by_model,
        by_hour,
        threshold_ms=threshold_ms,
        tz=filters.tz,
        min_hour_n=min_hour_n,
        top_hours=top_hours,
    )


# ---------------------------------------------------------------------------
# counts of API calls
def error_rate(errors, requests):
    """The share of API calls that failed: ``errors / (requests + errors)``.

    The one error-rate formula of the app. Scalars give a float, or None
    without any call; Series or arrays give the rate element-wise, NaN where
    there is no call.
    """
    if np.ndim(errors) == 0 and np.ndim(requests) == 0:
        calls = errors + requests
        return errors / calls if calls else None
    calls = requests + errors
    return (
        errors / calls.where(calls > 0)
        if isinstance(calls, pd.Series)
        else errors / np.where(calls > 0, calls, np.nan)
    )


@dataclass(frozen=True)
class CallCounts:
    """API calls in a span: successful ``requests`` and ``errors``; ``start``/``end`` (UTC) when the span is a day."""

    requests: int
    errors: int
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None

    @property
    def calls(self) -> int:
        return self.requests + self.errors

    @property
    def error_rate(self) -> float | None:
        """:func:`error_rate` of the span; None without calls."""
        return error_rate(self.errors, self.requests)


def call_counts(series: pd.DataFrame | None) -> CallCounts:
    """Requests and errors summed over an error-rate series (:func:`load_error_series`)."""
    if series is None or series.empty:
        return CallCounts(0, 0)
    return CallCounts(int(series["requests"].sum()), int(series["errors"].sum()))


def day_counts(series: pd.DataFrame | None, now: pd.Timestamp, tz: str) -> CallCounts:
    """API calls of the local day containing ``now``, from its midnight to ``now``.

    ``series`` is an error-rate series of hours or days of the zone ``tz``.
    """
    start = local_midnight(local_day(now, tz), tz)
    if series is None or series.empty:
        return CallCounts(0, 0, start, now)
    at = index_utc(series["bucket"])
    rows = series[(at >= start) & (at <= now)]
    return CallCounts(int(rows["requests"].sum()), int(rows["errors"].sum()), start, now)


def error_freq(filters: Filters) -> str:
    """Bucket of the error-rate series: "day" for windows of 7 days or more, else "hour"."""
    return "day" if utc(filters.end) - utc(filters.start) >= pd.Timedelta(days=7) else "hour"


def daily_error_series(daily: pd.DataFrame | None) -> pd.DataFrame:
    """The error-rate series (:func:`load_error_series`, freq "day") of a daily activity frame.

    ``daily`` has ``bucket``, ``requests`` and ``errors`` per local day
    (:func:`analytics.monitor.load_daily_activity`). Returns ``bucket``,
    ``requests``, ``errors``, ``error_rate``: days with API calls only.
    """
    if daily is None or daily.empty:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    d = daily[(daily["requests"] + daily["errors"]) > 0]
    out = d[["bucket", "requests", "errors"]].reset_index(drop=True)
    out["error_rate"] = error_rate(out["errors"], out["requests"])
    return out


# ---------------------------------------------------------------------------
# latency histogram and the latest errors
HISTOGRAM_COLUMNS = ["model", "bin", "low_ms", "high_ms", "n"]
RECENT_COLUMNS = ["ts", "event", "session_id", "model", "tool", "status_code", "error_type", "error_text"]


def load_duration_histogram(store, filters: Filters, per_decade: int = 10) -> pd.DataFrame:
    """api_request durations per model on a log scale (``errors_duration_histogram.sql``).

    Returns
    -------
    DataFrame
        ``model``, ``bin``, ``low_ms`` / ``high_ms`` (bin edges:
        ``10^(bin / per_decade)``, ``10^((bin + 1) / per_decade)`` ms), ``n``.
        Empty without durations.
    """
    name = rollups.query_name(store, filters, "errors_duration_histogram")
    df = store.query(name, per_decade=int(per_decade), **filters.params())
    if df.empty:
        return pd.DataFrame(columns=HISTOGRAM_COLUMNS)
    b = df["bin"].to_numpy(dtype="float64")
    df["low_ms"] = 10 ** (b / per_decade)
    df["high_ms"] = 10 ** ((b + 1) / per_decade)
    return df[HISTOGRAM_COLUMNS]


def load_recent_errors(store, filters: Filters, limit: int = 100) -> pd.DataFrame:
    """The latest ``limit`` API errors and failed tool calls, newest first (``errors_recent.sql``).

    Returns
    -------
    DataFrame
        ``ts`` (UTC), ``event``, ``session_id``, ``model``, ``tool``,
        ``status_code``, ``error_type``, ``error_text`` (at most 500 characters;
        transcript text, show it as plain text).
    """
    df = store.query("errors_recent", limit=int(limit), **filters.params())
    if df.empty:
        return pd.DataFrame(columns=RECENT_COLUMNS)
    df.insert(0, "ts", pd.to_datetime(df.pop("ts_ms").astype("int64"), unit="ms", utc=True))
    return df[RECENT_COLUMNS]


# ---------------------------------------------------------------------------
# what failed in a span
@dataclass(frozen=True)
class Failures:
    """API calls and tool calls of a span and what failed in it (:func:`load_failures`).

    ``api``: requests and API errors (with the span's ``start``/``end``);
    ``error_classes``: API errors per class (rate_limit, overloaded, server,
    auth, timeout, client, other), largest first; ``tool_calls`` counts tool
    results, ``tool_failed`` the failed ones (user rejections are not
    failures); ``rejected`` and ``interrupted`` are the user's decisions.
    """

    api: CallCounts
    error_classes: tuple[tuple[str, int], ...]
    tool_calls: int
    tool_failed: int
    rejected: int
    interrupted: int

    @property
    def tool_failure_rate(self) -> float | None:
        """Failed tool calls / tool results; None without tool results."""
        return self.tool_failed / self.tool_calls if self.tool_calls else None


def load_failures(store, filters: Filters) -> Failures:
    """API calls, API errors by class, tool calls and failures, rejections and interruptions in the window.

    A window ending inside an hour (today's, ending now) reads its whole hours from the hourly totals
    and only the last partial hour from the events (``errors_failures_split``), or nothing more when
    the store holds nothing after its last whole hour.
    """
    name, params = rollups.query_name(store, filters, "errors_failures"), filters.params()
    split = rollups.split_hour(store, filters) if name == "errors_failures" else None
    if split is not None and rollups.rows_since(store, split):
        name, params = "errors_failures_split", params | {"split": split}
    elif split is not None:
        name, params = (
            "errors_failures_rollup",
            filters.with_window(filters.start, split.replace(tzinfo=UTC)).params(),
        )
    counts = {kind: int(n) for kind, n in store.rows(name, **params)}
    classes = sorted(
        ((k.removeprefix("api_error:"), n) for k, n in counts.items() if k.startswith("api_error:")),
        key=lambda kv: (-kv[1], kv[0]),
    )
    return Failures(
        api=CallCounts(
            counts.get("api_request", 0), sum(n for _, n in classes), utc(filters.start), utc(filters.end)
        ),
        error_classes=tuple(classes),
        tool_calls=counts.get("tool_result", 0) + counts.get("tool_failed", 0),
        tool_failed=counts.get("tool_failed", 0),
        rejected=counts.get("decision:reject", 0),
        interrupted=counts.get("decision:interrupt", 0),
    )
