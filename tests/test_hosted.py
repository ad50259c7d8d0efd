"""The hosted analyst view: read-only store, sign-in gate, API token, hidden text, per-user view,
a read-only ClickHouse user, snapshots and the deploy files.

AppTest runs the router (``streamlit_app.py``) and pages in this process over
the conftest's demo database; a "server" is ``tests/chhttp.py`` serving that
engine over HTTP with ``readonly = 1`` on every connection, as a read-only
ClickHouse user has it. Snapshots are made and opened in subprocesses (one
process holds one chDB directory).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from apptest_helpers import insert_events, metric, page, page_filters
from chhttp import ChHttpAid
from starlette.applications import Starlette
from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest

from analytics import api, api_json, fmt, monitor
from analytics.clock import judged_at
from analytics.filters import local_zone
from analytics.hosting import (
    NOBODY,
    HostingConfig,
    hosting_config,
    login_providers,
    pinned_users,
    prepare_store,
    schema_sql,
)
from analytics.overview import data_bounds, load_data_bounds, load_filter_options
from analytics.privacy import HIDDEN, redact_frame, redact_json
from analytics.store import SQL_DIR, ServerConfig, Store, StoreError
from analytics.view import DEFAULT_BUDGETS

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")
TOKEN = "s3cret-token-for-tests"
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-cookie-secret-of-some-length",
    "client_id": "telemetry-app",
    "client_secret": "client-secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


def router() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def texts(at: AppTest) -> list[str]:
    return [e.value for e in (*at.caption, *at.sidebar.caption, *at.markdown, *at.title)]


# ---------------------------------------------------------------------------
# settings
@pytest.mark.parametrize(
    "env, secrets, expected",
    [
        ({}, {}, HostingConfig()),
        ({"ANALYTICS_HOSTED": "1"}, {}, HostingConfig(hosted=True)),
        ({"ANALYTICS_HOSTED": "TRUE"}, {}, HostingConfig(hosted=True)),
        ({"ANALYTICS_HOSTED": "0"}, {"hosted": True}, HostingConfig(hosted=True)),
        ({}, {"hosted": "yes", "show_text": True}, HostingConfig(hosted=True, show_text=True)),
        ({"ANALYTICS_SHOW_TEXT": "on"}, {"per_user": True}, HostingConfig(show_text=True, per_user=True)),
        (
            {"ANALYTICS_API_TOKEN": " env-token "},
            {"api_token": "secret-token"},
            HostingConfig(api_token="env-token"),
        ),
        ({"ANALYTICS_API_TOKEN": ""}, {"api_token": "secret-token"}, HostingConfig(api_token="secret-token")),
        ({}, {"api_token": "   "}, HostingConfig()),
        ({}, {"auth": AUTH}, HostingConfig(login=True, providers=(None,))),
        ({}, {"auth": {"cookie_secret": "x"}}, HostingConfig(login=True, providers=())),
    ],
)
def test_hosting_config_reads_the_environment_and_the_secrets(env, secrets, expected):
    cfg = hosting_config(env, secrets)
    assert cfg == expected
    assert cfg.api_token == expected.api_token  # not part of the repr, compared anyway


def test_api_cache_seconds_from_the_environment_or_the_secrets():
    assert hosting_config({}, {}).api_cache_seconds == 10.0
    assert (
        hosting_config({"ANALYTICS_API_CACHE_SECONDS": "0"}, {"api_cache_seconds": 30}).api_cache_seconds == 0
    )
    assert hosting_config({}, {"api_cache_seconds": 2.5}).api_cache_seconds == 2.5
    for bad in ("soon", "-1", "inf", "nan"):
        with pytest.raises(ValueError, match="ANALYTICS_API_CACHE_SECONDS must be a number of seconds"):
            hosting_config({"ANALYTICS_API_CACHE_SECONDS": bad}, {})


def test_text_and_token_rules():
    assert HostingConfig().text_allowed and not HostingConfig().token_required
    assert not HostingConfig(hosted=True).text_allowed and HostingConfig(hosted=True).token_required
    assert HostingConfig(hosted=True, show_text=True).text_allowed
    assert HostingConfig(api_token="t").token_required and HostingConfig(api_token="t").text_allowed
    assert "t0ken" not in repr(HostingConfig(api_token="t0ken"))


def test_login_providers_default_and_named():
    assert login_providers(None) == ()
    assert login_providers({"client_id": "a"}) == (None,)
    assert login_providers(
        {"okta": {"client_id": "a"}, "google": {"client_id": "b"}, "cookie_secret": "x"}
    ) == (
        "google",
        "okta",
    )
    assert login_providers({"client_id": "a", "okta": {"client_id": "b"}, "bare": {}}) == (None, "okta")


def test_pinned_users_fail_closed():
    per_user = HostingConfig(per_user=True, login=True, providers=(None,))
    assert pinned_users(HostingConfig(), "a@example.com") is None
    assert pinned_users(per_user, "a@example.com") == ("a@example.com",)
    assert pinned_users(per_user, None) == (NOBODY,)
    assert pinned_users(per_user, "  ") == (NOBODY,)


# ---------------------------------------------------------------------------
# privacy helpers
def test_redact_frame_hides_text_columns_only_and_keeps_the_input():
    df = pd.DataFrame(
        {
            "ts": [1, 2, 3],
            "text": ["rm -rf /tmp/x", "", None],
            "error_text": ["Permission denied", "boom", ""],
            "tool": ["Bash", "Read", "Edit"],
        }
    )
    out = redact_frame(df)
    assert out["text"].tolist()[:2] == [HIDDEN, ""] and pd.isna(out["text"].iloc[2])
    assert out["error_text"].tolist() == [HIDDEN, HIDDEN, ""]
    assert out["tool"].tolist() == ["Bash", "Read", "Edit"] and out["ts"].tolist() == [1, 2, 3]
    assert df["text"].tolist()[:2] == ["rm -rf /tmp/x", ""]  # a cached frame is never changed
    assert redact_frame(df, ["tool"])["tool"].tolist() == [HIDDEN, HIDDEN, HIDDEN]
    assert redact_frame(df, ["absent"]) is df
    empty = pd.DataFrame(columns=["text"])
    assert redact_frame(empty) is empty


def test_redact_json_hides_values_under_text_keys_at_any_depth():
    body = {
        "n": 3,
        "text": "my prompt",
        "taxonomy": {"by_class": [{"error_class": "server", "example": "stack trace"}], "example": ""},
        "hits": [{"snippet": ["a", "b"], "tool": "Bash"}],
        "error_text": None,
    }
    assert redact_json(body) == {
        "n": 3,
        "text": HIDDEN,
        "taxonomy": {"by_class": [{"error_class": "server", "example": HIDDEN}], "example": ""},
        "hits": [{"snippet": [HIDDEN, HIDDEN], "tool": "Bash"}],
        "error_text": None,
    }
    assert body["text"] == "my prompt"


def test_ui_redact_text_follows_the_hosted_and_show_text_settings(monkeypatch):
    from ui import access

    df = pd.DataFrame({"error_text": ["secret"], "tool": ["Bash"]})
    monkeypatch.delenv("ANALYTICS_HOSTED", raising=False)
    monkeypatch.delenv("ANALYTICS_SHOW_TEXT", raising=False)
    assert access.text_allowed() and access.redact_text(df) is df
    monkeypatch.setenv("ANALYTICS_HOSTED", "1")
    assert not access.text_allowed()
    assert access.redact_text(df)["error_text"].tolist() == [HIDDEN]
    monkeypatch.setenv("ANALYTICS_SHOW_TEXT", "1")
    assert access.redact_text(df) is df


def _recent_errors_table():
    """What the Errors page's recent-errors table should do: load (cached), then redact_text, then show."""
    from analytics import errors
    from ui import access, cache, components, connection, state

    connection.store_or_stop()
    recent = access.redact_text(cache.load(errors.load_recent_errors, state.current_filters(), limit=50))
    components.table(recent, "recent errors", key="recent_errors")


def test_recent_errors_shown_hosted_have_their_texts_hidden(app_on_demo, monkeypatch):
    at = AppTest.from_function(_recent_errors_table, default_timeout=60)
    at.run()
    shown = at.dataframe[0].value
    assert len(shown) > 0 and (shown["error_text"] != "").any() and HIDDEN not in set(shown["error_text"])
    monkeypatch.setenv("ANALYTICS_HOSTED", "1")
    at = AppTest.from_function(_recent_errors_table, default_timeout=60)
    at.run()
    hidden = at.dataframe[0].value
    assert len(hidden) == len(shown)
    assert set(hidden["error_text"]) <= {HIDDEN, ""}
    assert (hidden["error_text"] == "").tolist() == (shown["error_text"] == "").tolist()
    assert hidden["tool"].tolist() == shown["tool"].tolist()


# ---------------------------------------------------------------------------
# the router in hosted mode
def test_hosted_router_offers_no_refresh_and_says_it_is_read_only(app_on_demo, monkeypatch):
    monkeypatch.setenv("ANALYTICS_HOSTED", "1")
    at = router()
    at.run()
    assert not at.exception
    assert [b.key for b in at.button if b.key in ("refresh",)] == []
    assert [t for t in at.toggle if t.key == "auto_refresh"] == []
    captions = [c.value for c in at.sidebar.caption]
    assert "Read-only hosted view." in captions
    assert any(c.startswith("Unauthenticated") for c in captions)
    assert [m.label for m in at.metric][:1] == ["Error Rate Monitor"]  # the overview still works
    from ui import connection

    assert connection.get_store().readonly


def test_local_router_keeps_refresh_and_says_it_is_unauthenticated(app_on_demo):
    at = router()
    at.run()
    assert [b.key for b in at.button if b.key == "refresh"] == ["refresh"]
    assert any(c.value.startswith("Unauthenticated") for c in at.sidebar.caption)


def test_hosted_app_on_an_empty_store_ingests_nothing(app_on_empty, monkeypatch):
    monkeypatch.setenv("ANALYTICS_HOSTED", "1")
    monkeypatch.delenv("ANALYTICS_AUTOLOAD", raising=False)  # locally this would load the demo data
    at = router()
    at.run()
    assert not at.exception
    assert app_on_empty.rows_sql("SELECT count() FROM telemetry")[0][0] == 0
    from ui import refresh

    assert refresh.refresh_transcripts() is None


def test_read_only_store_refuses_writes_and_creates_no_schema(chdb_path, empty_store):
    with empty_store.client() as c:
        database = c.database
    ro = Store.open_embedded(chdb_path, readonly=True, database=database)
    try:
        for write in (
            lambda: ro.insert_df("events", pd.DataFrame({"event_id": ["x"], "version": [1]})),
            lambda: ro.command("ingest_commit"),
            lambda: ro.command_sql("TRUNCATE TABLE events"),
            lambda: ro.insert_rows("meta", [["k", "v"]], ["key", "value"]),
        ):
            with pytest.raises(StoreError, match="read-only"):
                write()
        assert ro.rows_sql("SELECT count() FROM telemetry")[0][0] == 0  # reads work
    finally:
        ro.close()
    fresh = Store.open_embedded(chdb_path, readonly=True, database=f"{database}_fresh")
    try:
        fresh.ensure_schema()
        assert not fresh.table_exists("events")
    finally:
        fresh.close()


# ---------------------------------------------------------------------------
# sign-in gate and per-user view
def test_signed_out_visitors_see_only_the_sign_in_screen(app_on_demo):
    at = router()
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert [t.value for t in at.title] == ["Claude Code telemetry"]
    assert not at.metric and not at.sidebar.multiselect and not at.dataframe and not at.get("vega_lite_chart")
    # a page reached without the router is gated too
    at = page("costs")
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False}
    at.run()
    assert [b.label for b in at.button] == ["Sign in"] and not at.metric


def test_signed_in_users_see_the_app_and_can_sign_out(app_on_demo):
    at = router()
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": "maria.schmidt@example.com"}
    at.run()
    assert not at.exception
    assert "Sign out" in [b.label for b in at.button]
    assert "Signed in as `maria.schmidt@example.com`" in [c.value for c in at.sidebar.caption]
    assert [m.label for m in at.sidebar.multiselect] == ["Projects", "Models", "Users"]


def test_a_misconfigured_auth_section_shows_nothing(app_on_demo):
    at = router()
    at.secrets["auth"] = {"cookie_secret": "only this"}
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.metric and not at.button
    assert any("names no provider" in e.value for e in at.error)


def _show_filters():
    import streamlit as st

    from ui import state

    st.text(repr(state.current_filters().users))


@pytest.mark.parametrize(
    "secrets, user, expected",
    [
        ({}, {"is_logged_in": True, "email": "a@example.com"}, ("james.porter@example.com",)),
        (
            {"per_user": True, "auth": AUTH},
            {"is_logged_in": True, "email": "a@example.com"},
            ("a@example.com",),
        ),
        ({"per_user": True, "auth": AUTH}, {"is_logged_in": False}, (NOBODY,)),
        ({"per_user": True}, {}, (NOBODY,)),  # per-user view without sign-in: nothing, not everything
    ],
)
def test_per_user_view_pins_the_user_filter_whatever_the_url_says(app_on_demo, secrets, user, expected):
    at = AppTest.from_function(_show_filters, default_timeout=30)
    at.query_params["user"] = "james.porter@example.com"
    for k, v in secrets.items():
        at.secrets[k] = v
    at.user = user
    at.run()
    assert at.text[0].value == repr(expected)


def test_per_user_overview_shows_only_that_users_numbers(app_on_demo, demo_store):
    email = "james.porter@example.com"
    mine = data_bounds(demo_store, local_zone(), users=(email,))
    to = mine[1].isoformat()  # the user's last day with data: "today" of a past window, judged at its end
    at = router()
    at.secrets["auth"] = AUTH
    at.secrets["per_user"] = True
    at.user = {"is_logged_in": True, "email": email}
    at.query_params["user"] = "maria.schmidt@example.com"  # ignored: pinned to the signed-in user
    at.query_params["to"] = to
    at.run()
    assert not at.exception
    assert [m.label for m in at.sidebar.multiselect] == ["Projects", "Models"]
    filters = page_filters(demo_store, user=email, to=to)
    now = judged_at(filters, live=False)
    widgets = monitor.telemetry_widgets(demo_store, filters, DEFAULT_BUDGETS, now=now)
    everyone = monitor.telemetry_widgets(
        demo_store, page_filters(demo_store, to=to), DEFAULT_BUDGETS, now=now
    )
    assert metric(at, "Cost Burn Rate Tracker").value == fmt.money(widgets.cost_burn.report.spent_today)
    assert widgets.cost_burn.report.spent_today != everyone.cost_burn.report.spent_today
    # the sidebar's counts, range and options are the user's own
    (count,) = [c.value for c in at.sidebar.caption if " events from " in c.value]
    n_mine = int(load_data_bounds(demo_store, local_zone(), users=(email,))["events"].sum())
    assert count.startswith(f"{n_mine:,} events") and f"– {mine[1]}" in count
    projects = at.sidebar.multiselect[0].options
    assert set(projects) == set(load_filter_options(demo_store, users=(email,))["project"])


# ---------------------------------------------------------------------------
# JSON API access
def _client(store, **kw) -> TestClient:
    return TestClient(Starlette(routes=api.routes(lambda: store, **kw)))


ROUTES = ("/api/telemetry-widgets", "/api/telemetry/cost-burnrate", "/api/telemetry/error-monitor")


def test_api_needs_the_bearer_token_when_one_is_configured(demo_store):
    client = _client(demo_store, token=TOKEN)
    for path in ROUTES:
        resp = client.get(path)
        assert resp.status_code == 401 and resp.headers["content-type"] == "application/json"
        assert resp.headers["www-authenticate"] == 'Bearer realm="telemetry-api"'
        assert "bearer token" in resp.json()["error"]
    resp = client.get(ROUTES[2], headers={"Authorization": "Bearer wrong-token"})
    assert resp.status_code == 401 and resp.json() == {"error": "The bearer token is not valid."}
    assert resp.headers["www-authenticate"] == 'Bearer realm="telemetry-api", error="invalid_token"'
    assert client.get(ROUTES[2], headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
    resp = client.get(ROUTES[2] + "?tz=UTC", headers={"Authorization": f"Bearer {TOKEN}"})
    assert resp.status_code == 200
    assert resp.json()["current"]["window"]["requests"] > 0
    assert client.get(ROUTES[2], headers={"Authorization": f"bearer  {TOKEN}"}).status_code == 200


def test_api_health_answers_only_its_status_without_the_token(demo_store):
    client = _client(demo_store, token=TOKEN)
    assert client.get("/api/health").json() == {"status": "ok"}
    full = client.get("/api/health", headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert full["status"] == "ok" and full["events"] == 20_000


def test_hosted_api_without_a_configured_token_refuses_every_data_route(demo_store):
    client = _client(demo_store, require_token=True)
    for path in ROUTES:
        resp = client.get(path, headers={"Authorization": "Bearer anything"})
        assert resp.status_code == 401 and resp.json() == {"error": api.NO_TOKEN_CONFIGURED}
        assert resp.headers["www-authenticate"] == 'Bearer realm="telemetry-api"'
    assert client.get("/api/health").json() == {"status": "ok"}


def test_local_api_needs_no_token_and_only_reads(demo_store):
    client = _client(demo_store)
    assert client.get(ROUTES[2] + "?tz=UTC").status_code == 200
    assert client.get("/api/health").json()["events"] == 20_000
    for path in (*ROUTES, "/api/health"):
        assert client.post(path).status_code == 405 and client.delete(path).status_code == 405
    assert {m for r in api.routes(lambda: demo_store) for m in r.methods} == {"GET", "HEAD"}


def test_check_bearer_compares_in_constant_time(monkeypatch):
    calls = []
    real = api.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(api.hmac, "compare_digest", spy)
    assert api.check_bearer(f"Bearer {TOKEN}", TOKEN) is None
    assert api.check_bearer("Bearer nope", TOKEN) == "The bearer token is not valid."
    assert calls == [(TOKEN.encode(), TOKEN.encode()), (b"nope", TOKEN.encode())]
    assert api.check_bearer(None, None) is None
    assert api.check_bearer(None, None, required=True) == api.NO_TOKEN_CONFIGURED
    assert api.check_bearer("", TOKEN).startswith("This API needs a bearer token")
    assert len(calls) == 2  # no comparison without a token to compare


def test_api_hides_transcript_text_unless_allowed(demo_store, monkeypatch):
    monkeypatch.setattr(monitor, "error_monitor", lambda store, filters, threshold_ms, now=None: None)
    monkeypatch.setattr(
        api_json,
        "error_monitor_json",
        lambda report: {"requests": 3, "taxonomy": {"example": "the prompt"}, "text": ""},
    )
    hidden = _client(demo_store, text_allowed=False).get(ROUTES[2]).json()
    assert hidden == {"requests": 3, "taxonomy": {"example": HIDDEN}, "text": ""}
    shown = _client(demo_store).get(ROUTES[2]).json()
    assert shown == {"requests": 3, "taxonomy": {"example": "the prompt"}, "text": ""}


# ---------------------------------------------------------------------------
# a read-only ClickHouse user (readonly = 1)
class ReadOnlyUserAid(ChHttpAid):
    """The HTTP aid with ``readonly = 1`` on every connection: SELECT only, no change of any setting."""

    def _engine(self):
        engine = super()._engine()
        if not getattr(engine, "read_only", False):
            self._run(engine, "SET readonly = 1", "TabSeparated", {})
            engine.read_only = True
        return engine


@pytest.fixture(scope="module")
def readonly_server(chdb_path):
    with ReadOnlyUserAid(chdb_path) as aid:
        yield aid


@pytest.fixture
def readonly_store(readonly_server, demo_database):
    store = Store.open_server(
        ServerConfig(host="127.0.0.1", port=readonly_server.port, database=demo_database), readonly=True
    )
    yield store
    store.close()


def test_the_readonly_server_user_cannot_write(readonly_store):
    with readonly_store.client() as c, pytest.raises(Exception, match="READONLY|readonly"):
        c.command("CREATE TABLE should_not_exist (a UInt8) ENGINE = Memory")
    with readonly_store.client() as c, pytest.raises(Exception, match="READONLY|readonly"):
        c.query("SELECT 1", settings={"max_threads": 1})


def test_no_query_of_the_app_sets_a_setting():
    offenders = [
        p.name
        for p in SQL_DIR.glob("*.sql")
        if not p.name.startswith(("ingest_", "otel_import_", "rollup_"))  # writers: never run by a reader
        and re.search(r"\bSETTINGS\b|^\s*SET\s", p.read_text(), re.IGNORECASE | re.MULTILINE)
    ]
    assert offenders == []


@pytest.mark.parametrize("name", ["overview", "costs", "errors", "tools", "models", "sessions", "search"])
def test_every_page_works_for_a_readonly_server_user(app_on_demo, readonly_store, monkeypatch, name):
    from ui import connection

    monkeypatch.setenv("ANALYTICS_HOSTED", "1")
    if name == "search":  # hosted search runs only where transcript text may be shown
        monkeypatch.setenv("ANALYTICS_SHOW_TEXT", "1")
    monkeypatch.setattr(connection, "open_store", lambda readonly: readonly_store)
    at = page(name, q="checkout") if name == "search" else page(name)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.metric, "the page showed no numbers"
    assert connection.get_store() is readonly_store


def test_the_api_works_for_a_readonly_server_user(readonly_store):
    client = _client(readonly_store)
    for path in ROUTES:
        assert client.get(path + "?tz=UTC").status_code == 200, path
    assert client.get("/api/health").json()["store"]["readonly"] is True


# ---------------------------------------------------------------------------
# serving a server: schema and price book
def test_prepare_store_prices_the_models_in_the_data(empty_store):
    now = datetime.now(UTC) - timedelta(hours=1)
    insert_events(
        empty_store,
        [
            dict(ts=now, event="api_request", event_id="r1", session_id="s", model="claude-sonnet-4-5"),
            dict(ts=now, event="api_request", event_id="r2", session_id="s", model="claude-haiku-4-5"),
        ],
    )
    assert prepare_store(empty_store) > 0
    models = {m for (m,) in empty_store.rows_sql("SELECT DISTINCT model FROM prices")}
    assert {"claude-sonnet-4-5", "claude-haiku-4-5"} <= models
    assert prepare_store(empty_store) == 0  # once is enough


def test_schema_script_is_the_schema_and_the_committed_deploy_file():
    text = schema_sql()
    for name in ("events", "otel_logs", "meta", "prices"):
        assert f"CREATE TABLE IF NOT EXISTS {name}" in text
    assert "CREATE OR REPLACE VIEW telemetry AS" in text
    assert "-- CREATE USER IF NOT EXISTS analytics_reader" in text and "readonly = 1" in text
    assert "-- GRANT SELECT ON telemetry.* TO analytics_reader;" in text
    committed = (ROOT / "deploy" / "clickhouse-schema.sql").read_text()
    assert committed == text, (
        "deploy/clickhouse-schema.sql is stale: python -m analytics schema --print > deploy/clickhouse-schema.sql"
    )
    with pytest.raises(ValueError):
        schema_sql("telemetry; DROP TABLE events")


# ---------------------------------------------------------------------------
# snapshots (in subprocesses: a process holds one chDB directory)
_SHOW = textwrap.dedent(
    """
    import json, sys
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(sys.argv[1], default_timeout=60)
    at.run()
    from ui import connection
    print(json.dumps({
        "metrics": {m.label: m.value for m in at.metric},
        "exceptions": [e.value for e in at.exception],
        "readonly": connection.get_store().readonly,
        "buttons": [b.key for b in at.button],
    }))
    """
)


def _cli(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analytics", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _show(db: Path, hosted: bool) -> dict:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("ANALYTICS_")}
    env.update(
        ANALYTICS_DB=str(db),
        ANALYTICS_AUTOLOAD="0",
        TZ="UTC",
        **({"ANALYTICS_HOSTED": "1"} if hosted else {}),
    )
    out = subprocess.run(
        [sys.executable, "-c", _SHOW, APP], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_snapshot_opens_read_only_with_the_same_totals(tmp_path):
    src, snap = tmp_path / "src", tmp_path / "snap"
    assert _cli("--db", str(src), "demo", "--events", "3000").returncode == 0
    made = _cli("--db", str(src), "snapshot", str(snap), "--json")
    assert made.returncode == 0, made.stderr
    report = json.loads(made.stdout)
    assert report["rows"]["events"] == 3000 and report["rows"]["prices"] > 0
    assert _cli("--db", str(src), "snapshot", str(snap)).returncode == 1  # never into a non-empty directory

    # as a git checkout has it: somewhere else, symlinks kept (they are relative), empty directories gone
    checkout = tmp_path / "repo" / "snapshot"
    shutil.copytree(snap, checkout, symlinks=True)
    for d in sorted((p for p in checkout.rglob("*") if p.is_dir() and not p.is_symlink()), reverse=True):
        if not any(d.iterdir()):
            d.rmdir()
    original, copy = _show(src, hosted=False), _show(checkout, hosted=True)
    assert original["exceptions"] == [] and copy["exceptions"] == []
    assert copy["readonly"] is True and original["readonly"] is False
    assert "refresh" in original["buttons"] and "refresh" not in copy["buttons"]
    assert len(copy["metrics"]) >= 5 and copy["metrics"] == original["metrics"]

    totals = [
        json.loads(_cli("--db", str(d), "report", "--by", "model", "--json").stdout)["totals"]
        for d in (src, snap)
    ]
    assert totals[0] == totals[1] and totals[0]["requests"] > 0


def test_hosted_pages_hide_transcript_text(app_on_demo, monkeypatch):
    monkeypatch.setenv("ANALYTICS_HOSTED", "1")
    at = AppTest.from_file(str(ROOT / "pages" / "errors.py"), default_timeout=60)
    at.run()
    assert not at.exception
    recent = [df.value for df in at.dataframe if "error_text" in df.value.columns]
    assert recent and set(recent[-1]["error_text"]) <= {HIDDEN, ""}
    at = AppTest.from_file(str(ROOT / "pages" / "search.py"), default_timeout=60)
    at.query_params["q"] = "checkout"
    at.run()
    assert not at.exception
    assert any("Search is off in this hosted view" in i.value for i in at.info)
    assert len(at.dataframe) == 0
    monkeypatch.setenv("ANALYTICS_SHOW_TEXT", "1")
    at = AppTest.from_file(str(ROOT / "pages" / "search.py"), default_timeout=60)
    at.query_params["q"] = "checkout"
    at.run()
    assert not at.exception and len(at.dataframe) > 0


def test_hosted_app_on_a_store_without_tables_says_what_it_needs_and_names_no_path(chdb_path, monkeypatch):
    import streamlit as st

    monkeypatch.setenv("ANALYTICS_DB", chdb_path)
    monkeypatch.setenv("ANALYTICS_DATABASE", f"bare_hosted_{os.getpid()}")
    monkeypatch.setenv("ANALYTICS_HOSTED", "1")
    st.cache_resource.clear()
    at = router()
    at.run()
    assert not at.exception
    shown = " ".join(e.value for e in (*at.error, *at.info))
    assert "The telemetry store is unreachable. The reason is in the server's log." in shown
    assert "read-only hosted view: it needs an existing store" in shown
    assert chdb_path not in shown and "Unknown table" not in shown
    st.cache_resource.clear()


def test_a_per_user_deployment_keeps_the_shared_token_away_from_the_data(demo_store):
    client = TestClient(Starlette(routes=api.routes(lambda: demo_store, TOKEN, per_user=True)))
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    for path in ROUTES:
        resp = client.get(path + "?tz=UTC", headers=bearer)
        assert resp.status_code == 403 and resp.json() == {"error": api.PER_USER_OFF}, path
    assert client.get("/api/search?q=cart", headers=bearer).status_code == 403
    assert client.get("/api/health", headers=bearer).json()["status"] == "ok"
    assert client.get(ROUTES[0] + "?tz=UTC").status_code == 401  # no token: still 401 first


def test_a_hosted_api_names_no_store_path_or_process_when_the_store_fails(caplog):
    """The reason goes to the server's log; the answer only says the store is unavailable."""

    def failing():
        raise StoreError("The embedded store /home/ada/.local/share/cc/db is in use by process 4242 (python)")

    hosted = TestClient(Starlette(routes=api.routes(failing, TOKEN, require_token=True)))
    for path in (*ROUTES, "/api/health"):
        resp = hosted.get(path, headers={"Authorization": f"Bearer {TOKEN}"})
        assert resp.status_code == 503
        assert "/home/ada" not in resp.text and "4242" not in resp.text
        assert "unavailable" in resp.text
    assert "/home/ada/.local/share/cc/db" in caplog.text
    local = TestClient(Starlette(routes=api.routes(failing)))
    assert "/home/ada" in local.get(ROUTES[0]).json()["error"]  # on one's own machine the reason is useful
