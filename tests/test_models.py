from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from apptest_helpers import insert_events as insert
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import pricing, rollups
from analytics.filters import Filters
from analytics.models import (
    DEFAULT_ALTERNATIVES,
    MIX_COLUMNS,
    USAGE_COLUMNS,
    cache_efficiency,
    load_model_totals,
    load_model_usage,
    load_token_mix,
    load_unpriced_models,
    model_summary,
    recommend_savings,
    reprice,
)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ALL = Filters()
SONNET = "claude-sonnet-4-5"
HAIKU = "claude-haiku-4-5"
OPUS = "claude-opus-4-5"
_ids = itertools.count()


def req(
    model: str,
    input_tokens=0,
    output_tokens=0,
    cache_read_tokens=0,
    cache_write_5m_tokens=0,
    cache_write_1h_tokens=0,
    cost_usd="book",
    duration_ms=None,
    event="api_request",
) -> dict:
    i = next(_ids)
    if cost_usd == "book":
        cost_usd = pricing.reference_cost(
            model,
            input_tokens,
            output_tokens,
            cache_read_tokens,
            cache_write_5m_tokens,
            cache_write_1h_tokens,
        )
    return dict(
        ts=T0 + timedelta(seconds=i),
        source="demo",
        event=event,
        session_id=f"s{i % 3}",
        event_id=f"e{i}",
        seq=i,
        model=model,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=cache_read_tokens,
        cache_write_5m_tokens=cache_write_5m_tokens,
        cache_write_1h_tokens=cache_write_1h_tokens,
        cost_usd=cost_usd,
        duration_ms=duration_ms,
        version=1,
    )


def cell(rep, source: str, target: str) -> dict:
    r = rep.table[(rep.table["source_model"] == source) & (rep.table["target_model"] == target)]
    assert len(r) == 1
    return r.iloc[0].to_dict()


def test_model_summary_costs_errors_latency(empty_store):
    insert(
        empty_store,
        [
            req(SONNET, 100, 10, cost_usd=0.1, duration_ms=300.0),
            req(SONNET, 100, 10, cost_usd=0.2, duration_ms=100.0),
            req(SONNET, 100, 10, cost_usd=0.3, duration_ms=200.0),
            req(SONNET, event="api_error", cost_usd=None),
            req("", event="api_error", cost_usd=None),
            req("mystery-model", 1000, 50, cost_usd=None),
            req("mystery-model", 3000, 150, cost_usd=None),
        ],
    )
    s = model_summary(load_model_usage(empty_store, ALL), filters=ALL)
    assert (s.n_requests, s.n_errors, s.unattributed_errors) == (5, 2, 1)
    assert s.unpriced_models == ("mystery-model",)
    assert s.priced_cost_usd == pytest.approx(0.6)
    totals = load_model_totals(empty_store, ALL)  # the same sums in one row
    assert (totals.n_requests, totals.n_errors) == (5, 2) and totals.priced_cost_usd == pytest.approx(0.6)
    mystery = load_model_totals(empty_store, Filters(models=("mystery-model",)))  # and its model-less error
    assert (mystery.n_requests, mystery.n_errors) == (2, 1) and math.isnan(mystery.priced_cost_usd)
    t = s.table.set_index("model")
    assert list(t.index) == [SONNET, "mystery-model"]
    son = t.loc[SONNET]
    assert (son["requests"], son["errors"], son["pricing"]) == (3, 1, "priced")
    assert son["error_rate"] == 0.25
    assert son["cost_usd"] == pytest.approx(0.6)
    assert son["cost_per_request"] == pytest.approx(0.2)
    assert (son["p50_ms"], son["p95_ms"], son["timed_requests"]) == (200.0, 300.0, 3)
    assert son["share_of_requests"] == 0.6
    assert son["share_of_cost"] == pytest.approx(1.0)
    mys = t.loc["mystery-model"]
    assert mys["pricing"] == "unpriced"
    assert pd.isna(mys["cost_usd"]) and pd.isna(mys["cost_per_request"]) and pd.isna(mys["share_of_cost"])
    assert (mys["input_tokens"], mys["output_tokens"], mys["total_tokens"]) == (4000, 200, 4200)
    assert pd.isna(mys["p50_ms"]) and mys["timed_requests"] == 0
    assert mys["error_rate"] == 0.0


def test_reprice_one_request_matches_reference(empty_store):
    tokens = dict(
        input_tokens=1000,
        output_tokens=500,
        cache_read_tokens=20000,
        cache_write_5m_tokens=3000,
        cache_write_1h_tokens=2000,
    )
    insert(empty_store, [req(SONNET, **tokens)])
    rep = reprice(load_token_mix(empty_store, ALL), targets=[HAIKU, OPUS])
    for target in (SONNET, HAIKU, OPUS):
        assert cell(rep, SONNET, target)["repriced_cost_usd"] == pytest.approx(
            pricing.reference_cost(target, **tokens), rel=1e-12
        )
    # written out for Haiku 4.5: 1000 x 1 + 500 x 5 + 20000 x 0.1 + 3000 x 1.25 + 2000 x 2 per million
    assert cell(rep, SONNET, HAIKU)["repriced_cost_usd"] == pytest.approx(0.01325)
    c = cell(rep, SONNET, SONNET)
    assert c["book_cost_usd"] == pytest.approx(c["actual_cost_usd"])
    assert c["ratio"] == pytest.approx(1.0) and c["exact"]


def test_long_context_sonnet_uses_its_own_tier(empty_store):
    long_req = dict(input_tokens=50_000, output_tokens=1000, cache_read_tokens=200_000)  # 250k total input
    short_req = dict(input_tokens=50_000, output_tokens=1000)
    insert(empty_store, [req(SONNET, **long_req), req(SONNET, **short_req), req(HAIKU, **long_req)])
    mix = load_token_mix(empty_store, ALL)
    rep = reprice(mix)
    # long: 50k x $6/M + 1000 x $22.5/M + 200k x $0.6/M = 0.4425; short: 50k x $3/M + 1000 x $15/M = 0.165
    assert pricing.reference_cost(SONNET, **long_req) == pytest.approx(0.4425)
    assert cell(rep, SONNET, SONNET)["repriced_cost_usd"] == pytest.approx(0.4425 + 0.165)
    # the Haiku request re-priced as Sonnet pays the long-context rates too
    assert cell(rep, HAIKU, SONNET)["repriced_cost_usd"] == pytest.approx(0.4425)
    # pricing the summed tokens at one tier would be wrong
    summed = pd.DataFrame(
        [
            {
                "model": SONNET,
                "input_tokens": 100_000,
                "output_tokens": 2000,
                "cache_read_tokens": 200_000,
                "cache_write_5m_tokens": 0,
                "cache_write_1h_tokens": 0,
            }
        ]
    )
    assert pricing.cost_of(summed)[0] != pytest.approx(0.4425 + 0.165)


def test_reprice_equals_per_request_computation(empty_store):
    rng = np.random.default_rng(7)
    rows = []
    for i in range(120):
        model = [SONNET, HAIKU, "claude-sonnet-4-20250514"][i % 3]
        total = int(rng.choice([5_000, 150_000, 199_999, 200_000, 200_001, 210_000, 400_000]))
        cr = int(rng.integers(0, total))
        w5 = int(rng.integers(0, total - cr + 1))
        w1 = int(rng.integers(0, total - cr - w5 + 1))
        rows.append(req(model, total - cr - w5 - w1, int(rng.integers(0, 3000)), cr, w5, w1))
    insert(empty_store, rows)
    rep = reprice(load_token_mix(empty_store, ALL), targets=[OPUS])
    per_request = pd.DataFrame(rows)
    for target in (SONNET, HAIKU, OPUS, "claude-sonnet-4-20250514"):
        expected = pricing.cost_of(per_request.assign(model=target)).groupby(per_request["model"]).sum()
        for source, value in expected.items():
            assert cell(rep, source, target)["repriced_cost_usd"] == pytest.approx(value, rel=1e-9)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.sampled_from([SONNET, HAIKU, OPUS]),
            st.integers(0, 300_000),
            st.integers(0, 5000),
            st.integers(0, 300_000),
            st.integers(0, 50_000),
            st.integers(0, 50_000),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_repricing_under_same_model_is_original_cost(empty_store, requests):
    empty_store.command_sql("TRUNCATE TABLE events")
    insert(empty_store, [req(*r) for r in requests])
    rep = reprice(load_token_mix(empty_store, ALL))
    for model in {r[0] for r in requests}:
        c = cell(rep, model, model)
        assert c["repriced_cost_usd"] == pytest.approx(c["actual_cost_usd"], rel=1e-9, abs=1e-12)


def test_unpriced_source_is_not_zero(empty_store):
    insert(empty_store, [req("mystery-model", 1000, 100, cost_usd=None)])
    rep = reprice(load_token_mix(empty_store, ALL), targets=[HAIKU])
    c = cell(rep, "mystery-model", HAIKU)
    assert pd.isna(c["actual_cost_usd"]) and pd.isna(c["book_cost_usd"]) and pd.isna(c["difference_usd"])
    assert c["repriced_cost_usd"] == pytest.approx(0.0015)  # 1000 x $1/M + 100 x $5/M
    assert set(rep.table["target_model"]) == {HAIKU}


def test_savings_recommendation(empty_store):
    rows = [req(SONNET, 1000, 100) for _ in range(30)] + [req(SONNET, 10_000, 2000)]
    insert(empty_store, rows)
    mix = load_token_mix(empty_store, ALL, small_output=500)
    rec = recommend_savings(mix, filters=ALL)
    assert rec is not None
    assert rec.target_model == HAIKU
    assert (rec.requests_moved, rec.small_output) == (30, 500)
    # per small request: Sonnet 1000 x 3 + 100 x 15 = $0.0045 per million-scaled, Haiku 1000 x 1 + 100 x 5 = $0.0015
    assert rec.current_cost_usd == pytest.approx(0.135)
    assert rec.projected_cost_usd == pytest.approx(0.045)
    assert rec.savings_usd == pytest.approx(0.09)
    assert rec.share_of_requests == pytest.approx(30 / 31)
    assert rec.savings_share == pytest.approx(0.09 / (0.135 + 0.06))
    assert rec.sentence == (
        "Moving the 30 requests with fewer than 500 output tokens (97% of requests) from claude-sonnet-4-5 to "
        "claude-haiku-4-5 would have cost $0.04 instead of $0.14: $0.09 less (46% of the price-book cost of "
        "all requests)."
    )
    assert "same tokens" in rec.assumption
    assert recommend_savings(mix, min_requests=31) is None
    assert recommend_savings(mix, target=OPUS) is None  # Opus is dearer: no saving


def test_cache_efficiency(empty_store):
    insert(
        empty_store,
        [
            req(
                SONNET, 1000, 10, cache_read_tokens=8000, cache_write_5m_tokens=600, cache_write_1h_tokens=400
            ),
            req("mystery-model", 500, 10, 500, cost_usd=None),
        ],
    )
    ce = cache_efficiency(load_token_mix(empty_store, ALL))
    t = ce.table.set_index("model")
    son = t.loc[SONNET]
    assert son["read_share"] == 0.8
    assert son["write_1h_share"] == 0.4
    assert son["read_savings_usd"] == pytest.approx(8000 * (3e-6 - 3e-7))
    assert son["write_premium_usd"] == pytest.approx(600 * 0.75e-6 + 400 * 3e-6)
    assert son["net_savings_usd"] == pytest.approx(0.0216 - 0.00165)
    assert pd.isna(t.loc["mystery-model", "read_savings_usd"])
    assert ce.unpriced_models == ("mystery-model",)
    assert ce.read_share == pytest.approx(8500 / 11000)
    assert ce.net_savings_usd == pytest.approx(0.01995)
    assert ce.n_requests == 2


def test_empty_store(empty_store):
    usage = load_model_usage(empty_store, ALL)
    mix = load_token_mix(empty_store, ALL)
    assert usage.empty and mix.empty
    assert list(usage.columns) == USAGE_COLUMNS and list(mix.columns) == MIX_COLUMNS
    assert model_summary(usage).table.empty
    assert reprice(mix).table.empty
    assert recommend_savings(mix) is None
    ce = cache_efficiency(mix)
    assert ce.table.empty and pd.isna(ce.read_share)


def test_aliases_priced_like_a_data_model_are_not_repeated(empty_store):
    dated = "claude-haiku-4-5-20251001"
    insert(
        empty_store, [req(dated, 1000, 100) for _ in range(25)] + [req(SONNET, 1000, 100) for _ in range(25)]
    )
    mix = load_token_mix(empty_store, ALL)
    rep = reprice(mix, targets=DEFAULT_ALTERNATIVES)
    assert sorted(set(rep.table["target_model"])) == [dated, OPUS, SONNET]
    rec = recommend_savings(mix)
    assert rec.target_model == dated
    assert list(rec.per_source["source_model"]) == [SONNET]
    assert rec.requests_moved == 25


def test_model_filter_keeps_only_that_model(empty_store):
    insert(empty_store, [req(SONNET, 100, 10), req(HAIKU, 100, 10)])
    usage = load_model_usage(empty_store, Filters(models=(HAIKU,)))
    assert list(usage["model"]) == [HAIKU]


def test_demo_data_reprices_to_its_own_cost(demo_store):
    mix = load_token_mix(demo_store, ALL)
    rep = reprice(mix, targets=DEFAULT_ALTERNATIVES)
    own = rep.table[rep.table["source_model"] == rep.table["target_model"]]
    assert len(own) >= 2
    for r in own.itertuples():
        assert r.repriced_cost_usd == pytest.approx(r.actual_cost_usd, rel=1e-9)
    summary = model_summary(load_model_usage(demo_store, ALL))
    assert summary.n_requests == int(mix["requests"].sum())
    totals = load_model_totals(demo_store, ALL)
    assert (totals.n_requests, totals.n_errors) == (summary.n_requests, summary.n_errors)
    assert totals.priced_cost_usd == pytest.approx(summary.priced_cost_usd, rel=1e-12)
    unpriced = summary.table[summary.table["pricing"] == "unpriced"]
    assert unpriced["cost_usd"].isna().all()


def test_unpriced_models_without_the_usage_frame(empty_store):
    insert(
        empty_store,
        [
            req("mystery-model", 1000, 100, cost_usd=None),
            req("mystery-model", 10, 1, cost_usd=None),
            req(SONNET, 1000, 100),
            req(HAIKU, 1000, 100),
            req(HAIKU, 1000, 100, cost_usd=None),  # partly priced: not unpriced
            req("errors-only-model", event="api_error"),
            req("", event="api_error"),  # a transcript error without a model: no model at all
        ],
    )
    assert load_unpriced_models(empty_store, ALL) == ("mystery-model", "errors-only-model")
    assert (
        load_unpriced_models(empty_store, ALL)
        == model_summary(load_model_usage(empty_store, ALL)).unpriced_models
    )
    rollups.rebuild(empty_store)  # the same from the hourly rollup
    year = Filters(start=datetime(2025, 1, 1, tzinfo=UTC), end=datetime(2026, 1, 1, tzinfo=UTC))
    assert rollups.query_name(empty_store, year, "models_unpriced") == "models_unpriced_rollup"
    assert load_unpriced_models(empty_store, year) == ("mystery-model", "errors-only-model")
