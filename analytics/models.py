"""Cost, latency and errors per model; the same token mix re-priced under other models.

Loaders (one named query each, cut by the standard filters):

* :func:`load_model_usage` (``models_usage.sql``): one row per model with
  requests, errors, tokens by type, cost and exact latency percentiles.
* :func:`load_model_totals` (``models_totals.sql``): the same calls in total.
* :func:`load_token_mix` (``models_token_mix.sql``): tokens per (model,
  price-tier bucket, small-output flag), the input of re-pricing, savings and
  cache figures.

Re-pricing keeps each request's own tier. Long-context tiers apply to a whole
request whose *total input* (input + cache reads + cache writes) exceeds the
tier start (Sonnet 4.5 above 200k tokens costs $6/M input instead of $3/M), so
pricing per-model token sums would be wrong. The token-mix query groups
requests by the tier starts they reach (of the target models and of every
model in the price book), so every request of a bucket falls in one tier of
every target, and a bucket is priced with the target's rate for that tier.
Results equal pricing each request on its own (tested).

Costs are never $0 for an unknown model: unpriced models have NaN costs and
``pricing == "unpriced"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from analytics import pricing, rollups
from analytics.filters import Filters
from analytics.pricing import DEFAULT_ALTERNATIVES, SMALL_OUTPUT, tier_bounds
from analytics.usage import TOKEN_COLUMNS

REPRICE_RULE = (
    "Each model's requests, grouped by price tier of their own total input, are priced with the target "
    "model's rates for that tier (same price book: genai-prices); cost = sum over token types of tokens x rate."
)

SUMMARY_COLUMNS = [
    "model",
    "requests",
    "errors",
    "error_rate",
    *TOKEN_COLUMNS,
    "total_tokens",
    "cost_usd",
    "pricing",
    "cost_per_request",
    "share_of_requests",
    "share_of_cost",
    "sessions",
    "timed_requests",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "ttft_p50_ms",
]
REPRICE_COLUMNS = [
    "source_model",
    "target_model",
    "requests",
    "actual_cost_usd",
    "book_cost_usd",
    "repriced_cost_usd",
    "difference_usd",
    "ratio",
    "exact",
]
USAGE_COLUMNS = [
    "model",
    "requests",
    "errors",
    *TOKEN_COLUMNS,
    "cost_usd",
    "priced_requests",
    "timed_requests",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "ttft_p50_ms",
    "sessions",
]
MIX_COLUMNS = [
    "model",
    "bucket",
    "small",
    "small_output_limit",
    "requests",
    *TOKEN_COLUMNS,
    "min_total_input",
    "max_total_input",
    "cost_usd",
    "priced_requests",
]
CACHE_COLUMNS = [
    "model",
    "requests",
    "input_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "total_input_tokens",
    "read_share",
    "write_1h_share",
    "read_savings_usd",
    "write_premium_usd",
    "net_savings_usd",
]


def _window(filters: Filters | None) -> tuple[datetime, datetime] | None:
    return None if filters is None else (filters.start, filters.end)


def _with_columns(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """An empty result comes back without columns; give it the documented ones."""
    return pd.DataFrame(columns=columns) if frame.empty and len(frame.columns) == 0 else frame


def _distinct_priced(models: Sequence[str]) -> list[str]:
    """``models`` the price book knows, in order, without later ones priced exactly like an earlier one.

    ``claude-haiku-4-5`` and ``claude-haiku-4-5-20251001`` have the same rates: the first one named is kept
    (callers list the models in the data first).
    """
    out: list[str] = []
    seen: set[tuple] = set()
    for m in dict.fromkeys(models):
        rates = pricing.model_rates(m)
        sig = tuple(
            (r.min_input, r.input, r.output, r.cache_read, r.cache_write_5m, r.cache_write_1h) for r in rates
        )
        if rates and sig not in seen:
            seen.add(sig)
            out.append(m)
    return out


# -- loaders ----------------------------------------------------------------


def load_model_usage(store, filters: Filters) -> pd.DataFrame:
    """Requests, errors, tokens, cost and latency per model in the filtered window.

    Returns
    -------
    DataFrame
        One row per model: ``model``, ``requests``, ``errors`` (api_error rows
        naming the model; JSONL errors carry none and form the ``model == ""``
        row), token sums by type, ``cost_usd`` (USD, priced requests only, NaN
        when none is priced), ``priced_requests``, ``timed_requests``,
        ``p50_ms`` / ``p95_ms`` / ``p99_ms`` (``quantileExact`` of
        ``duration_ms``, NaN without durations), ``ttft_p50_ms``, ``sessions``.
        From the rollups when they can answer (:mod:`analytics.rollups`).
    """
    name = rollups.query_name(store, filters, "models_usage")
    return _with_columns(store.query(name, **filters.params()), USAGE_COLUMNS)


@dataclass(frozen=True)
class ModelTotals:
    """All API calls of a window (:func:`load_model_totals`): the sums of :class:`ModelSummary`."""

    n_requests: int
    n_errors: int
    """API errors, with or without a model."""
    priced_cost_usd: float
    """USD over priced requests; NaN when none is priced."""


def load_model_totals(store, filters: Filters) -> ModelTotals:
    """:func:`model_summary`'s totals of :func:`load_model_usage` without its per-model latency and
    sessions, for a window whose rows are not shown (the period before, on the Models page). From the
    hourly rollup when it can answer."""
    name = rollups.query_name(store, filters, "models_totals")
    ((requests, errors, cost),) = store.rows(name, **filters.params())
    return ModelTotals(int(requests), int(errors), float(cost))


def load_unpriced_models(store, filters: Filters) -> tuple[str, ...]:
    """The models :func:`model_summary` would call unpriced, most requests first, without loading the
    per-model latency percentiles (from the hourly rollup when it can answer, :mod:`analytics.rollups`)."""
    rows = store.rows(rollups.query_name(store, filters, "models_unpriced"), **filters.params())
    return tuple(m for (m,) in rows)


def load_token_mix(
    store,
    filters: Filters,
    targets: Sequence[str] = DEFAULT_ALTERNATIVES,
    small_output: int = SMALL_OUTPUT,
) -> pd.DataFrame:
    """Token sums per (model, tier bucket, small-output flag) of ``api_request`` events.

    Parameters
    ----------
    targets : sequence of str
        Models the mix will be re-priced under besides the price book's own;
        their tier starts become bucket boundaries.
    small_output : int
        Output-token limit of a "small" request (``small == 1`` below it).

    Returns
    -------
    DataFrame
        ``model``, ``bucket``, ``small``, ``small_output_limit``, ``requests``,
        token sums by type, ``min_total_input`` / ``max_total_input`` (tokens),
        ``cost_usd`` (NaN when unpriced), ``priced_requests``. Read from
        ``rollup_token_mix`` when it can answer (:func:`analytics.rollups.token_mix_query`).
    """
    bounds = tier_bounds(list(targets))
    frame = store.query(
        rollups.token_mix_query(store, filters, bounds, int(small_output)),
        bounds=bounds,
        small_output=int(small_output),
        **filters.params(),
    )
    return _with_columns(frame, MIX_COLUMNS)


# -- results ----------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ModelSummary:
    """Per-model figures (:func:`model_summary`).

    ``table`` columns: :data:`SUMMARY_COLUMNS`. ``error_rate`` = errors /
    (requests + errors); ``cost_usd`` NaN and ``pricing == "unpriced"`` for a
    model the price book does not know ("partly priced" when only some of its
    requests have a cost); ``cost_per_request`` = cost / priced requests (USD);
    latencies in milliseconds, NaN when no request has a duration.
    ``unattributed_errors`` counts API errors that name no model.
    """

    table: pd.DataFrame
    n_requests: int
    n_errors: int
    unattributed_errors: int
    priced_cost_usd: float
    unpriced_models: tuple[str, ...]
    window: tuple[datetime, datetime] | None
    method: str


@dataclass(frozen=True, eq=False)
class Repricing:
    """Each model's actual token mix priced under every target model (:func:`reprice`).

    ``table`` columns: :data:`REPRICE_COLUMNS`. ``actual_cost_usd`` is the
    stored cost (reported or computed at ingest; NaN when unpriced),
    ``book_cost_usd`` the mix priced under its own model with the price book,
    ``repriced_cost_usd`` under ``target_model``, ``difference_usd`` =
    repriced - book, ``ratio`` = repriced / book. ``exact`` is False when some
    requests could not be assigned one tier of the target (its cost is then
    NaN). ``matrix``: repriced cost, sources as rows, targets as columns.
    """

    table: pd.DataFrame
    matrix: pd.DataFrame
    n_requests: int
    window: tuple[datetime, datetime] | None
    method: str


@dataclass(frozen=True, eq=False)
class SavingsRecommendation:
    """Estimated saving of moving small requests to a cheaper model (:func:`recommend_savings`).

    ``per_source`` columns: ``source_model``, ``requests``,
    ``current_cost_usd``, ``projected_cost_usd``, ``savings_usd``.
    """

    target_model: str
    small_output: int
    requests_moved: int
    share_of_requests: float
    current_cost_usd: float
    projected_cost_usd: float
    savings_usd: float
    savings_share: float
    per_source: pd.DataFrame
    assumption: str
    sentence: str
    window: tuple[datetime, datetime] | None
    method: str


@dataclass(frozen=True, eq=False)
class CacheEfficiency:
    """Prompt-cache use and what it saved (:func:`cache_efficiency`).

    ``table`` columns: :data:`CACHE_COLUMNS`, one row per model.
    ``read_share`` = cache reads / total input; ``write_1h_share`` = 1-hour
    writes / all cache writes; ``read_savings_usd`` = cache reads x (input rate
    - cache-read rate); ``write_premium_usd`` = 5-minute writes x (5m write
    rate - input rate) + 1-hour writes x (1h write rate - input rate);
    ``net_savings_usd`` = savings - premium. Rates are each request tier's;
    USD columns are NaN for unpriced models. The totals cover all models
    (USD totals: priced models only, NaN when none is priced).
    """

    table: pd.DataFrame
    read_share: float
    write_1h_share: float
    read_savings_usd: float
    write_premium_usd: float
    net_savings_usd: float
    unpriced_models: tuple[str, ...]
    n_requests: int
    window: tuple[datetime, datetime] | None
    method: str


# -- analysis ---------------------------------------------------------------


def _div(a, b):
    """a / b with NaN where b is 0 (scalars or Series)."""
    if isinstance(b, pd.Series):
        return a / b.where(b != 0)
    return a / b if b else float("nan")


def model_summary(usage: pd.DataFrame, filters: Filters | None = None) -> ModelSummary:
    """Per-model requests, error rate, tokens, cost and latency from :func:`load_model_usage`.

    Returns
    -------
    ModelSummary
        Empty table and zero counts for an empty frame.
    """
    method = (
        "Counts of api_request and api_error events per model; error rate = errors / (requests + errors); "
        "latency: exact percentiles of duration_ms (OTel only; JSONL has none)."
    )
    if usage is None or usage.empty:
        return ModelSummary(
            pd.DataFrame(columns=SUMMARY_COLUMNS), 0, 0, 0, float("nan"), (), _window(filters), method
        )
    u = usage.copy()
    orphan = (u["model"] == "") & (u["requests"] == 0)
    unattributed = int(u.loc[orphan, "errors"].sum())
    u = u[~orphan].reset_index(drop=True)
    u["error_rate"] = _div(u["errors"], u["requests"] + u["errors"])
    u["total_tokens"] = sum(u[c] for c in TOKEN_COLUMNS)
    u["pricing"] = np.select(
        [u["priced_requests"] == 0, u["priced_requests"] < u["requests"]],
        ["unpriced", "partly priced"],
        "priced",
    )
    u.loc[u["priced_requests"] == 0, "cost_usd"] = np.nan
    u["cost_per_request"] = _div(u["cost_usd"], u["priced_requests"])
    n_requests = int(u["requests"].sum())
    priced_total = float(u["cost_usd"].sum(min_count=1))
    u["share_of_requests"] = _div(u["requests"], pd.Series(n_requests, index=u.index))
    u["share_of_cost"] = (
        u["cost_usd"] / priced_total if priced_total == priced_total and priced_total else np.nan
    )
    unpriced = tuple(u.loc[u["pricing"] == "unpriced", "model"])
    return ModelSummary(
        u[SUMMARY_COLUMNS],
        n_requests,
        int(u["errors"].sum()) + unattributed,
        unattributed,
        priced_total,
        unpriced,
        _window(filters),
        method,
    )


def _bucket_cost(
    mix: pd.DataFrame, target: str, components=pricing.COMPONENTS
) -> tuple[pd.Series, pd.Series]:
    """Cost of each mix row under ``target``'s rates (USD) and whether the row's tier was unambiguous.

    NaN cost when the target is unpriced or the row's requests straddle one of its tier starts.
    """
    rates = pricing.model_rates(target)
    if not rates or mix.empty:
        return pd.Series(np.nan, index=mix.index), pd.Series(bool(rates), index=mix.index)
    starts = np.array([r.min_input for r in rates])
    lo = np.searchsorted(starts, mix["min_total_input"].to_numpy(dtype="float64"), side="right") - 1
    hi = np.searchsorted(starts, mix["max_total_input"].to_numpy(dtype="float64"), side="right") - 1
    exact = lo == hi
    cost = np.zeros(len(mix))
    for comp in components:
        per_token = np.array([getattr(r, comp) for r in rates])[lo]
        cost += mix[pricing.TOKEN_COLUMNS[comp]].to_numpy(dtype="float64") * per_token
    cost[~exact] = np.nan
    return pd.Series(cost, index=mix.index), pd.Series(exact, index=mix.index)


def reprice(mix: pd.DataFrame, targets: Sequence[str] = (), filters: Filters | None = None) -> Repricing:
    """Price every model's actual token mix under every other (priced) model.

    Parameters
    ----------
    mix : DataFrame
        Output of :func:`load_token_mix`.
    targets : sequence of str
        Extra target models besides the models in ``mix`` (for example
        :data:`DEFAULT_ALTERNATIVES`); models the price book does not know,
        and models priced exactly like one already listed (an alias of a
        dated model in the data), are skipped as targets.

    Returns
    -------
    Repricing
        Empty table for an empty mix. Re-pricing a model under itself gives
        its price-book cost.
    """
    method = REPRICE_RULE
    if mix is None or mix.empty:
        return Repricing(pd.DataFrame(columns=REPRICE_COLUMNS), pd.DataFrame(), 0, _window(filters), method)
    sources = sorted(mix["model"].unique())
    target_list = _distinct_priced([*sources, *targets])
    costs = {t: _bucket_cost(mix, t) for t in target_list}
    rows = []
    for s in sources:
        part = mix["model"] == s
        m = mix[part]
        actual = float(m["cost_usd"].sum(min_count=1)) if m["priced_requests"].sum() else float("nan")
        own = costs.get(s)
        book = float(own[0][part].sum()) if own is not None and own[1][part].all() else float("nan")
        for t in target_list:
            c, ok = costs[t]
            repriced = float(c[part].sum()) if ok[part].all() else float("nan")
            rows.append(
                dict(
                    source_model=s,
                    target_model=t,
                    requests=int(m["requests"].sum()),
                    actual_cost_usd=actual,
                    book_cost_usd=book,
                    repriced_cost_usd=repriced,
                    difference_usd=repriced - book,
                    ratio=_div(repriced, book) if book == book else float("nan"),
                    exact=bool(ok[part].all()),
                )
            )
    table = pd.DataFrame(rows, columns=REPRICE_COLUMNS)
    matrix = (
        table.pivot(index="source_model", columns="target_model", values="repriced_cost_usd")
        if rows
        else (pd.DataFrame())
    )
    return Repricing(table, matrix, int(mix["requests"].sum()), _window(filters), method)


_SAVINGS_COLUMNS = ["source_model", "requests", "current_cost_usd", "projected_cost_usd", "savings_usd"]
"""Columns of :attr:`SavingsRecommendation.per_source`."""


def _cheapest_target(small: pd.DataFrame, options: list[str]) -> str | None:
    """The model of ``options`` that prices all ``small`` rows lowest (the earlier on a tie).

    Models that cannot price every row (unpriced, or a row straddling a tier
    start) are skipped; None when none can.
    """
    totals = {}
    for m in options:
        c, ok = _bucket_cost(small, m)
        if ok.all():
            totals[m] = float(c.sum())
    if not totals:
        return None
    return min(totals, key=lambda m: (totals[m], options.index(m)))


def _savings_per_source(small: pd.DataFrame, target: str) -> pd.DataFrame:
    """Per priced source model, what its ``small`` rows cost and would cost on ``target``.

    Columns as in :attr:`SavingsRecommendation.per_source`; only sources that
    would save, and whose rows both models price unambiguously.
    """
    projected_all, ok_t = _bucket_cost(small, target)
    rows = []
    for s in sorted(small["model"].unique()):
        if s == target or not pricing.model_rates(s):
            continue
        part = small["model"] == s
        current, ok_s = _bucket_cost(small[part], s)
        if not (ok_s.all() and ok_t[part].all()):
            continue
        cur, proj = float(current.sum()), float(projected_all[part].sum())
        if cur - proj > 0:
            rows.append(
                dict(
                    source_model=s,
                    requests=int(small.loc[part, "requests"].sum()),
                    current_cost_usd=cur,
                    projected_cost_usd=proj,
                    savings_usd=cur - proj,
                )
            )
    return pd.DataFrame(rows, columns=_SAVINGS_COLUMNS)


def _price_book_total(mix: pd.DataFrame) -> float:
    """Price-book cost (USD) of all ``mix`` rows of the models that price their rows unambiguously."""
    total = 0.0
    for s in mix["model"].unique():
        c, ok = _bucket_cost(mix[mix["model"] == s], s)
        if ok.all() and pricing.model_rates(s):
            total += float(c.sum())
    return total


def _savings_recommendation(
    mix: pd.DataFrame, target: str, limit: int, per_source: pd.DataFrame, filters: Filters | None
) -> SavingsRecommendation:
    """The totals of ``per_source`` (:func:`_savings_per_source`) against all of ``mix``, in numbers and words."""
    moved = int(per_source["requests"].sum())
    current = float(per_source["current_cost_usd"].sum())
    projected = float(per_source["projected_cost_usd"].sum())
    savings = current - projected
    share = moved / int(mix["requests"].sum())
    book_total = _price_book_total(mix)
    savings_share = savings / book_total if book_total else float("nan")
    names = ", ".join(per_source["source_model"])
    assumption = (
        f"Assumes the {moved:,} requests with fewer than {limit:,} output tokens now answered by {names} would use "
        f"the same tokens on {target} and still give acceptable answers; both sides are priced with the same "
        "price book, each request in its own tier."
    )
    sentence = (
        f"Moving the {moved:,} requests with fewer than {limit:,} output tokens ({share:.0%} of requests) from "
        f"{names} to {target} would have cost ${projected:,.2f} instead of ${current:,.2f}: "
        f"${savings:,.2f} less ({savings_share:.0%} of the price-book cost of all requests)."
    )
    method = f"Small requests (output < {limit} tokens) re-priced under {target}. {REPRICE_RULE}"
    return SavingsRecommendation(
        target,
        limit,
        moved,
        share,
        current,
        projected,
        savings,
        savings_share,
        per_source,
        assumption,
        sentence,
        _window(filters),
        method,
    )


def recommend_savings(
    mix: pd.DataFrame,
    target: str | None = None,
    candidates: Sequence[str] = DEFAULT_ALTERNATIVES,
    min_requests: int = 20,
    filters: Filters | None = None,
) -> SavingsRecommendation | None:
    """What moving small requests to a cheaper model would have saved, with the assumption stated.

    Small requests are those with fewer than ``small_output_limit`` output
    tokens (set when loading the mix). The estimate assumes each moved request
    would use the same tokens on ``target`` and still give an acceptable answer;
    both sides are priced with the same price book, each request in its own
    tier.

    Parameters
    ----------
    mix : DataFrame
        Output of :func:`load_token_mix`.
    target : str, optional
        The cheaper model; by default the priced model among the models in the
        data and ``candidates`` (data names first when two price the same)
        that prices all small requests lowest.
    min_requests : int
        Fewer small requests than this to move gives None.

    Returns
    -------
    SavingsRecommendation or None
        None for an empty mix, too few small requests or no saving.
    """
    if mix is None or mix.empty:
        return None
    small = mix[mix["small"] == 1]
    if small.empty:
        return None
    limit = int(mix["small_output_limit"].iloc[0])
    if target is None:
        target = _cheapest_target(small, _distinct_priced([*sorted(mix["model"].unique()), *candidates]))
        if target is None:
            return None
    per_source = _savings_per_source(small, target)
    if int(per_source["requests"].sum()) < min_requests or per_source.empty:
        return None
    return _savings_recommendation(mix, target, limit, per_source, filters)


def cache_efficiency(mix: pd.DataFrame, filters: Filters | None = None) -> CacheEfficiency:
    """Cache-read share of input, 1-hour vs 5-minute writes, and the money cache reads saved.

    Returns
    -------
    CacheEfficiency
        Empty table and NaN totals for an empty mix.
    """
    method = (
        "read share = cache reads / (input + cache reads + cache writes); savings = cache reads x (input rate - "
        "cache read rate) - cache writes x (write rate - input rate), at each request tier's rates."
    )
    nan = float("nan")
    if mix is None or mix.empty:
        return CacheEfficiency(
            pd.DataFrame(columns=CACHE_COLUMNS), nan, nan, nan, nan, nan, (), 0, _window(filters), method
        )
    rows = []
    unpriced = []
    for m in sorted(mix["model"].unique()):
        part = mix[mix["model"] == m]
        sums = {
            c: int(part[c].sum())
            for c in (
                "requests",
                "input_tokens",
                "cache_read_tokens",
                "cache_write_5m_tokens",
                "cache_write_1h_tokens",
            )
        }
        total_input = (
            sums["input_tokens"]
            + sums["cache_read_tokens"]
            + sums["cache_write_5m_tokens"]
            + sums["cache_write_1h_tokens"]
        )
        writes = sums["cache_write_5m_tokens"] + sums["cache_write_1h_tokens"]
        if pricing.model_rates(m):
            reads = _component_delta(part, m, "cache_read_tokens", "input", "cache_read")
            w5 = _component_delta(part, m, "cache_write_5m_tokens", "cache_write_5m", "input")
            w1 = _component_delta(part, m, "cache_write_1h_tokens", "cache_write_1h", "input")
            premium = w5 + w1
        else:
            unpriced.append(m)
            reads = premium = nan
        rows.append(
            dict(
                model=m,
                **sums,
                total_input_tokens=total_input,
                read_share=_div(sums["cache_read_tokens"], total_input),
                write_1h_share=_div(sums["cache_write_1h_tokens"], writes),
                read_savings_usd=reads,
                write_premium_usd=premium,
                net_savings_usd=reads - premium,
            )
        )
    table = pd.DataFrame(rows, columns=CACHE_COLUMNS)
    tot_input = int(table["total_input_tokens"].sum())
    tot_writes = int(table["cache_write_5m_tokens"].sum() + table["cache_write_1h_tokens"].sum())
    return CacheEfficiency(
        table,
        _div(int(table["cache_read_tokens"].sum()), tot_input),
        _div(int(table["cache_write_1h_tokens"].sum()), tot_writes),
        float(table["read_savings_usd"].sum(min_count=1)),
        float(table["write_premium_usd"].sum(min_count=1)),
        float(table["net_savings_usd"].sum(min_count=1)),
        tuple(unpriced),
        int(table["requests"].sum()),
        _window(filters),
        method,
    )


def _component_delta(part: pd.DataFrame, model: str, tokens: str, plus: str, minus: str) -> float:
    """sum(tokens x (rate[plus] - rate[minus])) at each row's tier of ``model`` (USD; NaN if a tier is ambiguous)."""
    rates = pricing.model_rates(model)
    starts = np.array([r.min_input for r in rates])
    lo = np.searchsorted(starts, part["min_total_input"].to_numpy(dtype="float64"), side="right") - 1
    hi = np.searchsorted(starts, part["max_total_input"].to_numpy(dtype="float64"), side="right") - 1
    if (lo != hi).any():
        return float("nan")
    delta = np.array([getattr(r, plus) - getattr(r, minus) for r in rates])[lo]
    return float((part[tokens].to_numpy(dtype="float64") * delta).sum())
