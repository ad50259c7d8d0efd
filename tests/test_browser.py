"""Real-browser tests: `streamlit run streamlit_app.py` over a demo store, headless Debian Chromium.

Every page is reached from the navigation and renders its charts with no
exception box; budget sliders change the alert and the URL; a copied URL
restores the view in a fresh browser; search finds a known prompt; the JSON API
answers with the page's numbers; transcript text with markup stays text.
Screenshots of every page go to artifacts/.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from browser import (
    ARTIFACTS,
    launch_context,
    make_demo_store,
    shot,
    start_app,
    stop_app,
    wait_idle,
)
from jsonl_fixtures import assistant, usage, user_prompt, write

pytestmark = pytest.mark.e2e

PAGES = [
    ("/", "Overview"),
    ("/costs", "Costs"),
    ("/errors", "Errors"),
    ("/tools", "Tools"),
    ("/models", "Models"),
    ("/sessions", "Sessions"),
    ("/search", "Search"),
]
HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> **bold** zebracart'


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    import subprocess
    import sys

    from browser import ROOT

    base = tmp_path_factory.mktemp("e2e")
    db = base / "db"
    make_demo_store(db)
    # A transcript whose prompt carries markup: it must render as inert text.
    write(
        base / "projects" / "-home-dev-x" / "s-hostile.jsonl",
        [
            user_prompt("2026-01-05T10:00:00Z", HOSTILE, session="s-hostile", uuid="h1", cwd="/home/dev/x"),
            assistant(
                "2026-01-05T10:00:01Z",
                "mh",
                "rh",
                usage(10, 10),
                session="s-hostile",
                uuid="h2",
                cwd="/home/dev/x",
            ),
        ],
    )
    subprocess.run(
        [sys.executable, "-m", "analytics", "--db", str(db), "ingest", str(base / "projects")],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    log = base / "streamlit.log"
    proc, url = start_app(db, log)
    try:
        yield url
    finally:
        rc = stop_app(proc)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "streamlit.log").write_text(log.read_text())
        assert rc in (0, -15), log.read_text()[-2000:]


@pytest.fixture(scope="module")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture
def context(playwright_instance, tmp_path):
    blocked: list[str] = []
    ctx = launch_context(playwright_instance, tmp_path / "profile", blocked)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context, request):
    pg = context.new_page()
    pg.js_errors = []  # type: ignore[attr-defined]
    pg.on("pageerror", lambda exc: pg.js_errors.append(str(exc)))
    yield pg
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        shot(pg, f"FAILED-{request.node.name}")
    pg.close()


def expect_clean(page) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert page.js_errors == [], page.js_errors


def expect_chart(page) -> None:
    from playwright.sync_api import expect

    chart = page.get_by_test_id("stVegaLiteChart").first
    expect(chart).to_be_visible()
    drawn = chart.locator("canvas, svg.marks").first
    expect(drawn).to_be_visible()
    box = drawn.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 50, box


def metric_value(page, label: str) -> str:
    card = page.get_by_test_id("stMetric").filter(has_text=label).first
    return card.get_by_test_id("stMetricValue").inner_text().strip()


def get_json(url: str) -> tuple[str, dict]:
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.headers["content-type"], json.load(r)


@pytest.mark.parametrize("path, title", PAGES)
def test_every_page_renders_its_charts(page, app_url, path, title):
    from playwright.sync_api import expect

    page.goto(app_url + path)
    wait_idle(page)
    expect(page.get_by_role("heading", name=title, exact=True).first).to_be_visible()
    if path == "/search":
        page.get_by_test_id("stTextInput").locator("input").fill("checkout")
        page.keyboard.press("Enter")
        wait_idle(page)
    expect_chart(page)
    expect_clean(page)
    shot(page, f"page-{title.lower()}")


def test_navigation_reaches_every_page(page, app_url):
    from playwright.sync_api import expect

    page.goto(app_url + "/")
    wait_idle(page)
    links = page.get_by_test_id("stSidebar").get_by_test_id("stPageLink")
    expect(links).to_have_count(len(PAGES))
    for path, title in PAGES[1:]:
        links.filter(has_text=title).click()
        expect(page).to_have_url(re.compile(re.escape(path) + r"(\?|$)"))
        wait_idle(page)
        expect(page.get_by_role("heading", name=title, exact=True).first).to_be_visible()
        expect_clean(page)


def test_budget_slider_changes_alert_url_and_matches_api(page, app_url):
    from playwright.sync_api import expect

    page.goto(app_url + "/costs?budget_day=1000")
    wait_idle(page)
    slider = page.get_by_test_id("stSlider").filter(has_text="Daily budget").get_by_role("slider")
    expect(slider).to_have_value("1000")
    high = metric_value(page, "Alert level")
    slider.focus()
    page.keyboard.press("Home")  # budget $0: any spend today is over it
    expect(page).to_have_url(re.compile(r"budget_day=0(\.0)?(&|$)"))
    wait_idle(page)
    low = metric_value(page, "Alert level")
    query = dict(parse_qsl(urlsplit(page.url).query))
    ctype, body = get_json(f"{app_url}/api/telemetry/cost-burnrate?{urlencode(query)}")
    assert ctype.startswith("application/json")
    assert body["status"] == low
    ctype, body_high = get_json(
        f"{app_url}/api/telemetry/cost-burnrate?{urlencode({**query, 'budget_day': 1000})}"
    )
    assert body_high["status"] == high
    expect_clean(page)


def test_a_budget_follows_the_user_to_the_overview_and_the_alerts_agree(page, app_url):
    from playwright.sync_api import expect

    page.goto(app_url + "/costs?budget_day=20")
    wait_idle(page)
    slider = page.get_by_test_id("stSlider").filter(has_text="Daily budget").get_by_role("slider")
    slider.focus()
    page.keyboard.press("ArrowRight")  # one step: $25
    expect(page).to_have_url(re.compile(r"budget_day=25(\.0)?(&|$)"))
    wait_idle(page)
    level = metric_value(page, "Alert level")
    page.get_by_test_id("stSidebar").get_by_test_id("stPageLink").filter(has_text="Overview").click()
    expect(page).to_have_url(re.compile(r"budget_day=25(\.0)?(&|$)"))
    wait_idle(page)
    expect(page.get_by_role("heading", name="Overview", exact=True).first).to_be_visible()
    expect(page.get_by_text(re.compile(rf"^{level}: Spent today")).first).to_be_visible()
    query = urlencode(parse_qsl(urlsplit(page.url).query))
    _, widgets = get_json(f"{app_url}/api/telemetry-widgets?{query}")
    _, burn = get_json(f"{app_url}/api/telemetry/cost-burnrate?{query}")
    assert widgets["cost_burn"]["level"] == burn["status"] == level
    expect_clean(page)


def test_copied_url_restores_the_view_in_a_fresh_browser(playwright_instance, tmp_path, app_url):
    from playwright.sync_api import expect

    first = launch_context(playwright_instance, tmp_path / "p1", [])
    pg = first.new_page()
    pg.goto(app_url + "/costs?budget_day=125&budget_month=2500&tz=UTC&from=2026-01-01&to=2026-01-20")
    wait_idle(pg)
    copied = pg.url
    assert "budget_day=125" in copied and "from=2026-01-01" in copied and "to=2026-01-20" in copied
    spend = metric_value(pg, "Spend")
    first.close()

    fresh = launch_context(playwright_instance, tmp_path / "p2", [])
    pg = fresh.new_page()
    pg.goto(copied)
    wait_idle(pg)
    sliders = pg.get_by_test_id("stSlider")
    expect(sliders.filter(has_text="Daily budget").get_by_role("slider")).to_have_value("125")
    expect(sliders.filter(has_text="Monthly budget").get_by_role("slider")).to_have_value("2500")
    assert metric_value(pg, "Spend") == spend
    assert dict(parse_qsl(urlsplit(pg.url).query)) == dict(parse_qsl(urlsplit(copied).query))
    fresh.close()


def test_search_finds_a_known_prompt_and_markup_stays_text(page, app_url):
    from playwright.sync_api import expect

    page.goto(app_url + "/search?q=zebracart&from=2026-01-01&to=2026-01-31")
    wait_idle(page)
    expect_clean(page)
    # The hit is shown, literally, and nothing it carries was turned into elements or run.
    body = page.locator('[data-testid="stMain"]')
    expect(body).to_contain_text("zebracart")
    assert page.locator('img[src="x"]').count() == 0
    assert page.evaluate("window.__pwned === undefined")
    assert page.locator('[data-testid="stMain"] strong', has_text="bold").count() == 0
    shot(page, "search-hostile")
    page.goto(app_url + "/search?q=checkout")
    wait_idle(page)
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("checkout")
    expect_clean(page)


def test_api_routes_answer_json(app_url):
    for route in (
        "/api/health",
        "/api/telemetry-widgets",
        "/api/telemetry/cost-burnrate",
        "/api/telemetry/error-monitor",
    ):
        ctype, body = get_json(app_url + route)
        assert ctype.startswith("application/json"), route
        assert body, route
    _, health = get_json(app_url + "/api/health")
    assert health["status"] == "ok"
    _, widgets = get_json(app_url + "/api/telemetry-widgets")
    assert {"error_rate", "cost_burn", "timeout_risk", "tool_sequences", "model_efficiency"} <= set(widgets)
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(app_url + "/api/telemetry/cost-burnrate?budget_day=lots", timeout=30)
    assert err.value.code == 400
