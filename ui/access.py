"""Who may see what: the deployment's sharing settings, the signed-in user and the text gate.

Settings come from the environment and ``st.secrets`` (see
``analytics.hosting``). In a hosted view transcript text goes through
:func:`redact_text`; with ``per_user`` the filters are pinned to the
signed-in user (:func:`pinned_users`).
"""

from __future__ import annotations

import os

import pandas as pd
import streamlit as st

from analytics import hosting as hosting_rules
from analytics.privacy import TEXT_COLUMNS, redact_frame


def secrets() -> dict:
    """``st.secrets`` as a plain dict; empty when no secrets file exists."""
    try:
        return st.secrets.to_dict()
    except FileNotFoundError:  # Streamlit's "no secrets found" error is one
        return {}


def hosting() -> hosting_rules.HostingConfig:
    """How this deployment is shared: hosted, API token, text, per-user view, sign-in."""
    return hosting_rules.hosting_config(os.environ, secrets())


def hosted() -> bool:
    """Read-only hosted mode (``ANALYTICS_HOSTED=1`` or ``hosted = true`` in the secrets):
    no ingest, demo or refresh actions; the store is opened read-only."""
    return hosting().hosted


def text_allowed() -> bool:
    """Transcript text (prompts, tool inputs, error texts) may be shown: not hosted, or ``show_text``."""
    return hosting().text_allowed


def redact_text(df: pd.DataFrame, columns=TEXT_COLUMNS) -> pd.DataFrame:
    """``df`` as it may be shown: its transcript-text ``columns`` hidden unless :func:`text_allowed`.

    Returns a copy when it hides anything; never changes ``df`` (cached frames stay intact).
    """
    return df if text_allowed() else redact_frame(df, columns)


def signed_in() -> bool:
    """A user signed in through ``st.login`` (False when no ``[auth]`` is configured)."""
    return hosting().login and bool(st.user.get("is_logged_in", False))


def signed_in_email() -> str | None:
    """The signed-in user's e-mail, None when nobody is signed in or the provider sent none."""
    return (st.user.get("email") or None) if signed_in() else None


def pinned_users() -> tuple[str, ...] | None:
    """The user filter of a per-user view (see ``analytics.hosting.pinned_users``); None otherwise."""
    return hosting_rules.pinned_users(hosting(), signed_in_email())
