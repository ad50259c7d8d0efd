from datetime import timedelta
from pathlib import Path

from apptest_helpers import page_filters
from streamlit.testing.v1 import AppTest

from analytics import api_json, errors, fmt, monitor
from analytics.clock import judged_at
from analytics.filters import local_zone
from analytics.overview import data_bounds

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "errors.py")


def page(**query) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    return at


def metric(at: AppTest, label: str):
    (m,) = [m for m in at.metric if m.label == label]
    return m


def risk_table(at: AppTest):
    (df,) = [d.value for d in at.dataframe if "risk" in d.value.columns]
    return df


def test_renders_on_demo_and_numbers_match_the_analytics(app_on_demo, demo_store):
    last = data_bounds(demo_store, local_zone())[1]
    to = (last - timedelta(days=1)).isoformat()
    at = page(to=to).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Errors"]
    f = page_filters(demo_store, to=to)
    r = api_json.error_monitor_json(monitor.error_monitor(demo_store, f, now=judged_at(f, live=False)))
    assert metric(at, "Error rate").value == fmt.pct(r["current"]["window"]["error_rate"])
    assert metric(at, "Error rate today").value == fmt.pct(r["current"]["last_day"]["error_rate"])
    assert metric(at, "API errors").value == f"{r['taxonomy']['api_errors']:,}"
    assert metric(at, "Timeout risk").value == r["timeout_risk"]["level"]
    assert risk_table(at)["risk"].tolist() == [m["risk"] for m in r["timeout_risk"]["models"]]
    if r["trend"]["direction"]:
        t = r["trend"]
        verdict = f"Trend: {t['direction']} (Mann–Kendall τ = {t['tau']:+.2f}, p = {t['p_value']:.3f})"
        assert any(c.value.startswith(verdict) for c in at.caption)
    recent = [d.value for d in at.dataframe if "error_text" in d.value.columns]
    assert recent and recent[0]["session"].str.startswith("/sessions?session_a=").all()


def test_threshold_slider_changes_the_timeout_risk_table(app_on_demo, demo_store):
    at = page().run()
    assert at.slider(key="threshold_ms").value == 8000.0
    f = page_filters(demo_store)
    before = risk_table(at)
    assert before["risk"].tolist() == errors.timeout_risk(demo_store, f, 8000.0).by_model["risk"].tolist()
    at.slider(key="threshold_ms").set_value(60000.0).run()
    assert not at.exception
    after = risk_table(at)
    expected = errors.timeout_risk(demo_store, f, 60000.0).by_model
    assert after["risk"].tolist() == expected["risk"].tolist()
    assert after["n_above"].tolist() == expected["n_above"].tolist()
    assert after["n_above"].sum() < before["n_above"].sum()
    assert at.query_params["threshold_ms"] == "60000.0"


def test_url_seeds_the_threshold(app_on_demo):
    at = page(threshold_ms="20000").run()
    assert not at.exception
    assert at.slider(key="threshold_ms").value == 20000.0


def test_empty_store_says_so(app_on_empty):
    at = page().run()
    assert not at.exception
    assert len(at.info) == 1 and "the store is empty" in at.info[0].value
    assert not at.metric
