"""The store's price book: the ``prices`` table, filled from genai-prices for the models in the data.

The JSONL ingest prices each request in SQL by joining this table, so it must
hold every model a run brings before its events are written; re-pricing reads
its tier starts (``models_token_mix.sql``). Every ingest path (JSONL, demo) and
``schema --apply`` call :func:`refresh_prices`; :mod:`analytics.pricing` has
the rates and the tier rule.
"""

from __future__ import annotations

from importlib.metadata import version

from analytics.pricing import COMPONENTS, model_rates


def refresh_prices(store, models) -> int:
    """Add rates for ``models`` not yet in the store's ``prices`` table; returns rows added.

    A model genai-prices does not know gets a marker row of NaN rates, so it is
    looked up once, and its requests are stored as unpriced. The table is
    rebuilt when the installed genai-prices version changes.
    """
    current = version("genai-prices")
    if store.rows("meta_value", key="prices_version")[0][0] != current:
        store.command("prices_truncate")
        store.command("prices_set_version", version=current)
    have = {m for (m,) in store.rows("prices_models")}
    rows = []
    for m in sorted(set(models) - have - {""}):
        rates = model_rates(m)
        rows += [[r.model, r.min_input, *(getattr(r, c) for c in COMPONENTS)] for r in rates]
        if not rates:
            rows.append([m, 0, *([float("nan")] * len(COMPONENTS))])
    if rows:
        store.insert_rows("prices", rows, ["model", "tier_start", *COMPONENTS])
    return len(rows)
