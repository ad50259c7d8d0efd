"""Real-browser fixtures: `streamlit run streamlit_app.py` on 127.0.0.1 over a demo store, driven by
Playwright in Debian's headless Chromium (no Playwright browser download).

The app runs in its own process with its own store directory (a process can hold
only one chDB directory), filled by the CLI's `demo` command.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", ROOT / "artifacts"))
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROME_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
READY = '[data-testid="stApp"][data-test-connection-state="CONNECTED"][data-test-script-state="notRunning"]'
DEMO_EVENTS = 20_000


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early ({proc.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"streamlit not healthy after {timeout}s:\n{log.read_text()}")


def start_app(
    db: Path,
    log: Path,
    extra_env: dict | None = None,
    extra_args: tuple[str, ...] = (),
    script: str = "streamlit_app.py",
) -> tuple[subprocess.Popen, str]:
    """`streamlit run streamlit_app.py` (or ``script``) on a free loopback port; returns (process, base URL).

    ``extra_args`` are appended to the command line (e.g. ``--secrets.files=...``).
    """
    for _ in range(3):
        port = free_port()
        cmd = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            script,
            "--server.headless=true",
            "--server.address=127.0.0.1",
            f"--server.port={port}",
            "--browser.gatherUsageStats=false",
            "--server.fileWatcherType=none",
            "--server.runOnSave=false",
            *extra_args,
        ]
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "ANALYTICS_DB": str(db),
            "ANALYTICS_AUTOLOAD": "0",
            **(extra_env or {}),
        }
        env.pop("ANALYTICS_DATABASE", None)
        with open(log, "w") as fh:
            proc = subprocess.Popen(
                cmd,
                cwd=ROOT,
                stdout=fh,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, proc, log)
            return proc, url
        except RuntimeError:
            if "is not available" not in log.read_text():
                raise
    raise RuntimeError("no free port after 3 tries")


def stop_app(proc: subprocess.Popen) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    return proc.returncode


def make_demo_store(path: Path, events: int = DEMO_EVENTS) -> None:
    subprocess.run(
        [sys.executable, "-m", "analytics", "--db", str(path), "demo", "--events", str(events)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


def chromium_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    msg = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    if os.environ.get("CI"):
        pytest.fail(msg)  # never silently skip the browser suite in CI
    pytest.skip(msg)


def launch_context(playwright, profile: Path, blocked: list[str]):
    """One headless Chromium context, fresh profile, loopback traffic only."""

    def loopback_only(route):
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost", "::1"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    ctx = playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=chromium_or_skip(),
        headless=True,
        args=CHROME_ARGS,
        viewport={"width": 1400, "height": 1000},
        timeout=60_000,
    )
    ctx.set_default_timeout(30_000)
    ctx.route("**/*", loopback_only)
    return ctx


def wait_idle(page) -> None:
    page.wait_for_selector(READY, timeout=60_000)


def shot(page, name: str) -> None:
    """Whole-page PNG (Streamlit scrolls inside stMain, so grow the viewport to fit it)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(max(size["height"], height), 12000)})
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.set_viewport_size(size)
