"""Price book: per-token rates per (model, long-context tier) from genai-prices.

genai-prices costs ~0.4 ms a call, so it is never called per request. Instead
:func:`model_rates` reads each distinct model's price once into a few rows of
per-token rates (the store keeps them in its ``prices`` table, filled by
:mod:`analytics.ingest.prices`); costs are then computed vectorised (in SQL at
ingest, in pandas for re-pricing) keeping each request's own tier.

This module is pure: it reads genai-prices, never the store.

Token mapping (DESIGN.md section 4): a request's *total input* is Anthropic's
``input_tokens + cache_read + cache_write_5m + cache_write_1h``; a tier whose
``start`` is exceeded by that total prices the whole request. 5-minute cache
writes are charged at ``cache_write_mtok``, 1-hour writes at
``cache_write_1h_mtok`` (falling back to the 5-minute rate when a model has no
separate 1-hour price).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pandas as pd

PROVIDER = "anthropic"
DEFAULT_ALTERNATIVES = ("claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-5")
"""Models every token mix is also re-priced under, besides the models in the data."""
SMALL_OUTPUT = 500
"""Requests with fewer output tokens than this are the candidates of a move to a cheaper model."""
COMPONENTS = ("input", "output", "cache_read", "cache_write_5m", "cache_write_1h")
TOKEN_COLUMNS = {
    "input": "input_tokens",
    "output": "output_tokens",
    "cache_read": "cache_read_tokens",
    "cache_write_5m": "cache_write_5m_tokens",
    "cache_write_1h": "cache_write_1h_tokens",
}
_FIELDS = {
    "input": "input_mtok",
    "output": "output_mtok",
    "cache_read": "cache_read_mtok",
    "cache_write_5m": "cache_write_mtok",
    "cache_write_1h": "cache_write_1h_mtok",
}


@dataclass(frozen=True)
class Rate:
    """Per-token USD rates of one model above ``min_input - 1`` total input tokens."""

    model: str
    min_input: int
    input: float
    output: float
    cache_read: float
    cache_write_5m: float
    cache_write_1h: float


def _tier_value(price, tier_start: int) -> Decimal | None:
    """Price per million tokens in effect for requests whose input exceeds ``tier_start``."""
    if price is None:
        return None
    if isinstance(price, Decimal | int | float):
        return Decimal(price)
    value = price.base
    for tier in price.tiers:
        if tier_start >= tier.start:
            value = tier.price
    return value


@cache
def model_rates(model: str) -> tuple[Rate, ...]:
    """Rates of ``model`` by tier, or ``()`` when genai-prices does not know it."""
    from genai_prices import data_snapshot

    if not model or model.startswith("<"):
        return ()
    snapshot = data_snapshot.get_snapshot()
    try:
        _, info = snapshot.find_provider_model(model, None, PROVIDER, None)
    except LookupError:
        return ()
    prices = info.get_prices(datetime.now(UTC))
    starts = {0}
    for fld in _FIELDS.values():
        p = getattr(prices, fld, None)
        for tier in getattr(p, "tiers", None) or []:
            starts.add(int(tier.start))
    rows = []
    for start in sorted(starts):
        per_m = {c: _tier_value(getattr(prices, f, None), start) for c, f in _FIELDS.items()}
        if per_m["cache_write_1h"] is None:
            per_m["cache_write_1h"] = per_m["cache_write_5m"]
        vals = {c: float(v or 0) / 1e6 for c, v in per_m.items()}
        rows.append(Rate(model=model, min_input=0 if start == 0 else start + 1, **vals))
    return tuple(rows)


def rate_frame(models) -> pd.DataFrame:
    """Rates of all known ``models`` as a frame with columns model, min_input and COMPONENTS."""
    import pandas as pd

    rows = [r.__dict__ for m in sorted(set(models)) for r in model_rates(m)]
    return pd.DataFrame(rows, columns=["model", "min_input", *COMPONENTS])


def tier_bounds(models: Sequence[str]) -> list[int]:
    """Sorted tier starts (total input tokens at which a tier begins) of ``models``, always with 0."""
    return sorted({0, *(r.min_input for m in set(models) for r in model_rates(m))})


def cost_of(tokens: pd.DataFrame, model_col: str = "model") -> pd.Series:
    """Vectorised cost in USD of each row of ``tokens`` (token columns as in the events table).

    Each row keeps its own tier. Rows whose model is unknown get NaN (unpriced),
    never 0.
    """
    import pandas as pd

    if tokens.empty:
        return pd.Series([], dtype="float64", index=tokens.index)
    rates = rate_frame(tokens[model_col].dropna().unique())
    total_input = sum(
        tokens[TOKEN_COLUMNS[c]] for c in ("input", "cache_read", "cache_write_5m", "cache_write_1h")
    )
    left = pd.DataFrame({"model": tokens[model_col].to_numpy(), "total_input": total_input.to_numpy()})
    left["_row"] = range(len(left))
    if rates.empty:
        return pd.Series(float("nan"), index=tokens.index)
    merged = left.merge(rates, on="model", how="left")
    merged = merged[merged["min_input"].isna() | (merged["total_input"] >= merged["min_input"])]
    merged = merged.sort_values(["_row", "min_input"]).groupby("_row").tail(1).set_index("_row").sort_index()
    cost = sum(tokens[TOKEN_COLUMNS[c]].to_numpy() * merged[c].to_numpy() for c in COMPONENTS)
    return pd.Series(cost, index=tokens.index, dtype="float64")


def reference_cost(
    model: str,
    input_tokens=0,
    output_tokens=0,
    cache_read_tokens=0,
    cache_write_5m_tokens=0,
    cache_write_1h_tokens=0,
) -> float | None:
    """Cost of one request straight from genai-prices (slow; for checks, not for data)."""
    from genai_prices import Usage, calc_price

    writes = cache_write_5m_tokens + cache_write_1h_tokens
    usage = Usage(
        input_tokens=input_tokens + cache_read_tokens + writes,
        output_tokens=output_tokens,
        cache_read_tokens=cache_read_tokens,
        cache_write_tokens=writes,
        cache_write_1h_tokens=cache_write_1h_tokens,
    )
    try:
        return float(calc_price(usage, model, provider_id=PROVIDER).total_price)
    except LookupError:
        return None
