"""The JSON answers of the API: plain JSON values and the serialisers of the monitor's results.

Answers are JSON-ready dicts: str, int, float, bool and None in dicts and
lists; instants as ISO 8601 strings with their UTC offset; never NaN or
infinity (None instead, see :func:`jsonable`). The field names are a contract
for API clients.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from analytics import costs, errors, monitor, outcomes, search
from analytics.clock import utc
from analytics.fmt import finite
from analytics.trends import TrendFit, trend_arrow
from analytics.view import WIDGET_PAGES, chart_link


# ---------------------------------------------------------------------------
# JSON values
def jsonable(obj: Any) -> Any:
    """``obj`` as plain JSON values: NaN / infinity / NaT / NA become None.

    Timestamps and datetimes become ISO 8601 strings (naive ones as they are),
    dates ISO dates, timedeltas seconds (float), NumPy scalars Python numbers,
    DataFrames lists of records, any other object its ``str``.
    """
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, int | np.integer) and not isinstance(obj, np.bool_):
        return int(obj)
    if isinstance(obj, float | np.floating):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, np.bool_):
        return bool(obj)
    if obj is pd.NaT or obj is pd.NA:
        return None
    if isinstance(obj, pd.Timestamp | datetime):
        return obj.isoformat()
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, pd.Timedelta | timedelta):
        return obj.total_seconds()
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, pd.DataFrame):
        return [jsonable(r) for r in obj.to_dict(orient="records")]
    if isinstance(obj, list | tuple | set | np.ndarray | pd.Series):
        return [jsonable(v) for v in list(obj)]
    return str(obj)


def iso(ts) -> str | None:
    """An instant as ISO 8601 in UTC; None for None or NaT."""
    return None if ts is None or ts is pd.NaT else utc(ts).isoformat()


def _nums(obj, *names: str) -> dict:
    """``{name: finite(obj.name)}`` for each of ``names``, in order."""
    return {n: finite(getattr(obj, n)) for n in names}


# ---------------------------------------------------------------------------
# serialisers
TREND_KEYS = (
    "of", "direction", "arrow", "n", "slope", "slope_low", "slope_high", "slope_per_day", "p_value",
    "ols_p_value", "tau", "step_seconds", "changepoint", "method", "rule",
)  # fmt: skip


def trend_json(fit: TrendFit | None, of: str) -> dict:
    """The JSON of a :class:`~analytics.trends.TrendFit`: direction, arrow, slope, p-value, method.

    ``p_value`` is the Mann-Kendall p-value that decides the direction;
    ``ols_p_value`` the OLS slope's. ``slope`` is per step (``step_seconds``),
    ``slope_per_day`` per day. All None (direction None, arrow "") without a fit.
    """
    if fit is None:
        return {**dict.fromkeys(TREND_KEYS), "of": of, "arrow": "", "n": 0}
    step = fit.step.total_seconds() if isinstance(fit.step, pd.Timedelta) else finite(fit.step)
    cp = fit.changepoint
    return {
        "of": of,
        "direction": fit.direction,
        "arrow": trend_arrow(fit),
        "n": fit.n,
        **_nums(fit, "slope", "slope_low", "slope_high", "slope_per_day"),
        "p_value": finite(fit.mk_p),
        "ols_p_value": finite(fit.p_value),
        "tau": finite(fit.mk_tau),
        "step_seconds": step,
        "changepoint": None
        if cp is None
        else {
            "at": iso(cp.at) if isinstance(cp.at, pd.Timestamp) else jsonable(cp.at),
            "mean_before": finite(cp.mean_before),
            "mean_after": finite(cp.mean_after),
            "sse_reduction": finite(cp.sse_reduction),
        },
        "method": fit.method,
        "rule": fit.rule,
    }


def _projection_json(p: costs.Projection | None) -> dict | None:
    if p is None:
        return None
    return {
        "horizon": p.horizon,
        "end": iso(p.end),
        **_nums(p, "spent", "expected_additional", "projected", "low", "high"),
        "n": int(p.n),
        "method": p.method,
    }


def _status_json(s: costs.BudgetStatus | None) -> dict | None:
    if s is None:
        return None
    tte = s.time_to_exhaustion
    return {
        "level": s.level,
        **_nums(s, "spend", "budget", "percent_used", "remaining", "over_by", "rate_per_hour"),
        "time_to_exhaustion_hours": None if tte is None else tte.total_seconds() / 3600.0,
        "exhausted_at": iso(s.exhausted_at) if s.exhausted_at is not None else None,
        "rule": s.rule,
    }


def _projections_json(proj: costs.SpendProjection | None) -> dict:
    return {
        "session": _projection_json(proj.session) if proj else None,
        "day": _projection_json(proj.day) if proj else None,
        "month": _projection_json(proj.month) if proj else None,
    }


def _alerts_json(report: monitor.BudgetReport) -> list[dict]:
    return [{"level": a.level, "budget": a.budget, "message": a.message} for a in report.alerts]


def _interval_json(burn: costs.BurnRate | None) -> dict:
    if burn is None:
        keys = ("low", "high", "level", "bins", "bin_minutes", "trend_per_hour", "trend_low", "trend_high")
        return {**dict.fromkeys(keys), "method": "no request in the window: rate 0"}
    return {
        "low": finite(burn.per_hour_low),
        "high": finite(burn.per_hour_high),
        "level": burn.level,
        "bins": burn.bins,
        **_nums(burn, "bin_minutes", "trend_per_hour", "trend_low", "trend_high"),
        "method": burn.method,
    }


def burnrate_json(report: monitor.BudgetReport) -> dict:
    """The JSON of ``/api/telemetry/cost-burnrate``.

    ``now``, ``tz``, ``window`` (``start``, ``end``, ``hours``),
    ``current_cost`` (USD spent today in the reporting zone),
    ``month_to_date`` (USD), ``requests_today``, ``burn_rate`` (USD per hour
    over the window, 0 when it holds no request), ``interval`` (the burn
    rate's interval: ``low``, ``high``, ``level``, ``bins``, ``bin_minutes``,
    ``trend_per_hour``, ``trend_low``, ``trend_high``, ``method``),
    ``tokens_per_minute``, ``requests`` and ``unpriced_requests`` (in the
    window; unpriced requests are not in the cost), ``unpriced_requests_today``,
    ``budget`` (the budgets used), ``budget_remaining`` (USD left of the daily
    budget), ``budgets`` (per budget: level, spend, percent used, remaining,
    time to exhaustion in hours, rule; None when not evaluated), ``status``
    (the worst level of the daily and monthly budgets), ``alerts`` (``level``,
    ``budget``, ``message`` for every budget at INFO or above) and
    ``projection`` (``session``, ``day``, ``month``: spent, projected, low,
    high, end, method; None when it cannot be made).
    """
    burn = report.burn
    day = report.statuses["day"]
    return {
        "now": iso(report.now),
        "tz": report.tz,
        "last_activity": iso(report.last_activity),
        "window": {"start": iso(report.window_start), "end": iso(report.now), "hours": report.window_hours},
        "current_cost": finite(report.spent_today),
        "month_to_date": finite(report.month_to_date),
        "requests_today": report.requests_today,
        "burn_rate": finite(report.burn_rate),
        "interval": _interval_json(burn),
        "tokens_per_minute": finite(burn.tokens_per_minute) if burn else 0.0,
        "requests": report.requests_in_window,
        "unpriced_requests": burn.unpriced_requests if burn else 0,
        "unpriced_requests_today": report.unpriced_requests_today,
        "budget": dict(report.budgets),
        "budget_remaining": finite(day.remaining) if day is not None else None,
        "budgets": {k: _status_json(v) for k, v in report.statuses.items()},
        "status": report.status,
        "alerts": _alerts_json(report),
        "projection": _projections_json(report.projection),
    }


def _counts_json(c: errors.CallCounts) -> dict:
    day = {"start": iso(c.start), "end": iso(c.end)} if c.start is not None else {}
    return {**day, "requests": c.requests, "errors": c.errors, "error_rate": c.error_rate}


def _failures_json(f: errors.Failures) -> dict:
    return {
        "api": _counts_json(f.api),
        "error_classes": dict(f.error_classes),
        "tool_calls": f.tool_calls,
        "tool_failed": f.tool_failed,
        "tool_failure_rate": f.tool_failure_rate,
        "rejected": f.rejected,
        "interrupted": f.interrupted,
    }


def _risk_models_json(risk: errors.TimeoutRisk | None) -> list:
    cols = ["model", "n", "p50_ms", "p95_ms", "p99_ms", "max_ms", "n_above", "share_above", "risk"]
    return jsonable(risk.by_model[cols]) if risk is not None else []


def _risk_json(risk: errors.TimeoutRisk | None, threshold_ms: float) -> dict:
    if risk is None:
        return {
            "threshold_ms": float(threshold_ms),
            "rule": errors.risk_rule(threshold_ms),
            "level": None,
            "n": 0,
            "n_missing": 0,
            "riskiest_hours": [],
            "tz": None,
            "models": [],
        }
    return {
        "threshold_ms": risk.threshold_ms,
        "rule": risk.rule,
        "level": risk.level,
        "n": risk.n,
        "n_missing": risk.n_missing,
        "riskiest_hours": list(risk.riskiest_hours),
        "tz": risk.tz,
        "models": _risk_models_json(risk),
    }


def _recovery_json(r: errors.Recovery | None) -> dict | None:
    return None if r is None else jsonable(r.__dict__)


def _taxonomy_json(tax: errors.ErrorTaxonomy | None) -> dict | None:
    if tax is None:
        return None
    return {
        "api_errors": tax.api_errors,
        "by_class": jsonable(tax.by_class),
        "tool_results": tax.tool_results,
        "tool_errors": tax.tool_errors,
        "tool_error_rate": finite(tax.tool_error_rate),
        "tool_errors_by_tool": jsonable(tax.tools[["tool", "results", "errors", "error_rate"]])
        if not tax.tools.empty
        else [],
        "decisions": tax.decisions,
        "rejected": tax.rejected,
        "interrupted": tax.interrupted,
        "rejection_rate": finite(tax.rejection_rate),
    }


def error_monitor_json(report: monitor.ErrorReport) -> dict:
    """The JSON of ``/api/telemetry/error-monitor``.

    ``now``, ``tz``, ``window`` (start, end of the filters), ``freq`` (bucket
    of the series: "day" for windows of 7 days or more, else "hour"),
    ``current`` (``last_day``: the local day containing now, from its
    midnight to now; ``window``: the whole window; each with ``requests``,
    ``errors`` and ``error_rate`` = errors / (requests + errors), None without
    calls), ``level`` and ``rule`` (of the last day's rate), ``trend``
    (:func:`trend_json` of the rate per bucket), ``taxonomy`` (API errors by
    class, tool errors by tool, rejections; None without any), ``retries``
    (per event type), ``recovery`` (None without sessions) and
    ``timeout_risk`` (threshold, rule, level, per model p50/p95/p99, share
    above the threshold and risk; level None without durations).
    """
    snap = report.snapshot
    return {
        "now": iso(snap.now),
        "tz": snap.tz,
        "last_activity": iso(snap.last_activity),
        "window": {"start": iso(snap.start), "end": iso(snap.end)},
        "freq": snap.freq,
        "current": {"last_day": _counts_json(report.last_day), "window": _counts_json(report.window)},
        "today": _failures_json(snap.today),
        "level": report.level,
        "reason": report.reason,
        "rule": report.rule,
        "trend": trend_json(snap.fit, report.trend_of),
        "taxonomy": _taxonomy_json(snap.taxonomy),
        "retries": [jsonable(r.__dict__) for r in snap.retries],
        "recovery": _recovery_json(snap.recovery),
        "timeout_risk": _risk_json(report.risk, report.threshold_ms),
    }


def _error_rate_widget_json(w: monitor.ErrorRateWidget) -> dict:
    return {
        "title": w.title,
        "value": w.last_day.error_rate,
        "last_day": _counts_json(w.last_day),
        "window": _counts_json(w.window),
        "today": _failures_json(w.today),
        "window_failures": _failures_json(w.window_failures),
        "recovery": _recovery_json(w.recovery),
        "level": w.level,
        "reason": w.reason,
        "rule": w.rule,
        "trend": trend_json(w.trend, w.trend_of),
        "page": WIDGET_PAGES["error_rate"].path,
        "chart": chart_link("error_rate"),
    }


def _cost_widget_json(w: monitor.CostWidget) -> dict:
    r = w.report
    day = r.statuses["day"]
    return {
        "title": w.title,
        "value": finite(r.spent_today),
        "current_cost": finite(r.spent_today),
        "budget": r.budgets["day"],
        "percent_of_budget": finite(day.percent_used) if day else None,
        "burn_rate": finite(r.burn_rate),
        "projection": _projections_json(r.projection),
        "alerts": _alerts_json(r),
        "level": w.level,
        "reason": w.reason,
        "rule": w.rule,
        "trend": trend_json(w.trend, w.trend_of),
        "page": WIDGET_PAGES["cost_burn"].path,
        "chart": chart_link("cost_burn"),
    }


def _timeout_widget_json(w: monitor.TimeoutWidget) -> dict:
    models = _risk_models_json(w.risk)
    worst = models[0] if models else None
    return {
        "title": w.title,
        "value": worst["p95_ms"] if worst else None,
        "model": worst["model"] if worst else None,
        "threshold_ms": w.threshold_ms,
        "models": models,
        "level": w.level,
        "reason": w.reason,
        "rule": w.rule,
        "n_missing": w.risk.n_missing if w.risk is not None else 0,
        "trend": trend_json(w.trend, w.trend_of),
        "page": WIDGET_PAGES["timeout_risk"].path,
        "chart": chart_link("timeout_risk"),
    }


def _tool_widget_json(w: monitor.ToolWidget) -> dict:
    top, loop = w.top_workflow, w.loop
    return {
        "title": w.title,
        "value": top["label"] if top is not None else None,
        "top_workflow": None
        if top is None
        else {
            "label": top["label"],
            **{k: int(top[k]) for k in ("length", "count", "sessions")},
            **{k: finite(top[k]) for k in ("session_share", "success_rate", "cost_usd")},
        },
        "costliest_loop": None
        if loop is None
        else {**dataclasses.asdict(loop), "share_of_spend": finite(w.loop_share)},
        "suggestion": w.suggestion,
        "suggestions": list(w.suggestions),
        "tool_calls": w.tool_calls,
        "sessions": w.sessions,
        "level": w.level,
        "reason": w.reason,
        "rule": w.rule,
        "trend": trend_json(w.trend, w.trend_of),
        "page": WIDGET_PAGES["tool_sequences"].path,
        "chart": chart_link("tool_sequences"),
    }


def _model_widget_json(w: monitor.ModelWidget) -> dict:
    top, rec = w.top, w.savings
    return {
        "title": w.title,
        "value": finite(top["share_of_cost"]) if top is not None else None,
        "top_model": top["model"] if top is not None else None,
        "spend_share": jsonable(w.shares),
        "spend_usd": finite(w.shares["cost_usd"].sum(min_count=1)),
        "unpriced_models": w.unpriced_models,
        "potential_savings": None
        if rec is None
        else {
            "target_model": rec.target_model,
            "requests_moved": rec.requests_moved,
            **_nums(rec, "current_cost_usd", "projected_cost_usd", "savings_usd"),
            "savings_share": w.savings_share,
            "sentence": rec.sentence,
            "assumption": rec.assumption,
        },
        "level": w.level,
        "reason": w.reason,
        "rule": w.rule,
        "trend": trend_json(w.trend, w.trend_of),
        "page": WIDGET_PAGES["model_efficiency"].path,
        "chart": chart_link("model_efficiency"),
    }


def _change_json(c: monitor.Change) -> dict:
    model = {"model": c.model} if c.model is not None else {}
    return {
        "metric": c.metric,
        **model,
        "current": c.current,
        "previous": c.previous,
        "change": c.change,
        "sentence": c.sentence,
    }


def widgets_json(w: monitor.Widgets) -> dict:
    """The JSON of ``/api/telemetry-widgets``.

    Each widget has ``title``, ``value`` (its headline number), ``level``
    (status), ``rule`` (how the level is decided), ``trend``
    (:func:`trend_json` over the window: direction, arrow, slope, p-value) and
    ``page`` (URL path of its page), plus its details: ``error_rate`` (the last
    day's and the window's calls, recovery), ``cost_burn`` (spend today vs
    the daily budget, $/hour, projections, alerts), ``timeout_risk`` (p95 per
    model vs the threshold), ``tool_sequences`` (the top workflow, the
    costliest loop, suggestions) and ``model_efficiency`` (spend share per
    model, potential savings). ``changes`` are plain sentences comparing the 7
    days up to now with the 7 days before; ``change_numbers`` the same with
    their numbers.
    """
    return {
        "now": iso(w.now),
        "tz": w.tz,
        "last_activity": iso(w.last_activity),
        "window": {"start": iso(w.start), "end": iso(w.end)},
        "error_rate": _error_rate_widget_json(w.error_rate),
        "cost_burn": _cost_widget_json(w.cost_burn),
        "timeout_risk": _timeout_widget_json(w.timeout_risk),
        "tool_sequences": _tool_widget_json(w.tool_sequences),
        "model_efficiency": _model_widget_json(w.model_efficiency),
        "changes": [c.sentence for c in w.changes],
        "change_numbers": [_change_json(c) for c in w.changes],
    }


def _search_hit_json(h: search.SearchHit) -> dict:
    return {
        "event_id": h.event_id,
        "session_id": h.session_id,
        "ts": iso(h.ts),
        "event": h.event,
        "field": h.field,
        "snippet": h.text,
        "spans": [list(span) for span in h.spans],
        "snippet_offset": h.text_offset,
        "field_length": h.text_length,
        "project": h.project,
        "tool": h.tool,
        "model": h.model,
        **_nums(h, "score", "relevance", "recency"),
        "term_hits": h.term_hits,
    }


def search_json(results: search.SearchResults, now=None) -> dict:
    """A search (:func:`analytics.search.search`) for ``GET /api/search``.

    ``total`` counts every matching event; ``hits`` are the best ``limit`` of
    them, best first, each with ``field`` (one of
    :data:`analytics.search.FIELDS`), ``snippet`` (at most 300 characters of
    the field, starting ``snippet_offset`` characters into a field of
    ``field_length``), ``spans`` (``[start, end)`` character offsets of the
    matches in ``snippet``), ``score`` = ``relevance`` x ``recency`` (``method``
    says how) and ``term_hits``. ``facets`` has every facet of
    :data:`analytics.search.FACETS` as a list of ``{"value", "hits"}`` over all
    matches, most frequent first (at most 10 values each). ``names`` are the
    identifiers written as code in the hits (``kind``, ``value``, ``count``,
    ``hits``), ``suggestions`` next queries, ``related_files`` the files read
    or written in the hits' sessions, ``notes`` how the query was read. ``now``
    is when the answer was judged; recency counts back from it, or from the
    window's end if that is earlier.
    """
    start, end = results.window if results.window else (None, None)
    return {
        "now": iso(now) if now is not None else None,
        "query": results.query,
        "terms": list(results.terms),
        "mode": results.mode,
        "fields": list(results.fields),
        "window": {"start": iso(start), "end": iso(end)},
        "limit": results.limit,
        "total": results.total,
        "hits": [_search_hit_json(h) for h in results.hits],
        "facets": {name: jsonable(results.facet(name)) for name in search.FACETS},
        "names": jsonable(results.patterns),
        "suggestions": list(results.suggestions),
        "related_files": jsonable(results.related_files),
        "notes": list(results.notes),
        "method": results.method,
    }


# ---------------------------------------------------------------------------
# outcomes
OUTCOME_GROUP_KEYS = (
    "requests",
    "unpriced_requests",
    "cost_usd",
    "sessions",
    "commits",
    "pull_requests",
    "lines_added",
    "lines_removed",
    "files",
    "accepted_edits",
    "rejected_edits",
    "active_seconds",
    "cost_per_commit",
    "cost_per_pull_request",
    "cost_per_100_lines",
    "cost_per_accepted_edit",
)
"""Fields of each group of ``/api/outcomes``: the columns of ``outcomes.with_unit_costs`` of the same name."""


def outcomes_json(totals: outcomes.OutcomeTotals, groups, by: str, filters) -> dict:
    """``/api/outcomes``: ``totals`` (the fields of :class:`analytics.outcomes.OutcomeTotals`) and
    ``groups`` (one object per key of ``by``: ``key`` and :data:`OUTCOME_GROUP_KEYS`). A session
    group also carries ``project``; keys that are paths (project, repository) are labels."""
    rows = []
    for rec in groups.to_dict("records"):
        row = {"key": rec["key"], **{k: rec[k] for k in OUTCOME_GROUP_KEYS}}
        if by == "session":
            row["project"] = rec["project"]
        rows.append(row)
    return jsonable(
        {
            "window": {"from": iso(filters.start), "to": iso(filters.end), "tz": filters.tz},
            "by": by,
            "totals": dataclasses.asdict(totals),
            "groups": rows,
        }
    )
