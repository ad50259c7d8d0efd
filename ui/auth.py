"""Sign-in with Streamlit's ``st.login`` (OIDC provider from ``[auth]`` in the secrets).

``streamlit_app.py`` shows :func:`login_screen` alone, and no page, until
``st.user.is_logged_in``; :func:`account_box` goes in the sidebar and says
who is signed in, or that the app is unauthenticated.
"""

from __future__ import annotations

import streamlit as st

from ui import access


def login_screen() -> None:
    """The only thing a signed-out visitor sees: what this is and a sign-in button per provider."""
    cfg = access.hosting()
    st.title("Claude Code telemetry")
    st.write("Sign in to see this team's Claude Code usage, costs and errors.")
    if not cfg.providers:
        st.error(
            "Sign-in is configured (`[auth]` in the secrets) but names no provider: add `client_id`, "
            "`client_secret` and `server_metadata_url` under `[auth]` (or under `[auth.<name>]`)."
        )
        return
    for provider in cfg.providers:
        st.button(
            "Sign in" if provider is None else f"Sign in with {provider}",
            key=f"login_{provider or 'default'}",
            icon=":material/login:",
            type="primary",
            on_click=st.login,
            args=() if provider is None else (provider,),
        )


def account_box() -> None:
    """Sidebar: who is signed in (with Sign out), or a note that nobody needs to sign in."""
    cfg = access.hosting()
    if cfg.login and access.signed_in():
        who = st.user.get("email") or st.user.get("name") or "signed in"
        who = str(who).replace("`", "'")
        st.caption(f"Signed in as `{who}`" + (" · your sessions only" if cfg.per_user else ""))
        st.button("Sign out", key="logout", icon=":material/logout:", on_click=st.logout)
    elif not cfg.login:
        st.caption(
            "Unauthenticated: no sign-in is configured, anyone who can open this address sees the data."
        )
