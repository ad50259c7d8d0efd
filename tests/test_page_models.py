from datetime import UTC, datetime, timedelta

import pandas as pd
from apptest_helpers import (
    charts,
    frames_with,
    insert_events,
    metric,
    one_session,
    page,
    page_filters,
    vs_before,
)

from analytics import fmt, models
from ui.components import literal

UNPRICED = "claude-experimental-x"


def test_renders_on_demo_and_numbers_match_the_analytics(app_on_demo, demo_store):
    at = page("models").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Models"]
    f = page_filters(demo_store)
    summary = models.model_summary(models.load_model_usage(demo_store, f))
    mix = models.load_token_mix(demo_store, f)
    savings = models.recommend_savings(mix)
    cache = models.cache_efficiency(mix)
    repricing = models.reprice(mix, models.DEFAULT_ALTERNATIVES)
    assert metric(at, "Requests").value == f"{summary.n_requests:,}"
    assert metric(at, "Spend (priced models)").value == fmt.money(summary.priced_cost_usd)
    assert metric(at, "API error rate").value == fmt.pct(
        summary.n_errors / (summary.n_requests + summary.n_errors)
    )
    assert metric(at, "Possible saving").value == fmt.money(savings.savings_usd)
    # against the 30 days before, from that window's per-model rows
    before = models.model_summary(models.load_model_usage(demo_store, f.previous()))
    assert before.n_requests and before.n_requests != summary.n_requests
    assert metric(at, "Requests").delta == vs_before(summary.n_requests, before.n_requests, "{:,}".format)
    spend = vs_before(summary.priced_cost_usd, before.priced_cost_usd, fmt.money)
    assert metric(at, "Spend (priced models)").delta == spend
    assert metric(at, "Read share of input").value == fmt.pct(cache.read_share, 1)
    assert metric(at, "1-hour share of cache writes").value == fmt.pct(cache.write_1h_share, 1)
    assert metric(at, "Net saving from the cache").value == fmt.money(cache.net_savings_usd)

    (per_model,) = frames_with(at, "model", "pricing", "cost")
    assert per_model["model"].tolist() == summary.table["model"].tolist()
    assert per_model["cost"].tolist() == [fmt.money(x) for x in summary.table["cost_usd"]]
    row = per_model.set_index("model").loc[UNPRICED]
    assert (row["cost"], row["per_request"], row["pricing"]) == ("unpriced", "unpriced", "unpriced")
    assert not per_model["cost"].str.fullmatch(r"\$0(\.00)?").any()  # never $0
    assert any(literal(UNPRICED) in w.value for w in at.warning)

    (matrix,) = frames_with(at, "requests answered by")
    expected = repricing.matrix.reset_index()
    assert matrix["requests answered by"].tolist() == expected["source_model"].tolist()
    for target in repricing.matrix.columns:
        assert matrix[target].tolist() == expected[target].tolist()
    _, (bars,) = charts(at)["What would each model's requests have cost on another model?"]
    assert len(bars) == len(repricing.table)

    texts = [t.value for t in at.text]
    assert savings.sentence in texts
    assert savings.assumption in texts and "same tokens" in savings.assumption
    (per_source,) = frames_with(at, "source_model", "savings_usd")
    pd.testing.assert_frame_equal(per_source, savings.per_source, check_dtype=False)


def test_only_an_unpriced_model_shows_unpriced_not_zero(app_on_demo, demo_store):
    at = page("models", model=UNPRICED).run()
    assert not at.exception
    assert metric(at, "Spend (priced models)").value == "unpriced"
    (per_model,) = frames_with(at, "model", "pricing", "cost")
    assert per_model["model"].tolist() == [UNPRICED] and per_model["cost"].tolist() == ["unpriced"]
    assert any(literal(UNPRICED) in w.value for w in at.warning)
    summary = models.model_summary(
        models.load_model_usage(demo_store, page_filters(demo_store, model=UNPRICED))
    )
    assert metric(at, "Requests").value == f"{summary.n_requests:,}"


def test_empty_store_says_so(app_on_empty):
    at = page("models").run()
    assert not at.exception
    assert len(at.info) == 1 and "the store is empty" in at.info[0].value
    assert not at.metric


def test_a_single_priced_model_renders(app_on_empty):
    insert_events(app_on_empty, one_session(datetime.now(UTC) - timedelta(hours=2)))
    at = page("models").run()
    assert not at.exception
    assert metric(at, "Requests").value == "2"
    assert metric(at, "Spend (priced models)").value == "$0.05"
    assert metric(at, "Possible saving").value == "–"
    assert any(c.value.startswith("No saving to suggest") for c in at.caption)
    assert not at.warning
    (per_model,) = frames_with(at, "model", "pricing", "cost")
    assert per_model[["model", "pricing", "cost"]].values.tolist() == [
        ["claude-sonnet-4-5", "priced", "$0.05"]
    ]
