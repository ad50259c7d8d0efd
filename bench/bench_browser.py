"""Cold start and page-switch times in a real browser at a given store size.

    python -m analytics --db /tmp/store-1m demo --events 1000000
    python bench/bench_browser.py /tmp/store-1m
    python bench/bench_browser.py --floor        # the same cold start of a one-chart Streamlit app

Starts `streamlit run streamlit_app.py` on the store, then in headless Chromium:
cold = server start to the first chart drawn on the overview (process start
included); then each page is visited twice (the first visit fills the
caches) and the second visit's time from click to its first chart drawn is
the page-switch time (until the script has finished and a chart is drawn).
With ``--floor``, the cold start of a Streamlit app that draws one three-point
line chart and nothing else: what Streamlit and Chromium alone cost on this
machine, below which no page of this app can open.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from browser import launch_context, start_app, stop_app, wait_idle  # noqa: E402

FLOOR_APP = """import pandas as pd
import streamlit as st

st.title("Floor")
st.line_chart(pd.DataFrame({"y": [1, 2, 3]}))
"""
PAGES = ["Costs", "Errors", "Tools", "Models", "Sessions", "Search", "Overview"]


def first_chart(page) -> None:
    page.locator(
        '[data-testid="stVegaLiteChart"] svg.marks, [data-testid="stVegaLiteChart"] canvas'
    ).first.wait_for(state="visible", timeout=120_000)


def main() -> None:
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp())
    floor = sys.argv[1] == "--floor"
    if floor:
        script = tmp / "one_chart.py"
        script.write_text(FLOOR_APP)
        db, extra = tmp / "unused", {"script": str(script)}
    else:
        db, extra = Path(sys.argv[1]), {}
    t0 = time.perf_counter()
    proc, url = start_app(db, tmp / "streamlit.log", **extra)
    healthy = time.perf_counter() - t0
    try:
        with sync_playwright() as p:
            ctx = launch_context(p, tmp / "profile", [])
            page = ctx.new_page()
            page.goto(url + "/")
            first_chart(page)
            total = time.perf_counter() - t0
            print(
                f"cold start to first chart: {total:.2f} s = server up {healthy:.2f} s + first page {total - healthy:.2f} s"
            )
            if floor:
                return
            wait_idle(page)
            nav = page.get_by_test_id("stSidebar").get_by_test_id("stPageLink")
            times: dict[str, list[float]] = {}
            for _round in range(2):
                for name in PAGES:
                    t = time.perf_counter()
                    nav.filter(has_text=name).click()
                    page.get_by_role("heading", name=name, exact=True).first.wait_for(timeout=120_000)
                    wait_idle(page)
                    if name == "Search":
                        page.get_by_test_id("stTextInput").locator("input").fill("checkout")
                        page.keyboard.press("Enter")
                        page.get_by_text("checkout").first.wait_for(timeout=120_000)
                        wait_idle(page)
                    first_chart(page)
                    times.setdefault(name, []).append(time.perf_counter() - t)
            for name, (first, warm) in times.items():
                print(f"{name:<9} first visit {first:5.2f} s, page switch (warm) {warm:5.2f} s")
            ctx.close()
    finally:
        stop_app(proc)


if __name__ == "__main__":
    main()
