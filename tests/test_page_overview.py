from datetime import timedelta
from pathlib import Path

from apptest_helpers import page_filters, url_view
from streamlit.testing.v1 import AppTest

from analytics import api_json, fmt, monitor
from analytics.clock import judged_at
from analytics.filters import local_zone
from analytics.overview import data_bounds
from ui.components import literal

KEYS = ("error_rate", "cost_burn", "timeout_risk", "tool_sequences", "model_efficiency")
PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "overview.py")
TITLES = [
    "Error Rate Monitor",
    "Cost Burn Rate Tracker",
    "Timeout Risk Assessment",
    "Tool Sequence Optimizer",
    "Model Efficiency Tracker",
]


def page(**query) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    return at


def test_widgets_show_the_api_numbers(app_on_demo, demo_store):
    last = data_bounds(demo_store, local_zone())[1]
    to = (last - timedelta(days=1)).isoformat()  # a past day: the page and the test judge at its end
    at = page(to=to, budget_day="20").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Overview"]
    assert [m.label for m in at.metric] == TITLES
    f, q = page_filters(demo_store, to=to, budget_day="20"), url_view(to=to, budget_day="20")
    assert not q.is_live()
    now = judged_at(f, live=False)
    w = api_json.widgets_json(monitor.telemetry_widgets(demo_store, f, q.budgets, q.threshold_ms, now=now))
    values = {m.label: m.value for m in at.metric}
    assert values["Error Rate Monitor"] == fmt.pct(w["error_rate"]["value"])
    assert values["Cost Burn Rate Tracker"] == fmt.money(w["cost_burn"]["current_cost"])
    assert values["Timeout Risk Assessment"] == fmt.duration_ms(w["timeout_risk"]["value"])
    assert values["Tool Sequence Optimizer"] == (w["tool_sequences"]["value"] or "–")
    assert values["Model Efficiency Tracker"] == fmt.pct(w["model_efficiency"]["value"], 0)
    deltas = [m.delta for m in at.metric]
    for key, delta in zip(KEYS, deltas, strict=True):
        t = w[key]["trend"]
        assert delta == (f"{t['arrow']} {t['direction'].lower()}" if t["direction"] else None)
    badges = [m.value for m in at.markdown if "-badge[" in m.value]
    assert len(badges) == 5
    assert [b.split("[")[1].rstrip("]") for b in badges] == [w[k]["level"] for k in KEYS]
    assert w["cost_burn"]["budget"] == 20.0  # the URL's budget reached the widget
    reasons = [c.value for c in at.caption if c.value.startswith("**")]
    assert reasons[0].startswith("**Past window**: today's figures are as of ")
    assert [r.split("**")[1] for r in reasons[1:]] == [w[k]["level"] for k in KEYS]
    assert reasons[1].endswith(literal(w["error_rate"]["reason"]))
    changes = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert changes == ["\n".join(f"- {literal(s)}" for s in w["changes"])]
    shared = f"?to={to}&budget_day=20"
    links = [m.value for m in at.markdown if m.value.startswith("[Open ")]
    assert links == [
        f"[Open {p}](/{p.lower()}{shared})" for p in ("Errors", "Costs", "Errors", "Tools", "Models")
    ]
    trend_links = [m.value for m in at.markdown if "fitted](" in m.value]
    assert [t.split("](")[1].rstrip(")") for t in trend_links] == [
        w[k]["chart"].replace("#", f"{shared}#") for k in KEYS
    ]


def test_demo_unpriced_model_is_named(app_on_demo):
    at = page().run()
    assert not at.exception
    assert any(literal("claude-experimental-x") in w.value for w in at.warning)


def test_empty_store_says_so(app_on_empty):
    at = page().run()
    assert not at.exception
    assert len(at.info) == 1 and "no telemetry yet" in at.info[0].value
    assert not at.metric


def test_range_without_calls_says_so(app_on_demo):
    at = page(**{"from": "2001-01-01", "to": "2001-01-31"}).run()
    assert not at.exception
    assert (
        len(at.info) == 1 and "No API calls or tool calls from 2001-01-01 to 2001-01-31" in at.info[0].value
    )


def failing_widgets(store, filters, **kwargs):
    from analytics.store import StoreError

    raise StoreError("The store at test failed on first_widgets: Code: 159. Timeout exceeded")


def test_a_query_failing_after_the_store_opened_is_a_message_not_a_traceback(app_on_demo, monkeypatch):
    monkeypatch.setattr(monitor, "first_widgets", failing_widgets)
    at = page().run()
    assert not at.exception
    assert any("Timeout exceeded" in e.value for e in at.error)


def test_the_first_three_cards_do_not_wait_for_the_tool_and_model_widgets(app_on_demo, monkeypatch):
    monkeypatch.setattr(monitor, "tool_and_model_widgets", failing_widgets)
    at = page().run()
    assert not at.exception
    drawn = {m.label for m in at.metric}
    assert {"Error Rate Monitor", "Cost Burn Rate Tracker", "Timeout Risk Assessment"} <= drawn
    assert not drawn & {"Tool Sequence Optimizer", "Model Efficiency Tracker"}
    assert any("Timeout exceeded" in e.value for e in at.error)
