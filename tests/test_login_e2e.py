"""Sign-in for real: `streamlit run` with an `[auth]` secrets section, an OIDC provider on loopback
(oidc-provider-mock), and Debian's headless Chromium going through `st.login`.

Before signing in only the sign-in screen is visible (no page, no navigation);
after typing an e-mail at the provider the app is shown and `st.user.email`
is that e-mail. The same server answers its JSON API only with the bearer
token from the same secrets file. The secrets live in a temporary file passed
with `--secrets.files`; nothing is written into the repository.
"""

from __future__ import annotations

import json
import secrets
import threading
import urllib.error
import urllib.request
import warnings

import pytest
from browser import launch_context, make_demo_store, shot, start_app, stop_app, wait_idle

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),  # Authlib APIs the mock provider calls
]

EMAIL = "analyst@example.com"
TOKEN = secrets.token_urlsafe(24)


@pytest.fixture(scope="module")
def oidc_provider():
    """oidc-provider-mock on 127.0.0.1 (a free port) in a thread; yields its issuer URL."""
    import werkzeug.serving

    with warnings.catch_warnings():  # the mock imports Authlib modules that Authlib marks as deprecated
        from authlib.deprecate import AuthlibDeprecationWarning

        warnings.simplefilter("ignore", AuthlibDeprecationWarning)
        from oidc_provider_mock import app as provider_app

    server = werkzeug.serving.make_server("127.0.0.1", 0, provider_app(require_nonce=True), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, oidc_provider):
    base = tmp_path_factory.mktemp("login")
    db = base / "db"
    make_demo_store(db, events=2000)
    secrets_file = base / "secrets.toml"
    secrets_file.write_text(
        f'api_token = "{TOKEN}"\n'
        "\n"
        "[auth]\n"
        'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "telemetry-app"\n'
        f'client_secret = "{secrets.token_hex(16)}"\n'
        f'server_metadata_url = "{oidc_provider}/.well-known/openid-configuration"\n'
    )
    log = base / "streamlit.log"
    proc, url = start_app(db, log, extra_args=(f"--secrets.files={secrets_file}",))
    try:
        yield url
    finally:
        rc = stop_app(proc)
        assert rc in (0, -15), log.read_text()[-2000:]


@pytest.fixture(scope="module")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture
def page(playwright_instance, tmp_path, request):
    blocked: list[str] = []
    ctx = launch_context(playwright_instance, tmp_path / "profile", blocked)
    pg = ctx.new_page()
    yield pg
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        shot(pg, f"FAILED-{request.node.name}")
    ctx.close()


def test_only_the_sign_in_screen_until_signed_in_then_the_app_as_that_user(page, app_url, oidc_provider):
    from playwright.sync_api import expect

    page.goto(app_url + "/costs")
    wait_idle(page)
    sign_in = page.get_by_role("button", name="Sign in")
    expect(sign_in).to_be_visible()
    expect(page.get_by_test_id("stPageLink")).to_have_count(0)
    expect(page.get_by_test_id("stMetric")).to_have_count(0)
    expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(0)
    expect(page.get_by_role("heading", name="Costs", exact=True)).to_have_count(0)
    expect(page.get_by_text("Signed in as")).to_have_count(0)

    sign_in.click()
    page.wait_for_url(oidc_provider + "/oauth2/authorize**")
    page.get_by_placeholder("sub").fill(EMAIL)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(app_url + "/**")
    wait_idle(page)

    expect(
        page.get_by_role("heading", name="Overview", exact=True).first
    ).to_be_visible()  # st.login returns home
    expect(page.get_by_test_id("stSidebar").get_by_test_id("stPageLink")).to_have_count(7)
    expect(page.get_by_test_id("stSidebar").get_by_text(f"Signed in as {EMAIL}")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)
    shot(page, "login-signed-in")


def _get(url: str, token: str | None = None):
    """(status, headers - case-insensitive, JSON body) of a GET, with the bearer ``token`` if given."""
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, e.headers, json.load(e)


def test_the_api_of_that_server_needs_the_token_from_its_secrets(app_url):
    status, headers, body = _get(app_url + "/api/telemetry/error-monitor")
    assert status == 401
    assert headers.get("WWW-Authenticate", "").startswith("Bearer")
    assert "bearer token" in body["error"]
    assert _get(app_url + "/api/telemetry/error-monitor", "not-the-token")[0] == 401
    status, _, body = _get(app_url + "/api/telemetry/error-monitor", TOKEN)
    assert status == 200 and body["current"]["window"]["requests"] > 0
    status, _, body = _get(app_url + "/api/health")
    assert (status, body) == (200, {"status": "ok"})
    status, _, body = _get(app_url + "/api/health", TOKEN)
    assert status == 200 and body["events"] == 2000
