import json
import math
from datetime import timedelta
from pathlib import Path

import pytest
from apptest_helpers import charts, page_filters
from streamlit.testing.v1 import AppTest

from analytics import api_json, costs, fmt, monitor
from analytics.clock import judged_at
from analytics.filters import local_zone
from analytics.overview import data_bounds
from ui.components import literal

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "costs.py")


def page(**query) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    return at


def metric(at: AppTest, label: str):
    (m,) = [m for m in at.metric if m.label == label]
    return m


def day_spend(store, day) -> float:
    """Spend of one local day, summed from the requests themselves."""
    f = page_filters(store, **{"from": day.isoformat(), "to": day.isoformat()})
    return float(costs.load_request_costs(store, f)["cost_usd"].sum())


def test_renders_on_demo_and_numbers_match_the_analytics(app_on_demo, demo_store):
    last = data_bounds(demo_store, local_zone())[1]
    to = (last - timedelta(days=1)).isoformat()  # a past day: judged at its end, as the test is
    at = page(to=to).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Costs"]
    f = page_filters(demo_store, to=to)
    totals = costs.period_totals(costs.load_cost_series(demo_store, f, "day"))
    assert metric(at, "Spend").value == fmt.money(totals.spend)
    assert metric(at, "Requests").value == f"{totals.requests:,}"
    report = api_json.burnrate_json(
        monitor.cost_burnrate(
            demo_store, f, {"day": 50.0, "month": 1000.0, "session": 10.0}, now=judged_at(f, live=False)
        )
    )
    assert metric(at, "Spent today").value == fmt.money(report["current_cost"])
    assert metric(at, "Burn rate").value == f"{fmt.money(report['burn_rate'])}/h"
    assert metric(at, "Alert level").value == report["status"]
    month = report["projection"]["month"]
    assert metric(at, "Projected this month").value == (fmt.money(month["projected"]) if month else "–")
    assert (
        at.segmented_control(key="period").value == "day" and at.segmented_control(key="by").value == "model"
    )
    provenance = [df.value for df in at.dataframe if "cost_source" in df.value.columns]
    assert provenance and int(provenance[0]["requests"].sum()) == totals.requests
    assert any(
        literal("claude-experimental-x") in w.value for w in at.warning
    )  # the demo's unpriced model is named


def test_budget_slider_recomputes_the_daily_level(app_on_demo, demo_store):
    tz = local_zone()
    first, last = data_bounds(demo_store, tz)
    # a day whose spend S has a slider step (USD 5) in (S, S / 0.9]: S / budget crosses 90% there
    day = spend = budget = None
    for back in range(1, 40):
        d = last - timedelta(days=back)
        s = day_spend(demo_store, d)
        b = (math.floor(s / 5) + 1) * 5.0
        if s > 0 and s / b >= 0.9:
            day, spend, budget = d, s, b
            break
    assert day is not None, "no demo day fits a CRITICAL budget"
    at = page(to=day.isoformat()).run()
    assert not at.exception
    assert metric(at, "Daily budget").value == costs.budget_status(spend, 50.0, 0.0).level
    at.slider(key="budget_day").set_value(budget).run()
    assert metric(at, "Daily budget").value == "CRITICAL"  # 90% <= S / budget < 100%
    assert at.query_params["budget_day"] == str(budget)
    larger = (math.floor(spend / 0.6 / 5) + 1) * 5.0  # S / larger < 60%
    at.slider(key="budget_day").set_value(larger).run()
    expected = "INFO" if spend / larger >= 0.5 else "OK"
    assert metric(at, "Daily budget").value == expected
    assert metric(at, "Daily budget").delta == f"{spend / larger:.0%} of {fmt.money(larger)} used"


def test_url_seeds_the_budget_sliders(app_on_demo):
    at = page(budget_day="20", budget_month="500", period="week", by="project").run()
    assert not at.exception
    assert at.slider(key="budget_day").value == 20.0
    assert at.slider(key="budget_month").value == 500.0
    assert at.slider(key="budget_session").value == 10.0  # the default
    assert at.segmented_control(key="period").value == "week"
    assert at.segmented_control(key="by").value == "project"


def test_empty_store_says_so(app_on_empty):
    at = page().run()
    assert not at.exception
    assert len(at.info) == 1 and "No API requests" in at.info[0].value
    assert not at.metric


def test_period_control_writes_the_url(app_on_demo):
    at = page().run()
    at.segmented_control(key="period").set_value("month").run()
    assert not at.exception
    assert at.query_params["period"] == "month"
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    (spec,) = [s for s in specs if s.get("title") == "What did each model cost per month?"]  # now per month
    assert spec["encoding"]["x"]["timeUnit"] == "yearmonth"


def test_an_absurd_link_shows_a_warning_and_the_default_view(app_on_demo):
    at = page(to="9999-12-31", tz="x" * 10_000).run()
    assert not at.exception
    (warning,) = [w.value for w in at.warning if "cannot use" in w.value]
    assert "tz must be an IANA time zone" in warning.replace("\\", "")
    assert metric(at, "Spend").value.startswith("$")  # the default window's numbers


def test_spend_trend_and_the_active_block_show_the_librarys_numbers(app_on_demo, demo_store):
    last = data_bounds(demo_store, local_zone())[1]
    to = (last - timedelta(days=1)).isoformat()
    at = page(to=to).run()
    assert not at.exception
    f = page_filters(demo_store, to=to)
    spend = monitor.spend_series(costs.load_cost_series(demo_store, f, "day"))
    fit = monitor.daily_trend(spend)
    _spec, frames = charts(at)["Spend per day and its fitted trend"]
    assert frames[0]["value"].tolist() == pytest.approx(spend.tolist())
    assert any(c.value.startswith(f"Trend: {fit.direction} (Mann–Kendall") for c in at.caption)
    end = judged_at(f, live=False)
    requests = costs.load_request_costs(demo_store, f.days_up_to(end.to_pydatetime(), 30))
    limits = costs.block_limits(costs.usage_blocks(requests, end.to_pydatetime()))
    assert metric(at, "Tokens in the active block").value == fmt.tokens(limits.tokens)
    assert metric(at, "Cost of the active block").value == fmt.money(limits.cost_usd)


def test_the_last_7_days_of_blocks_match_those_of_each_request(app_on_demo, demo_store):
    last = data_bounds(demo_store, local_zone())[1]
    to = (last - timedelta(days=1)).isoformat()
    at = page(to=to, blocks="week").run()
    assert not at.exception and at.toggle(key="blocks").value
    f = page_filters(demo_store, to=to)
    end = judged_at(f, live=False).to_pydatetime()
    expected = costs.usage_blocks(costs.load_request_costs(demo_store, f.days_up_to(end, 7)), end)
    (shown,) = [df.value for df in at.dataframe if "burn_rate_per_hour" in df.value.columns]
    assert len(shown) == len(expected) >= 5  # 7 days of the demo's working hours
    assert shown["requests"].tolist() == expected["requests"].tolist()
    assert shown["cost_usd"].tolist() == pytest.approx(expected["cost_usd"].tolist())
