"""Take the README's screenshots: one per page, of the app over a store of real transcripts.

Usage::

    python docs/screenshots/make.py ../shared/data/claude-projects

The transcripts are ingested into a fresh store in a temporary directory (nothing is kept but the
PNGs), the app runs on a loopback port, and headless Chromium (Debian's, as in the browser tests)
opens each page on the last day with data, so "today" is a day with activity.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from browser import launch_context, start_app, stop_app, wait_idle  # noqa: E402

PAGES = {"overview": "/", "costs": "/costs", "errors": "/errors", "tools": "/tools", "models": "/models",
         "sessions": "/sessions", "search": "/search?q=test"}  # fmt: skip
OUT = Path(__file__).resolve().parent


def last_day(db: Path) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "analytics", "--db", str(db), "report", "--by", "day", "--json"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )  # fmt: skip
    import json

    return json.loads(out.stdout)["rows"][-1]["date"]


def main(transcripts: Path) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "db"
        subprocess.run(
            [sys.executable, "-m", "analytics", "--db", str(db), "ingest", str(transcripts)],
            cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip
        day = last_day(db)
        proc, url = start_app(db, Path(tmp) / "streamlit.log", extra_env={"TZ": "UTC"})
        try:
            with sync_playwright() as pw:
                ctx = launch_context(pw, Path(tmp) / "profile", [])
                page = ctx.new_page()
                for name, path in PAGES.items():
                    sep = "&" if "?" in path else "?"
                    page.goto(f"{url}{path}{sep}to={day}&tz=UTC")
                    wait_idle(page)
                    page.set_viewport_size({"width": 1400, "height": 1000})
                    page.screenshot(path=str(OUT / f"{name}.png"))
                    print(f"{name}.png")
                ctx.close()
        finally:
            stop_app(proc)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
