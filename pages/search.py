"""Search: find words anywhere in the conversation, see where they came up and what came before and after."""

import streamlit as st

from analytics import search
from ui import access, cache, charts, state
from ui import components as ui
from ui.page import page_view

FACETS = {
    "field": "In which fields?",
    "project": "Which projects match?",
    "tool": "Which tools match?",
    "model": "Which models match?",
    "day": "On which days?",
}
SESSION_URL = "/sessions?session_a="


def use_query(text: str | None = None) -> None:
    """A new query (typed, or a suggestion put into the box): into the URL, and back to its best hit."""
    if text is not None:
        st.session_state["q"] = text
    state.sync_to_url("q", st.session_state["q"].strip())
    st.session_state["hit"] = 0


st.title("Search")
ui.question("Where did a word come up in the conversation, and what happened around it?")
tz, facts, filters = page_view()
if not facts.events:
    st.info(
        "Nothing to search: the store is empty. Ingest your Claude Code transcripts (Refresh) or load the demo data."
    )
    st.stop()
if not access.text_allowed():
    # Hits, suggestions, names and even match counts come from transcript text: all of it stays hidden.
    st.info(search.SEARCH_OFF)
    st.stop()

# -- the query ---------------------------------------------------------------------
if "q" not in st.session_state:
    st.session_state["q"] = st.query_params.get("q", "")
if "fields" not in st.session_state:
    st.session_state["fields"] = list(
        search.read_fields(st.query_params.get_all("fields"))[0] or search.FIELDS
    )
if "substring" not in st.session_state:
    st.session_state["substring"] = st.query_params.get("mode") == "substring"
query = st.text_input(
    "Query",
    key="q",
    placeholder='refactor · "connection refused" · KeyError',
    help='Every word must match (whole words); "quoted words" match as one run. Case is ignored; '
    "punctuation is matched literally.",
    on_change=use_query,
)
c1, c2 = st.columns([3, 1])
fields = c1.pills(
    "Search in",
    list(search.FIELDS),
    key="fields",
    selection_mode="multi",
    format_func=search.FIELD_LABELS.get,
)
substring = c2.toggle("Match inside words", key="substring")
state.sync_to_url("q", query.strip())
if fields:
    if set(fields) == set(search.FIELDS):
        st.query_params.pop("fields", None)
    else:
        state.sync_to_url("fields", fields)
state.sync_to_url("mode", "substring" if substring else None)

if not query.strip():
    st.caption(
        "Type words to find them in prompts, tool inputs (commands, paths, patterns), the assistant's text, tool "
        "output and error texts, e.g. the name of a function, a file or an exception."
    )
    st.stop()
if not fields:
    st.caption("Pick at least one field to search in.")
    st.stop()
results = cache.load(
    search.load_search,
    filters,
    query=query,
    fields=tuple(fields),
    mode="substring" if substring else "tokens",
)
if not results.hits:
    st.info("No event matches this query in these dates, filters and fields.")
    st.stop()

# -- hits ---------------------------------------------------------------------------
cols = st.columns(4)
ui.card(cols[0], "Matching events", f"{results.total:,}")
ui.card(cols[1], "Shown", f"{len(results.hits):,}", help="The best-ranked matches.")
hits = search.hits_table(results)
ui.table(
    hits.assign(ts=ui.in_zone(tz, hits["ts"]), session=SESSION_URL + hits["session_id"]),
    "search hits",
    key="hits",
    column_order=["rank", "ts", "field", "text", "project", "session", "tool", "model", "score"],
    column_config={
        "ts": st.column_config.DatetimeColumn(f"Time ({tz})", format="YYYY-MM-DD HH:mm"),
        "text": st.column_config.TextColumn("Match («…» marks the matching words)", width="large"),
        "session": st.column_config.LinkColumn("Session", display_text=r"session_a=(.*)$"),
        "score": st.column_config.NumberColumn("Score", format="%.3f"),
    },
)
st.caption(f"Ranked by score: {results.method}")

# -- one hit in its session --------------------------------------------------------------
st.subheader("In context")
if st.session_state.get("hit") not in range(len(results.hits)):
    st.session_state["hit"] = 0
pick = st.selectbox(
    "Hit",
    range(len(results.hits)),
    key="hit",
    format_func=lambda i: (
        f"#{i + 1} · {results.hits[i].ts.tz_convert(tz):%Y-%m-%d %H:%M} · {search.FIELD_LABELS[results.hits[i].field]}"
        + (f" · {results.hits[i].tool}" if results.hits[i].tool else "")
    ),
)
hit = results.hits[pick]
ui.plain(search.marked_snippet(hit))
context = search.context_table(hit)
st.dataframe(
    context.assign(ts=ui.in_zone(tz, context["ts"])),
    hide_index=True,
    width="stretch",
    column_config={
        "offset": st.column_config.NumberColumn("Position", help="0 is the hit; -1 the event before it."),
        "ts": st.column_config.DatetimeColumn(f"Time ({tz})", format="HH:mm:ss"),
        "text": st.column_config.TextColumn("Text (as recorded)", width="large"),
        "output_text": st.column_config.TextColumn("Tool output (as recorded)", width="medium"),
        "error_text": st.column_config.TextColumn("Error (as recorded)", width="medium"),
    },
)
if hit.session_id:
    st.link_button("Open this session", SESSION_URL + hit.session_id, icon=":material/forum:")

# -- refine -------------------------------------------------------------------------------
if results.suggestions:
    st.subheader("Next queries")
    cols = st.columns(min(len(results.suggestions), 4))
    for i, suggestion in enumerate(results.suggestions):
        cols[i % len(cols)].button(
            ui.literal(suggestion),
            key=f"suggest_{i}",
            on_click=use_query,
            args=(suggestion,),
            width="stretch",
        )

st.subheader("Where the matches are")
shown = {name: results.facet(name) for name in FACETS}
shown["field"] = shown["field"].replace({"value": search.FIELD_LABELS})
missing = [name for name, facet in shown.items() if facet.empty]
present = [name for name in FACETS if name not in missing]
for i, name in enumerate(present):
    if i % 2 == 0:
        cols = st.columns(2)
    with cols[i % 2]:
        ui.chart(charts.facet_bars(shown[name], name, FACETS[name], tz))
st.caption(
    "Each facet counts all matches, not only the ones shown, and lists its 10 most frequent values. An "
    "event that matches in several fields counts once: under its prompt, tool input or assistant text, "
    "else its error, else its tool output."
    + (f" No {' or '.join(missing)} is recorded on these matches." if missing else "")
)
left, right = st.columns(2)
with left:
    st.markdown("**Which sessions match most?**")
    sessions_facet = results.facet("session")
    st.dataframe(
        sessions_facet.assign(value=SESSION_URL + sessions_facet["value"]),
        hide_index=True,
        width="stretch",
        column_config={
            "value": st.column_config.LinkColumn("Session", display_text=r"session_a=(.*)$"),
            "hits": st.column_config.NumberColumn("Matches"),
        },
    )
with right:
    st.markdown("**Which files did those sessions touch?**")
    if results.related_files.empty:
        st.caption("No file reads or edits in these sessions.")
    else:
        st.dataframe(results.related_files, hide_index=True, width="stretch")
if not results.patterns.empty:
    st.markdown("**Names found in the matches** (identifiers written as code, never plain words)")
    st.dataframe(results.patterns, hide_index=True, width="stretch")
for note in results.notes:
    ui.plain(note)
