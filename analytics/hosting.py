"""Settings of a shared ("hosted") deployment, read from the environment and Streamlit's secrets.

This module never imports streamlit: the app passes ``st.secrets`` as a plain
mapping; without one, the secrets files are read with
:func:`analytics.store.read_secrets`.

============================  ===============================  =====================  =======
setting                       environment                      secrets (top level)    default
============================  ===============================  =====================  =======
read-only hosted view         ``ANALYTICS_HOSTED=1``           ``hosted = true``      off
bearer token of the JSON API  ``ANALYTICS_API_TOKEN``          ``api_token = "..."``  none
show transcript text hosted   ``ANALYTICS_SHOW_TEXT=1``        ``show_text = true``   hidden
each user sees only theirs    ``ANALYTICS_PER_USER=1``         ``per_user = true``    off
API answers reused for (s)    ``ANALYTICS_API_CACHE_SECONDS``  ``api_cache_seconds``  10
sign-in (OIDC, ``st.login``)  -                                ``[auth]`` section     none
============================  ===============================  =====================  =======

A flag is on when either source turns it on; the environment's token wins
over the secrets' one. Truthy strings: ``1``, ``true``, ``yes``, ``on`` (any
case); TOML booleans as they are.

Rules the app applies (see README, "Hosting for a team"):

* hosted: the store is opened read-only (no schema creation, no ingest, no
  demo data, no refresh), and the JSON API always needs a bearer token;
* the API needs ``Authorization: Bearer <token>`` whenever a token is
  configured, and always when hosted (hosted without a token: every route
  except ``/api/health`` answers 401 saying no token is configured);
* transcript text (prompts, tool inputs, error texts) is hidden when hosted
  unless ``show_text`` allows it (:attr:`HostingConfig.text_allowed`);
* with ``per_user``, a signed-in user's filters are pinned to their own
  e-mail (:func:`pinned_users`), the sidebar's options, counts and dates are
  theirs, and without a signed-in e-mail nothing is shown; the JSON API's data
  routes answer 403 (one shared token cannot be limited to one user).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
NOBODY = ""
"""The user filter that matches no row (the ``user`` column is never empty): per-user view, no e-mail."""


def truthy(value: Any) -> bool:
    """A setting's value as a flag: True, or a string among ``1 true yes on`` (any case)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value == 1
    return isinstance(value, str) and value.strip().lower() in TRUE_WORDS


def login_providers(auth: Any) -> tuple[str | None, ...]:
    """The OIDC providers an ``[auth]`` secrets section configures, as ``st.login`` names them.

    ``None`` stands for the default provider (``client_id`` directly under
    ``[auth]``); a named provider is a sub-table with a ``client_id``
    (``[auth.okta]`` gives ``"okta"``). Empty when there is no such section
    or it names no provider.
    """
    if not isinstance(auth, Mapping):
        return ()
    names: list[str | None] = [None] if auth.get("client_id") else []
    names += sorted(k for k, v in auth.items() if isinstance(v, Mapping) and v.get("client_id"))
    return tuple(names)


DEFAULT_API_CACHE_SECONDS = 10.0
"""How long the app's JSON API reuses an answer unless configured otherwise."""


@dataclass(frozen=True)
class HostingConfig:
    """How this deployment is shared (see the module docstring for where each value comes from).

    Attributes
    ----------
    hosted : bool
        Read-only hosted view.
    api_token : str or None
        The bearer token the JSON API requires (never printed).
    show_text : bool
        Transcript text may be shown although hosted.
    per_user : bool
        A signed-in user sees only their own sessions.
    login : bool
        An ``[auth]`` section exists: the UI is shown only to signed-in users.
    providers : tuple
        The providers of that section (:func:`login_providers`); empty with
        ``login`` means a misconfigured section, and the app then shows nothing.
    api_cache_seconds : float
        How long an answer of the JSON API is reused by identical requests
        (:class:`analytics.api.AnswerCache`); 0 computes every answer.
    """

    hosted: bool = False
    api_token: str | None = field(default=None, repr=False)
    show_text: bool = False
    per_user: bool = False
    login: bool = False
    providers: tuple[str | None, ...] = ()
    api_cache_seconds: float = DEFAULT_API_CACHE_SECONDS

    @property
    def text_allowed(self) -> bool:
        """Prompt text, tool inputs and error texts may be shown."""
        return not self.hosted or self.show_text

    @property
    def token_required(self) -> bool:
        """The JSON API needs a bearer token (one is configured, or the view is hosted)."""
        return self.hosted or self.api_token is not None


def hosting_config(
    env: Mapping[str, str] | None = None, secrets: Mapping[str, Any] | None = None
) -> HostingConfig:
    """The deployment's :class:`HostingConfig` from ``env`` (default ``os.environ``) and ``secrets``.

    ``secrets`` default: the secrets files (:func:`analytics.store.read_secrets`).
    An empty token (``""`` or only spaces) counts as no token.
    """
    env = os.environ if env is None else env
    if secrets is None:
        from analytics.store import read_secrets

        secrets = read_secrets()
    token = (env.get("ANALYTICS_API_TOKEN") or "").strip() or str(secrets.get("api_token") or "").strip()
    auth = secrets.get("auth")
    return HostingConfig(
        hosted=truthy(env.get("ANALYTICS_HOSTED")) or truthy(secrets.get("hosted")),
        api_token=token or None,
        show_text=truthy(env.get("ANALYTICS_SHOW_TEXT")) or truthy(secrets.get("show_text")),
        per_user=truthy(env.get("ANALYTICS_PER_USER")) or truthy(secrets.get("per_user")),
        login=auth is not None,
        providers=login_providers(auth),
        api_cache_seconds=_seconds(
            "ANALYTICS_API_CACHE_SECONDS",
            env.get("ANALYTICS_API_CACHE_SECONDS", secrets.get("api_cache_seconds")),
            DEFAULT_API_CACHE_SECONDS,
        ),
    )


def _seconds(name: str, value: Any, default: float) -> float:
    """A number of seconds >= 0 from a setting; a clear error for anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = float("nan")
    if not seconds >= 0 or seconds == float("inf"):
        raise ValueError(f"{name} must be a number of seconds, 0 or more (0 turns it off), not {value!r}")
    return seconds


def pinned_users(config: HostingConfig, email: str | None) -> tuple[str, ...] | None:
    """The user filter a per-user view imposes, or None when the view is not per user.

    Parameters
    ----------
    email : str or None
        The signed-in user's e-mail (``st.user.email``); None when nobody is
        signed in or the provider sent no e-mail.

    Returns
    -------
    tuple of str or None
        None without ``per_user``; ``(email,)`` for a signed-in user (matched
        exactly against the ``user`` column, i.e. Claude Code's
        ``user_email``); ``(NOBODY,)`` - which matches no event - when the
        view is per user but no e-mail is known, so a misconfiguration shows
        nothing rather than everyone's data.
    """
    if not config.per_user:
        return None
    email = (email or "").strip()
    return (email,) if email else (NOBODY,)


READER_USER = "analytics_reader"


def schema_sql(database: str = "telemetry", reader: str = READER_USER) -> str:
    """The DDL the app needs on a ClickHouse server, as one script, and the read-only user to create.

    The statements are those of ``analytics/sql/schema`` (what the app's
    ``ensure_schema`` runs), separated by ``;``, to be run by an
    administrator in ``database`` (``clickhouse-client --database ...
    --multiquery``). The user statements follow as comments, with a
    placeholder password: the app's read-only user (``readonly = 1``: it runs
    only SELECTs and changes no setting) with SELECT on ``database``.
    """
    from analytics.store import SCHEMA_VERSION, schema_statements

    for name in (database, reader):
        if not name.replace("_", "a").isalnum() or name[0].isdigit():
            raise ValueError(f"not a plain identifier: {name!r}")
    parts = [
        "-- Schema of the Claude Code telemetry app (generated by `python -m analytics schema --print`;",
        f"-- schema version {SCHEMA_VERSION}). Run it as an administrator in the database the",
        "-- OpenTelemetry Collector's ClickHouse exporter writes to, e.g.",
        f"--   clickhouse-client --database {database} --multiquery < deploy/clickhouse-schema.sql",
        "-- or run `python -m analytics schema --apply` with an administrator's credentials, which also",
        "-- fills the price book for the models in the data. On a database set up by an earlier",
        "-- version of the app use `schema --apply`: it also migrates the existing tables.",
        "",
    ]
    for name, ddl in schema_statements():
        parts += [f"-- {name}", ddl.strip().rstrip(";") + ";", ""]
    parts += [
        f"INSERT INTO meta (key, value) VALUES ('schema_version', '{SCHEMA_VERSION}');",  # noqa: S608 - a constant
        "",
        "-- The app's read-only user (pick a real password; the app connects with it through",
        "-- [connections.telemetry] in its secrets). readonly = 1 allows SELECT only and no change",
        "-- of settings: the app's queries set none. Where a proxy or driver must change settings,",
        "-- use readonly = 2 (settings may change, data and schema may not).",
        f"-- CREATE USER IF NOT EXISTS {reader} IDENTIFIED WITH sha256_password BY 'change-me'",
        "--     SETTINGS readonly = 1;",
        f"-- GRANT SELECT ON {database}.* TO {reader};",
        "",
    ]
    return "\n".join(parts)


def prepare_store(store) -> int:
    """Create the schema and price the models seen in the telemetry; returns the price rows added.

    What an administrator runs once on a server (and after upgrades) before
    the read-only app opens it: the collector creates only ``otel_logs``.
    """
    from analytics.ingest.prices import refresh_prices

    store.ensure_schema()
    return refresh_prices(store, [m for (m,) in store.rows("hosting_models")])
