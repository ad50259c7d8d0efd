"""Full-text search over user prompts, tool inputs and error texts, ranked, with context.

:func:`search` runs in ClickHouse: four named queries per search, none per hit.

1. ``search_hits``: the ranked page of hits (an event whose text and error
   text both match is one hit, under its text field).
2. ``search_facets``: counts of *all* matches by project, session, tool,
   model, day (reporting zone) and field.
3. ``search_context``: the neighbouring events of every hit, for all hits'
   sessions at once.
4. ``search_files``: files read or written in the hits' sessions.

Then, in Python on the page of hits only: highlight spans, a snippet, the
function / class / error names found in the hits, and suggested next queries.

Query language
--------------
The query is split on whitespace into *terms*; a double-quoted run is one
term ("connection refused"). Every term must match (AND). A term matches a
field when the field contains it, ignoring case, and, in ``mode="tokens"``
(default), it stands as whole words: a term that starts (ends) with a letter
or digit must not continue a word on that side (word characters are ASCII
letters and digits and any non-ASCII character, as in ClickHouse's
``splitByNonAlpha`` tokenizer). ``mode="substring"`` drops the word rule.
Punctuation is always literal: ``' OR 1=1 --`` finds only text containing
``'``, ``OR``, ``1=1`` and ``--``, and ``"' OR 1=1 --"`` only that exact run.

The query is user text and is never put into SQL: the terms, their tokens,
the patterns built from them and a LIKE pattern are bound as parameters.

Index use
---------
``events`` has text indexes on ``lower(text)`` and ``lower(error_text)``
(tokenizer ``splitByNonAlpha``). Matches are read by one branch per field
kind (``search_matches.sql``), each a plain conjunction with the standard
filters, because ClickHouse does not use skip indexes for an OR of two fields
combined with other conditions. Each branch starts with
``hasAllTokens(lower(field), tokens)`` where ``tokens`` are the ASCII tokens a
matching field must contain whole (every token of a term in tokens mode; the
tokens inside a term in substring mode), so the index skips granules; the
substring-mode LIKE prefilter can use the index dictionary too. Terms without
such tokens (``%``, ``--``) scan.

Ranking (:data:`SCORE_FORMULA`)
-------------------------------
``relevance = field weight x sum over terms of ln(1 + occurrences)``, field
weights :data:`FIELD_WEIGHTS`; ``recency = 0.5 + 0.5 x 2^(-age / 7 days)``
with age measured back from the end of the window (or now, if earlier);
``score = relevance x recency``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath

import pandas as pd

from analytics.filters import Filters
from analytics.store import sql_text

FIELDS = ("prompt", "tool_input", "error")
FIELD_WEIGHTS = {"prompt": 1.0, "error": 0.8, "tool_input": 0.6}
HALF_LIFE_DAYS = 7.0
MODES = ("tokens", "substring")
MAX_TERMS = 16
MAX_QUERY_CHARS = 1000
SNIPPET_CHARS = 300
CONTEXT_CHARS = 300
FILE_TOOLS = ("Read", "Edit", "MultiEdit", "Write", "NotebookEdit")
SCORE_FORMULA = (
    "score = relevance x recency; relevance = field weight (prompt 1.0, error 0.8, tool input 0.6) x "
    "sum over terms of ln(1 + case-insensitive occurrences of the term in the field); recency = 0.5 + 0.5 x "
    f"2^(-age in days / {HALF_LIFE_DAYS:g}), age counted back from the end of the window or now."
)
PATTERNS = (
    ("function", re.compile(r"\bdef\s+([A-Za-z_]\w*)")),
    ("function", re.compile(r"\bfunction\s+([A-Za-z_$][\w$]*)")),
    ("class", re.compile(r"\bclass\s+([A-Za-z_]\w*)")),
    ("error", re.compile(r"\b([A-Z][A-Za-z0-9]*(?:Error|Exception))\b")),
)
"""Forms looked for in the hits: (kind, regex with the name as group 1)."""
HIT_COLUMNS = [
    "event_id",
    "session_id",
    "ts",
    "event_name",
    "tool_name",
    "model_name",
    "project",
    "field",
    "content",
    "term_hits",
    "relevance",
    "recency",
    "score",
]
FACET_COLUMNS = ["facet", "value", "hits"]
FILE_COLUMNS = ["path", "touches", "sessions", "tools"]
PATTERN_COLUMNS = ["kind", "value", "count", "hits"]

_TOKEN = re.compile(rb"[0-9A-Za-z\x80-\xff]+")
_WORD_CHAR = "0-9A-Za-z\u0080-\U0010ffff"
_RE2_SEP = r"[\x{0}-\x{2f}\x{3a}-\x{40}\x{5b}-\x{60}\x{7b}-\x{7f}]"


# -- results ----------------------------------------------------------------


@dataclass(frozen=True)
class ContextEvent:
    """One event next to a hit in its session; ``offset`` 0 is the hit, -1 the event before it."""

    offset: int
    ts: pd.Timestamp
    event_id: str
    event: str
    tool: str
    model: str
    success: int | None
    text: str
    error_text: str


@dataclass(frozen=True)
class SearchHit:
    """One matching event.

    ``text`` is a snippet of the matched field (at most ``SNIPPET_CHARS``
    characters, starting ``text_offset`` characters into a field of
    ``text_length`` characters); ``spans`` are (start, end) character offsets
    of the matches within ``text``, sorted and non-overlapping, to be rendered
    as plain text.
    """

    event_id: str
    session_id: str
    ts: pd.Timestamp
    event: str
    field: str
    tool: str
    model: str
    project: str
    score: float
    relevance: float
    recency: float
    term_hits: int
    text: str
    spans: tuple[tuple[int, int], ...]
    text_offset: int
    text_length: int
    context: tuple[ContextEvent, ...] = ()


@dataclass(frozen=True, eq=False)
class SearchResults:
    """A search and everything a page needs to explain and refine it.

    ``total`` counts all matching events (``hits`` is the best ``limit`` of
    them). ``facets`` columns: ``facet`` (project, session, tool, model, day,
    field), ``value``, ``hits``. ``related_files``: ``path``, ``touches``,
    ``sessions``, ``tools`` in the hits' sessions. ``patterns``: ``kind``
    (function, class, error), ``value``, ``count`` (occurrences in the hits),
    ``hits`` (hits containing it). ``suggestions``: next queries.
    """

    query: str
    terms: tuple[str, ...]
    mode: str
    fields: tuple[str, ...]
    hits: tuple[SearchHit, ...]
    total: int
    facets: pd.DataFrame
    related_files: pd.DataFrame
    patterns: pd.DataFrame
    suggestions: tuple[str, ...]
    window: tuple[datetime, datetime] | None
    method: str = SCORE_FORMULA
    limit: int = 50
    notes: tuple[str, ...] = field(default_factory=tuple)

    def facet(self, name: str) -> pd.DataFrame:
        """Rows of one facet (``value``, ``hits``), most frequent first."""
        f = self.facets[self.facets["facet"] == name]
        return f[["value", "hits"]].reset_index(drop=True)

    @property
    def related_sessions(self) -> pd.DataFrame:
        """Sessions with the most matches (``value`` is the session id)."""
        return self.facet("session")


# -- query handling -----------------------------------------------------------


def _all_terms(query: str) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for m in re.finditer(r'"([^"]*\S[^"]*)"|(\S+)', query or ""):
        term = m.group(1) if m.group(1) is not None else m.group(2)
        term = term.strip()
        if term and term.casefold() not in seen:
            seen.add(term.casefold())
            out.append(term)
    return out


def parse_query(query: str) -> tuple[str, ...]:
    """Terms of a query: whitespace-separated, a double-quoted run is one term.

    An unbalanced quote is literal. Case-insensitive duplicates are dropped; at
    most :data:`MAX_TERMS` terms from the first :data:`MAX_QUERY_CHARS`
    characters.
    """
    return tuple(_all_terms((query or "")[:MAX_QUERY_CHARS])[:MAX_TERMS])


def tokens_of(term: str) -> list[tuple[str, bool, bool]]:
    """Tokens of ``term`` as ClickHouse's ``tokens(lower(term), 'splitByNonAlpha')`` finds them.

    Each item is (token, starts the term, ends the term). Lowering is
    ASCII-only like ``lower``; runs of ASCII letters, digits and non-ASCII bytes
    are tokens.
    """
    raw = term.encode("utf-8").lower()
    return [(m.group().decode("utf-8"), m.start() == 0, m.end() == len(raw)) for m in _TOKEN.finditer(raw)]


def _re2_literal(term: str) -> str:
    """``term`` as an RE2 literal: letters, digits and non-ASCII as is, every other character hex-escaped."""
    return "".join(ch if _is_word_char(ch) else f"\\x{{{ord(ch):x}}}" for ch in term)


def _is_word_char(ch: str) -> bool:
    return (ch.isascii() and ch.isalnum()) or not ch.isascii()


def _re2_pattern(term: str) -> str:
    """RE2 pattern for a whole-word, case-insensitive match of ``term`` (the word rule applies on word-char ends)."""
    left = f"(?:^|{_RE2_SEP})" if _is_word_char(term[0]) else ""
    right = f"(?:{_RE2_SEP}|$)" if _is_word_char(term[-1]) else ""
    return f"(?i){left}{_re2_literal(term)}{right}"


def _py_pattern(term: str, mode: str) -> re.Pattern:
    """The same match in Python, for highlight spans (lookarounds do not consume the neighbours)."""
    body = re.escape(term)
    if mode == "tokens":
        if _is_word_char(term[0]):
            body = f"(?<![{_WORD_CHAR}])" + body
        if _is_word_char(term[-1]):
            body = body + f"(?![{_WORD_CHAR}])"
    return re.compile(body, re.IGNORECASE)


def _like_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def match_params(terms: Sequence[str], mode: str = "tokens", fields: Sequence[str] = FIELDS) -> dict:
    """Bound parameters of the match predicate (``search_match.sql``) for ``terms``.

    ``tokens``: ASCII tokens every matching field contains whole (index
    prefilter); ``like``: a LIKE pattern on the ASCII-lowered field
    (substring mode: the longest ASCII term; else ``%``); ``terms``: the terms
    for the case-insensitive containment check; ``patterns``: RE2 whole-word
    patterns (tokens mode only).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    bad = [f for f in fields if f not in FIELDS]
    if bad:
        raise ValueError(f"unknown search fields {bad}; allowed: {FIELDS}")
    toks: list[str] = []
    for t in terms:
        for tok, first, last in tokens_of(t):
            whole = mode == "tokens" or (not first and not last)
            if whole and tok.isascii() and tok not in toks:
                toks.append(tok)
    like = "%"
    if mode == "substring":
        ascii_terms = [t for t in terms if t.isascii()]
        if ascii_terms:
            like = "%" + _like_escape(max(ascii_terms, key=len).lower()) + "%"
    return {
        "f_prompt": "prompt" in fields,
        "f_tool": "tool_input" in fields,
        "f_error": "error" in fields,
        "tokens": toks,
        "like": like,
        "terms": list(terms),
        "patterns": [_re2_pattern(t) for t in terms] if mode == "tokens" else [],
    }


def _sql(name: str) -> str:
    """A search query with the shared match fragment (``search_matches.sql``) in place of ``__MATCHES__``."""
    return sql_text(name).replace("__MATCHES__", sql_text("search_matches"))


def highlight(text: str, terms: Sequence[str], mode: str = "tokens") -> tuple[tuple[int, int], ...]:
    """(start, end) character offsets of every match of ``terms`` in ``text``, merged and sorted."""
    spans = sorted(
        m.span() for t in terms for m in _py_pattern(t, mode).finditer(text) if m.end() > m.start()
    )
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return tuple((s, e) for s, e in merged)


def _snippet(text: str, spans: tuple[tuple[int, int], ...]) -> tuple[str, tuple[tuple[int, int], ...], int]:
    if len(text) <= SNIPPET_CHARS:
        return text, spans, 0
    first = spans[0][0] if spans else 0
    start = max(0, min(first - SNIPPET_CHARS // 4, len(text) - SNIPPET_CHARS))
    end = start + SNIPPET_CHARS
    inside = tuple((max(s, start) - start, min(e, end) - start) for s, e in spans if s < end and e > start)
    return text[start:end], inside, start


def find_patterns(texts: Sequence[str]) -> pd.DataFrame:
    """Function, class and error names in ``texts`` (:data:`PATTERNS`), most widespread first."""
    counts: dict[tuple[str, str], list[int]] = {}
    for text in texts:
        seen: set[tuple[str, str]] = set()
        for kind, rx in PATTERNS:
            for m in rx.finditer(text):
                key = (kind, m.group(1))
                c = counts.setdefault(key, [0, 0])
                c[0] += 1
                if key not in seen:
                    seen.add(key)
                    c[1] += 1
    rows = [dict(kind=k, value=v, count=c[0], hits=c[1]) for (k, v), c in counts.items()]
    frame = pd.DataFrame(rows, columns=PATTERN_COLUMNS)
    return frame.sort_values(["hits", "count", "value"], ascending=[False, False, True]).reset_index(
        drop=True
    )


def suggest_queries(
    query: str, terms: Sequence[str], patterns: pd.DataFrame, files: pd.DataFrame, limit: int = 8
) -> tuple[str, ...]:
    """Next queries: narrow by a name found in the hits, or pivot to a related file or name."""
    taken = {t.casefold() for t in terms}
    out: list[str] = []

    def add(q: str) -> None:
        if q.strip() and q.casefold() != query.strip().casefold() and q not in out:
            out.append(q)

    names = [v for v in patterns["value"] if v.casefold() not in taken] if not patterns.empty else []
    for v in names[:3]:
        add(f"{query.strip()} {v}")
    if not files.empty:
        for p in files["path"].head(3):
            name = PurePosixPath(str(p)).name
            if name and name.casefold() not in taken:
                add(name)
    for v in names[3:6]:
        add(v)
    return tuple(out[:limit])


def _empty(query: str, terms, mode: str, fields, filters, limit: int, notes=()) -> SearchResults:
    return SearchResults(
        query,
        tuple(terms),
        mode,
        tuple(fields),
        (),
        0,
        pd.DataFrame(columns=FACET_COLUMNS),
        pd.DataFrame(columns=FILE_COLUMNS),
        pd.DataFrame(columns=PATTERN_COLUMNS),
        (),
        (filters.start, filters.end),
        SCORE_FORMULA,
        limit,
        tuple(notes),
    )


def _notes(query: str, terms: tuple[str, ...], params: dict) -> tuple[str, ...]:
    """What the page should say about how the query was read."""
    notes = []
    if len(query) > MAX_QUERY_CHARS or len(_all_terms(query[:MAX_QUERY_CHARS])) > MAX_TERMS:
        notes.append(
            f"Only the first {MAX_TERMS} terms of the first {MAX_QUERY_CHARS} characters are searched."
        )
    if not params["tokens"] and params["like"] == "%":
        notes.append("No whole word in the query can use the text index: the whole window is scanned.")
    return tuple(notes)


def _none_if_na(v):
    return None if v is None or pd.isna(v) else int(v)


def _recency_reference(filters: Filters, now: datetime | None) -> datetime:
    """The time recency counts back from: the end of the window, or ``now`` if earlier (naive UTC)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return min(filters.end.astimezone(UTC), now).replace(tzinfo=None)


def _query_hits(store, filter_params: dict, params: dict, ref: datetime, limit: int) -> pd.DataFrame:
    """The best ``limit`` matching events, scored by :data:`SCORE_FORMULA` (``search_hits.sql``)."""
    return store.query_sql(
        _sql("search_hits"),
        **filter_params,
        **params,
        ref=ref,
        limit=limit,
        half_life_days=HALF_LIFE_DAYS,
        w_prompt=FIELD_WEIGHTS["prompt"],
        w_tool=FIELD_WEIGHTS["tool_input"],
        w_error=FIELD_WEIGHTS["error"],
    )


def _query_facets(
    store, filter_params: dict, params: dict, per_facet: int, n_hits: int
) -> tuple[pd.DataFrame, int]:
    """Counts of all matches by facet value (``search_facets.sql``) and the number of all matches.

    The number comes from the ``all`` facet (``n_hits`` when it is missing),
    which is left out of the returned facets.
    """
    facets = store.query_sql(
        _sql("search_facets"), **filter_params, **params, per_facet=max(1, int(per_facet))
    )
    total_rows = facets[facets["facet"] == "all"]["hits"]
    total = int(total_rows.iloc[0]) if len(total_rows) else n_hits
    return facets[facets["facet"] != "all"].reset_index(drop=True), total


def _context_event(row) -> ContextEvent:
    """One row of ``search_context.sql`` as a :class:`ContextEvent`."""
    return ContextEvent(
        int(row.offset),
        pd.Timestamp(row.ts).tz_localize("UTC"),
        row.event_id,
        row.event_name,
        row.tool_name,
        row.model_name,
        _none_if_na(row.succeeded),
        row.text_excerpt,
        row.error_excerpt,
    )


def _query_context(
    store, filter_params: dict, hits: pd.DataFrame, sessions: list[str], context: int
) -> dict[str, list[ContextEvent]]:
    """The events around every hit in its session (``search_context.sql``), by the hit's event id.

    ``context`` events on each side, clamped to 0-10.
    """
    rows = store.query(
        "search_context",
        **filter_params,
        sessions=sessions,
        hits=list(hits["event_id"]),
        radius=max(0, min(int(context), 10)),
        chars=CONTEXT_CHARS,
    )
    by_hit: dict[str, list[ContextEvent]] = {}
    for r in rows.itertuples(index=False) if not rows.empty else ():
        by_hit.setdefault(r.hit_id, []).append(_context_event(r))
    return by_hit


def _query_related_files(store, filter_params: dict, sessions: list[str]) -> pd.DataFrame:
    """Files read or written in ``sessions`` (``search_files.sql``): :data:`FILE_COLUMNS`, at most 20."""
    files = store.query(
        "search_files", **filter_params, sessions=sessions, file_tools=list(FILE_TOOLS), limit=20
    )
    return pd.DataFrame(columns=FILE_COLUMNS) if files.empty else files


def _search_hit(row, terms: tuple[str, ...], mode: str, context: tuple[ContextEvent, ...]) -> SearchHit:
    """One row of ``search_hits.sql`` as a :class:`SearchHit`: a snippet of its field with the matches."""
    spans = highlight(row.content, terms, mode)
    snippet, snippet_spans, offset = _snippet(row.content, spans)
    return SearchHit(
        row.event_id,
        row.session_id,
        pd.Timestamp(row.ts).tz_localize("UTC"),
        row.event_name,
        row.field,
        row.tool_name,
        row.model_name,
        row.project,
        float(row.score),
        float(row.relevance),
        float(row.recency),
        int(row.term_hits),
        snippet,
        snippet_spans,
        offset,
        len(row.content),
        context,
    )


def search(
    store,
    query: str,
    filters: Filters,
    fields: Sequence[str] = FIELDS,
    limit: int = 50,
    mode: str = "tokens",
    context: int = 2,
    per_facet: int = 10,
    now: datetime | None = None,
) -> SearchResults:
    """Ranked full-text search with facets, session context, related files and next queries.

    Parameters
    ----------
    store : Store
    query : str
        User text (see the module docs for the query language); never part of SQL.
    filters : Filters
        Window, projects, models (model-less events are kept), users, sources.
    fields : sequence of {"prompt", "tool_input", "error"}
        Fields to search: user prompt text, tool input summaries (paths,
        commands, patterns), error texts.
    limit : int
        Hits returned (1-500), best first.
    mode : {"tokens", "substring"}
        Whole-word terms (default) or plain substrings.
    context : int
        Neighbouring events on each side of a hit (0-10).
    per_facet : int
        Values per facet.
    now : datetime, optional
        Reference time for recency when the window ends later (default: now).

    Returns
    -------
    SearchResults
        Empty (``total == 0``, no hits) for an empty query or no match.

    Raises
    ------
    ValueError
        For an unknown field or mode.
    """
    fields = tuple(dict.fromkeys(fields))
    match_params((), mode, fields)  # validates mode and fields
    limit = max(1, min(int(limit), 500))
    terms = parse_query(query)
    if not terms or not fields:
        return _empty(query, terms, mode, fields, filters, limit)
    params = match_params(terms, mode, fields)
    notes = _notes(query, terms, params)
    ref = _recency_reference(filters, now)
    filter_params = filters.params()
    hits = _query_hits(store, filter_params, params, ref, limit)
    if hits.empty:
        return _empty(query, terms, mode, fields, filters, limit, notes)
    facets, total = _query_facets(store, filter_params, params, per_facet, len(hits))
    sessions = sorted(set(hits["session_id"]) - {""})
    by_hit = _query_context(store, filter_params, hits, sessions, context)
    files = _query_related_files(store, filter_params, sessions)
    out_hits = tuple(
        _search_hit(r, terms, mode, tuple(by_hit.get(r.event_id, ()))) for r in hits.itertuples(index=False)
    )
    patterns = find_patterns(list(hits["content"]))
    return SearchResults(
        query,
        terms,
        mode,
        fields,
        out_hits,
        total,
        facets,
        files.reset_index(drop=True),
        patterns,
        suggest_queries(query, terms, patterns, files),
        (filters.start, filters.end),
        SCORE_FORMULA,
        limit,
        notes,
    )


def load_search(
    store,
    filters: Filters,
    query: str,
    fields: Sequence[str] = FIELDS,
    mode: str = "tokens",
    limit: int = 50,
    context: int = 2,
) -> SearchResults:
    """:func:`search` with the store and filters first, the argument order of the app's cached loaders."""
    return search(store, query, filters, fields=fields, limit=limit, mode=mode, context=context)


# -- plain-text views -----------------------------------------------------------

MARKS = ("«", "»")
"""Markers put around matches in plain-text views of hits (the text itself is never interpreted)."""
ELLIPSIS = "…"
HIT_TABLE_COLUMNS = [
    "rank",
    "ts",
    "field",
    "event",
    "project",
    "session_id",
    "tool",
    "model",
    "score",
    "term_hits",
    "text",
]
CONTEXT_COLUMNS = ["offset", "ts", "event", "tool", "model", "success", "text", "error_text"]


def mark_spans(text: str, spans: Sequence[tuple[int, int]], marks: tuple[str, str] = MARKS) -> str:
    """``text`` with ``marks[0]`` before and ``marks[1]`` after every (start, end) character span.

    Spans are taken in order; parts outside the text or overlapping an earlier
    span are clipped, empty ones skipped. Nothing else in ``text`` changes.

    Examples
    --------
    >>> mark_spans("fix the test", ((4, 7),))
    'fix «the» test'
    """
    out: list[str] = []
    pos = 0
    for s, e in spans:
        s, e = max(int(s), pos), min(int(e), len(text))
        if e <= s:
            continue
        out += [text[pos:s], marks[0], text[s:e], marks[1]]
        pos = e
    out.append(text[pos:])
    return "".join(out)


def marked_snippet(hit: SearchHit, marks: tuple[str, str] = MARKS) -> str:
    """A hit's snippet with its matches marked and :data:`ELLIPSIS` where the field was cut."""
    head = ELLIPSIS if hit.text_offset > 0 else ""
    tail = ELLIPSIS if hit.text_offset + len(hit.text) < hit.text_length else ""
    return head + mark_spans(hit.text, hit.spans, marks) + tail


def hits_table(results: SearchResults, marks: tuple[str, str] = MARKS) -> pd.DataFrame:
    """The hits as rows, best first: :data:`HIT_TABLE_COLUMNS`.

    ``rank`` starts at 1, ``ts`` is UTC, ``text`` the :func:`marked_snippet`.
    Empty (with the columns) when there is no hit.
    """
    rows = [
        dict(
            rank=i,
            ts=h.ts,
            field=h.field,
            event=h.event,
            project=h.project,
            session_id=h.session_id,
            tool=h.tool,
            model=h.model,
            score=h.score,
            term_hits=h.term_hits,
            text=marked_snippet(h, marks),
        )
        for i, h in enumerate(results.hits, start=1)
    ]
    return pd.DataFrame(rows, columns=HIT_TABLE_COLUMNS)


def context_table(hit: SearchHit) -> pd.DataFrame:
    """The events around a hit in its session (:data:`CONTEXT_COLUMNS`), offset 0 being the hit.

    ``ts`` is UTC; ``success`` is 1, 0 or None (not a call); ``text`` and
    ``error_text`` are the stored excerpts (at most ``CONTEXT_CHARS``
    characters each), unmarked.
    """
    rows = [
        dict(
            offset=c.offset,
            ts=c.ts,
            event=c.event,
            tool=c.tool,
            model=c.model,
            success=c.success,
            text=c.text,
            error_text=c.error_text,
        )
        for c in sorted(hit.context, key=lambda c: c.offset)
    ]
    return pd.DataFrame(rows, columns=CONTEXT_COLUMNS)
