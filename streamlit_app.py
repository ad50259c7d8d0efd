"""Entry point: `streamlit run streamlit_app.py`.

Run by Streamlit as a script (``__main__``) it is the router: page config, the
sign-in gate (when ``[auth]`` is configured), the shared sidebar filters (held
in the URL) and st.navigation. Imported by the ASGI server that
``streamlit run`` starts for st.App, it mounts the JSON API next to the UI,
behind a bearer token when one is configured or the view is hosted (settings
are read once, at start).
"""

from datetime import timedelta

import streamlit as st

from analytics.view import FIRST_DAY, LAST_DAY, PAGES


def app_pages() -> list:
    return [
        st.Page(p.file, title=p.title, icon=p.icon, url_path=p.url_path or None, default=not p.url_path)
        for p in PAGES
    ]


def preload() -> None:
    """Import what the pages draw with (altair, the analytics and page helpers) once, in the background.

    Started with the server, so the first page a browser opens does not wait for these imports.
    """
    import analytics.outcomes  # noqa: F401
    import analytics.search  # noqa: F401
    import analytics.sessions  # noqa: F401
    import ui.outcomes  # noqa: F401
    import ui.page  # noqa: F401
    import ui.sections  # noqa: F401


if __name__ != "__main__":
    import threading

    from analytics.api import routes
    from ui.access import hosting
    from ui.connection import get_store

    threading.Thread(target=preload, name="preload", daemon=True).start()

    # Declared once at server start: until st.navigation has run in this process, Streamlit serves a
    # deep link such as /costs straight from the pages/ directory, without this router (and its sign-in).
    st.navigation(app_pages())
    cfg = hosting()
    app = st.App(
        __file__,
        routes=routes(
            get_store,
            cfg.api_token,
            require_token=cfg.token_required,
            text_allowed=cfg.text_allowed,
            cache_seconds=cfg.api_cache_seconds,
            per_user=cfg.per_user,
        ),
    )
else:
    from analytics.overview import load_filter_options
    from ui import access, auth, cache, refresh, state
    from ui.connection import store_or_stop
    from ui.page import data_state

    st.set_page_config(page_title="Claude Code telemetry", page_icon=":material/monitoring:", layout="wide")
    if access.hosting().login and not access.signed_in():
        st.navigation(app_pages(), position="hidden")  # known paths, no menu; the page itself is not run
        auth.login_screen()
        st.stop()
    pages = app_pages()
    nav = st.navigation(pages, position="hidden")  # the sidebar's own links below carry the view along

    store = store_or_stop()
    if refresh.first_run_due():
        with st.status("Reading your Claude Code transcripts for the first time…", expanded=True) as status:
            done = refresh.first_run(refresh.progress_bar("transcripts"))
            label = {"demo": "No Claude Code transcripts found: loaded the demo data."}
            status.update(
                label=label.get(done, "Read your Claude Code transcripts."), state="complete", expanded=False
            )

    view = state.current_view()
    tz = view.tz
    facts = data_state(tz)
    start, end = view.date_range(facts.bounds)
    with st.sidebar:
        shared = state.shared_params()
        for page in pages:
            st.page_link(page, label=page.title, icon=page.icon, query_params=shared)
        st.divider()
        if facts.events:
            st.caption(
                f"{facts.events:,} events from {', '.join(facts.sources)} · {facts.first} – {facts.last}"
            )
            if "demo" in facts.sources:
                st.info("Showing demo data (synthetic).", icon=":material/science:")
        if "f_dates" not in st.session_state:
            st.session_state["f_dates"] = (start, end)

        def _dates_changed():
            value = st.session_state["f_dates"]
            if len(value) == 2:
                state.sync_to_url("from", value[0])
                state.sync_to_url("to", value[1])

        st.date_input(
            "Dates",
            key="f_dates",
            on_change=_dates_changed,
            format="YYYY-MM-DD",
            min_value=FIRST_DAY,
            max_value=LAST_DAY,
        )
        if view.is_live():
            st.caption("Live: today's figures are as of now.")
        else:
            st.caption(f"Past window: today's figures are as of {end:%Y-%m-%d} 23:59.")

        options = cache.load(load_filter_options, users=access.pinned_users() or ())
        zones = sorted(
            {
                tz,
                "UTC",
                "Europe/London",
                "Europe/Berlin",
                "America/New_York",
                "America/Los_Angeles",
                "Asia/Tokyo",
                "Asia/Kolkata",
                "Australia/Sydney",
            }
        )
        if "f_tz" not in st.session_state:
            st.session_state["f_tz"] = tz
        st.selectbox(
            "Reporting time zone",
            zones,
            key="f_tz",
            on_change=lambda: state.sync_to_url("tz", st.session_state["f_tz"]),
        )
        pinned = access.pinned_users()
        choices = [
            ("project", "Projects"),
            ("repository", "Repositories"),
            ("model", "Models"),
            ("user", "Users"),
        ]
        for param, label in choices:
            if param == "repository" and options["repository"] == options["project"]:
                continue  # no worktree: the repositories are the projects
            if param == "user" and pinned is not None:
                continue  # a per-user view shows only the signed-in user's sessions
            key = f"f_{param}"
            if key not in st.session_state:
                st.session_state[key] = [v for v in st.query_params.get_all(param) if v in options[param]]
            st.multiselect(
                label,
                options[param],
                key=key,
                placeholder="All",
                on_change=lambda p=param, k=key: state.sync_to_url(p, st.session_state[k]),
            )

        if not access.hosted():
            if st.button(
                "Refresh", icon=":material/refresh:", key="refresh", help="Read new transcript lines"
            ):
                report = refresh.refresh_or_warn(refresh.progress_bar("new transcript lines"))
                cache.invalidate()
                st.toast(
                    "No Claude Code directory found."
                    if report is None
                    else f"Read {report['bytes_read'] / 1e6:.1f} MB, {sum(report['new_events'].values()):,} new events."
                )

            if st.toggle("Auto-refresh every minute", key="auto_refresh"):

                @st.fragment(run_every=timedelta(seconds=60))
                def _auto_refresh():
                    report = refresh.refresh_or_warn()
                    if report and report["files_read"]:
                        st.rerun(scope="app")

                _auto_refresh()
        else:
            st.caption("Read-only hosted view.")
        auth.account_box()
    nav.run()
