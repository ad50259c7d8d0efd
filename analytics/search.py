"""Full-text search over the whole conversation, ranked, with context.

Fields (:data:`FIELDS`): the user's prompts, tool inputs (paths, commands,
patterns), the assistant's text, tool output (its first 4,000 characters)
and error texts.

:func:`search` runs in ClickHouse: four named queries per search, none per hit.

1. ``search_hits``: the ranked page of hits (an event that matches in several
   fields is one hit, under the first of its text field (prompt, tool input
   or assistant), error and tool output).
2. ``search_facets``: counts of *all* matches by project, session, tool,
   model, day (reporting zone) and field.
3. ``search_context``: the neighbouring events of every hit, for all hits'
   sessions at once.
4. ``search_files``: files read or written in the hits' sessions.

Then, in Python on the page of hits only: highlight spans, a snippet, the
names found in the hits (:func:`find_names`, in the first
:data:`NAME_SCAN_CHARS` characters of each) and suggested next queries.

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
``events`` has text indexes on ``lower(text)``, ``lower(error_text)`` and
``lower(output_text)`` (tokenizer ``splitByNonAlpha``). Matches are read by
one branch per column (``search_matches.sql``), each a plain conjunction
with the standard filters, because ClickHouse does not use skip indexes for
an OR of two fields combined with other conditions. Each branch starts with
``hasAllTokens(lower(field), tokens)`` where ``tokens`` are the ASCII tokens a
matching field must contain whole (every token of a term in tokens mode; the
tokens inside a term in substring mode), so the index skips granules; the
substring-mode LIKE prefilter can use the index dictionary too. Terms without
such tokens (``%``, ``--``) scan. When every term is one whole ASCII word
(:func:`tokens_decide`), the tokens are the whole match: the other checks are
skipped and only the matches' text is read, to count and show them.

Ranking (:data:`SCORE_FORMULA`)
-------------------------------
``relevance = field weight x sum over terms of ln(1 + occurrences)``, field
weights :data:`FIELD_WEIGHTS`; ``recency = 0.5 + 0.5 x 2^(-age / 7 days)``
with age measured back from the end of the window (or now, if earlier);
``score = relevance x recency``.

Names found and next queries
----------------------------
Only identifiers written as code count (:func:`find_names`): the contents of
inline backtick spans, snake_case, camelCase and PascalCase words, dotted
names (``os.path.join``), file paths, exception names and CLI flags, and the
names that follow ``def``, ``class``, ``function``, ``func`` or ``fn``. A plain
word outside backticks (``which``, ``doesn``) never counts, nor does a common
English word or a language keyword inside them (:data:`STOP_WORDS`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath

import pandas as pd

from analytics.filters import Filters
from analytics.store import sql_text

FIELDS = ("prompt", "tool_input", "assistant", "tool_output", "error")
"""Searchable fields: user prompts, tool inputs, the assistant's text, tool output, error texts."""
FIELD_LABELS = {
    "prompt": "prompts",
    "tool_input": "tool inputs",
    "assistant": "assistant text",
    "tool_output": "tool output",
    "error": "errors",
}
"""Readable plural names of the fields."""
FIELD_WEIGHTS = {"prompt": 1.0, "error": 0.8, "assistant": 0.7, "tool_input": 0.6, "tool_output": 0.4}
SEARCH_OFF = (
    "Search is off in this hosted view: prompts, tool inputs, assistant text, tool output and error texts "
    "are hidden (an administrator can allow them with show_text = true)."
)
"""Why a view that may not show transcript text offers no search at all (no hits, names or counts)."""
HALF_LIFE_DAYS = 7.0
MODES = ("tokens", "substring")
MAX_TERMS = 16
MAX_QUERY_CHARS = 1000
SNIPPET_CHARS = 300
CONTEXT_CHARS = 300
NAME_SCAN_CHARS = 10_000
"""Names are looked for in the first this many characters of each hit's field."""
FILE_TOOLS = ("Read", "Edit", "MultiEdit", "Write", "NotebookEdit")
SCORE_FORMULA = (
    "score = relevance x recency; relevance = field weight ("
    + ", ".join(f"{FIELD_LABELS[f]} {w:g}" for f, w in FIELD_WEIGHTS.items())
    + ") x sum over terms of ln(1 + case-insensitive occurrences of the term in the field); "
    f"recency = 0.5 + 0.5 x 2^(-age in days / {HALF_LIFE_DAYS:g}), age counted back from the end of the "
    "window or now."
)
NAME_KINDS = ("function", "class", "error", "file", "flag", "name")
"""Kinds of names found in the hits, most specific first; a name seen as several kinds takes the first."""
STOP_WORDS = frozenset(
    """
    a about after again all also an and any are as at be because been before both but by can could did
    do does doesn don done each either else etc for from get got had has have he her here his how i if in
    into is it its just like make may me might more most must my new no nor not now of ok on one only or
    other our out over per same see she should so some such than that the their them then there these they
    this those to too up use used using very via vs want was way we well were what when where which while
    who why will with would yes you your
    assert async await break case catch class const continue def del elif except export extends false finally
    fn func function global import lambda let none nonlocal null pass raise return self static super switch
    throw true try undefined var void yield
    bool dict float int list set str string tuple
    """.split()
)
"""Words never taken as names, even inside backticks: common English words and language keywords."""
FILE_EXTENSIONS = frozenset(
    """
    c cc cfg cpp cs css csv go h hpp html ini ipynb java js json jsonl jsx kt lock log md mjs php py pyi rb rs
    scss sh sql swift toml ts tsx txt xml yaml yml zsh
    """.split()
)
"""Last parts that make a dotted name a file name (``search.py``)."""
_DEFINITIONS = (
    ("function", re.compile(r"\bdef\s+([A-Za-z_]\w*)", re.ASCII)),
    ("function", re.compile(r"\b(?:function|func|fn)\s+([A-Za-z_$][\w$]*)\s*[(<]", re.ASCII)),
    ("class", re.compile(r"\bclass\s+([A-Za-z_]\w*)\s*(?:[(:{<]|(?:extends|implements)\b)", re.ASCII)),
)
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_ESCAPED_BREAK = re.compile(r"\\[nrt]")
_CODE_TOKEN = re.compile(
    r"""
      (?P<url>\b[A-Za-z][A-Za-z0-9+.-]*://\S+)
    | (?P<path>(?<![\w.~/:@+-])(?:
          (?:~|\.{1,2})?/[\w.@+-]+(?:/[\w.@+-]+)+/?
        | (?:~|\.{1,2})?/[\w@+-]*\.[\w.@+-]*[A-Za-z0-9]
        | [\w@+-][\w.@+-]*(?:/[\w.@+-]+)*/[\w.@+-]*\.[A-Za-z][A-Za-z0-9]{0,7}(?![\w@+-])
      ))
    | (?P<dotted>(?<![\w$./-])[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+(?![\w$]))
    | (?P<flag>(?<![\w-])(?:--[A-Za-z](?:[\w-]*[A-Za-z0-9])?|-[A-Za-z][A-Za-z0-9]{0,2})(?![\w-]))
    | (?P<word>(?<![\w$])[A-Za-z_$][\w$]*)
    """,
    re.VERBOSE | re.ASCII,
)
_ERROR_NAME = re.compile(r"[A-Z][A-Za-z0-9]*(?:Error|Exception|Warning)", re.ASCII)
_CAMEL = re.compile(r"[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+", re.ASCII)
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
FACETS = ("field", "project", "session", "tool", "model", "day")
"""What matches are counted by (``search_facets.sql``); ``day`` in the reporting zone."""
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
    output_text: str = ""


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
    ``sessions``, ``tools`` in the hits' sessions. ``patterns``: the names
    found in the hits (:func:`find_names`): ``kind`` (:data:`NAME_KINDS`),
    ``value``, ``count`` (occurrences in the hits),
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


def read_fields(values: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The fields a URL's ``fields`` values name: (known ones, unknown ones), each in order, without repeats.

    Each value may list several fields separated by commas; blanks are
    ignored.

    Examples
    --------
    >>> read_fields(["prompt,error", "error", " tool_output ", "", "body"])
    (('prompt', 'error', 'tool_output'), ('body',))
    """
    named = dict.fromkeys(f.strip() for v in values for f in str(v).split(",") if f.strip())
    return tuple(f for f in named if f in FIELDS), tuple(f for f in named if f not in FIELDS)


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
    patterns (tokens mode only); ``exact``: the tokens alone decide the match
    (:func:`tokens_decide`), so the other checks are skipped.
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
        "f_assistant": "assistant" in fields,
        "f_output": "tool_output" in fields,
        "f_error": "error" in fields,
        "tokens": toks,
        "like": like,
        "terms": list(terms),
        "patterns": [_re2_pattern(t) for t in terms] if mode == "tokens" else [],
        "exact": tokens_decide(terms, mode),
    }


def tokens_decide(terms: Sequence[str], mode: str) -> bool:
    """Whether a field has every term (as :data:`MODES` reads it) exactly when it has every term's token.

    True in tokens mode when every term is one whole ASCII word (letters and
    digits only): the field's ASCII-lowered tokens (``splitByNonAlpha``, which
    the text indexes hold) include the lowered term exactly when the field
    contains the term, ignoring case, with no word character on either side.
    Then the index answers the match without the field's text being read.

    Examples
    --------
    >>> tokens_decide(["pytest", "Error2"], "tokens"), tokens_decide(["auth.py"], "tokens")
    (True, False)
    >>> tokens_decide(["pytest"], "substring"), tokens_decide(["naïve"], "tokens"), tokens_decide([], "tokens")
    (False, False, False)
    """
    return mode == "tokens" and bool(terms) and all(t.isascii() and t.isalnum() for t in terms)


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


def _word_kind(word: str) -> str | None:
    """The kind of a word by its shape alone: an exception name, snake_case, camelCase or PascalCase is a
    name; a plain word (``which``, ``Which``, ``PRs``, ``_word_``) is None."""
    if _ERROR_NAME.fullmatch(word):
        return "error"
    inner = word.strip("_$")
    if not inner:
        return None
    dunder = word.startswith("__") and word.endswith("__")
    if "_" in inner or dunder or (word.startswith("_") and not word.endswith("_")):
        return "name"  # snake_case, SCREAMING_SNAKE, __dunder__, _private
    if _CAMEL.fullmatch(word):
        return "name"
    upper = sum(c.isupper() for c in word)
    pascal = word[0].isupper() and 2 <= upper < len(word)
    return "name" if pascal and not re.fullmatch(r"[A-Z]+s", word) else None


def _dotted_kind(name: str) -> str | None:
    """The kind of a dotted name: ``search.py`` a file, ``errors.ParserError`` an error, ``os.path`` a name;
    None when the last part has one character or every part does (``e.g``, ``U.S``, ``Ph.D``)."""
    parts = name.split(".")
    if len(parts[-1]) < 2:
        return None
    if parts[-1].lower() in FILE_EXTENSIONS:
        return "file"
    return "error" if _ERROR_NAME.fullmatch(parts[-1]) else "name"


def _scan_names(text: str, start: int, end: int, defined: dict, code: bool) -> list[tuple[str, str]]:
    """Names in ``text[start:end]``; ``code``: the inside of a backtick span, where the first word and a
    span's only word count even when plain."""
    out: list[tuple[str, str]] = []
    first = True
    for m in _CODE_TOKEN.finditer(text, start, end):
        kind, value = m.lastgroup, m.group()
        found: str | None = None
        if kind == "path":
            value = value.rstrip(".,:;")
            found = "file"
        elif kind == "dotted":
            found = _dotted_kind(value)
        elif kind == "flag":
            found = "flag"
        elif kind == "word":
            found = defined.get(m.span()) or _word_kind(value)
            if found is None and code and first and len(value) > 1 and value.casefold() not in STOP_WORDS:
                found = "name"
        first = False
        if found is not None:
            out.append((found, value))
    return out


def find_names_in(text: str) -> list[tuple[str, str]]:
    """(kind, name) of every identifier written as code in ``text``, in order of appearance.

    Kinds (:data:`NAME_KINDS`): ``function`` / ``class`` (after ``def``,
    ``function``/``func``/``fn`` + ``(``, ``class`` + ``(``, ``:``, ``{``
    or ``extends``), ``error`` (``KeyError``, ``errors.ParserError``),
    ``file`` (paths with a slash: absolute, ``~/``, ``./`` or ending in a
    file name with an extension; dotted names ending in a known extension,
    :data:`FILE_EXTENSIONS`), ``flag`` (``--dry-run``, ``-rf``: one dash and
    at most three characters, or two dashes), ``name`` (snake_case,
    camelCase, PascalCase, dotted names, and inside a backtick span its
    first word). Plain words outside backticks, words of
    :data:`STOP_WORDS`, URLs, numbers and acronyms (``API``, ``PRs``) are no
    names.

    Examples
    --------
    >>> find_names_in("Which file? `pytest -x` says KeyError in src/app.py, vs load_data")
    [('name', 'pytest'), ('flag', '-x'), ('error', 'KeyError'), ('file', 'src/app.py'), ('name', 'load_data')]
    """
    text = _ESCAPED_BREAK.sub("  ", text)  # a literal "\\n" separates words, as a line break does
    defined: dict[tuple[int, int], str] = {}
    for kind, rx in _DEFINITIONS:
        for m in rx.finditer(text):
            if m.group(1).casefold() not in STOP_WORDS:
                defined.setdefault(m.span(1), kind)
    out: list[tuple[str, str]] = []
    pos = 0
    for span in _CODE_SPAN.finditer(text):
        out += _scan_names(text, pos, span.start(), defined, code=False)
        out += _scan_names(text, span.start(1), span.end(1), defined, code=True)
        pos = span.end()
    return out + _scan_names(text, pos, len(text), defined, code=False)


def find_names(texts: Sequence[str]) -> pd.DataFrame:
    """Identifiers written as code in ``texts`` (:func:`find_names_in`), most widespread first.

    Returns
    -------
    DataFrame
        :data:`PATTERN_COLUMNS`: ``kind`` (a name seen as several kinds takes
        the first of :data:`NAME_KINDS`), ``value`` (as written, case kept),
        ``count`` (occurrences in all texts), ``hits`` (texts containing it);
        sorted by hits, count (both descending), then value. Empty (with the
        columns) when no text holds one.
    """
    counts: dict[str, list] = {}
    for text in texts:
        seen: set[str] = set()
        for kind, value in find_names_in(text):
            c = counts.setdefault(value, [kind, 0, 0])
            if NAME_KINDS.index(kind) < NAME_KINDS.index(c[0]):
                c[0] = kind
            c[1] += 1
            if value not in seen:
                seen.add(value)
                c[2] += 1
    rows = [dict(kind=c[0], value=v, count=c[1], hits=c[2]) for v, c in counts.items()]
    frame = pd.DataFrame(rows, columns=PATTERN_COLUMNS)
    return frame.sort_values(["hits", "count", "value"], ascending=[False, False, True]).reset_index(
        drop=True
    )


def _path_query(path: str) -> str:
    """What to search for a path: its last part when that alone reads as code (``search.py``,
    ``.gitignore``, ``test_cart``), else the whole path (``/Users/me/project``, not ``project``)."""
    name = PurePosixPath(path).name
    return name if name and ("." in name or _word_kind(name)) else path


def suggest_queries(
    query: str, terms: Sequence[str], names: pd.DataFrame, files: pd.DataFrame, limit: int = 8
) -> tuple[str, ...]:
    """Next queries: narrow by a name found in the hits, or pivot to a related file or name.

    Only names of :func:`find_names` (flags of four characters or more) and
    ``files``' paths are used, a path by its last part when that reads as
    code (:func:`_path_query`), never a query term again: the query plus each of the first three
    names, then up to three related file names, then the next three names
    alone; at most ``limit``.
    """
    taken = {t.casefold() for t in terms}
    out: list[str] = []

    def add(q: str) -> None:
        if q.strip() and q.casefold() != query.strip().casefold() and q not in out:
            out.append(q)

    found = [] if names.empty else zip(names["kind"], names["value"], strict=True)
    short = [_path_query(v) if k == "file" else v for k, v in found if k != "flag" or len(v) >= 4]
    candidates = [v for v in dict.fromkeys(short) if v and v.casefold() not in taken]
    for v in candidates[:3]:
        add(f"{query.strip()} {v}")
    if not files.empty:
        for p in files["path"].head(3):
            name = _path_query(str(p))
            if name and name.casefold() not in taken:
                add(name)
    for v in candidates[3:6]:
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
        weighted_fields=list(FIELD_WEIGHTS),
        weights=list(FIELD_WEIGHTS.values()),
    )


def _facets_and_total(facets: pd.DataFrame, n_hits: int) -> tuple[pd.DataFrame, int]:
    """Counts of all matches by facet value (the rows of ``search_facets.sql``) and the number of all matches.

    The number comes from the ``all`` facet (``n_hits`` when it is missing),
    which is left out of the returned facets.
    """
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
        row.output_excerpt,
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
    fields : sequence of {"prompt", "tool_input", "assistant", "tool_output", "error"}
        Fields to search (:data:`FIELDS`): user prompt text, tool input
        summaries (paths, commands, patterns), the assistant's text, tool
        output (first 4,000 characters), error texts.
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
    with ThreadPoolExecutor(max_workers=2) as pool:  # each scans every match: both at once
        facet_sql, per = _sql("search_facets"), max(1, int(per_facet))
        counted = pool.submit(store.query_sql, facet_sql, **filter_params, **params, per_facet=per)
        hits = _query_hits(store, filter_params, params, ref, limit)
        if hits.empty:
            counted.cancel()
            return _empty(query, terms, mode, fields, filters, limit, notes)
        facets, total = _facets_and_total(counted.result(), len(hits))
        sessions = sorted(set(hits["session_id"]) - {""})
        related = pool.submit(_query_related_files, store, filter_params, sessions)
        by_hit = _query_context(store, filter_params, hits, sessions, context)
        files = related.result()
    out_hits = tuple(
        _search_hit(r, terms, mode, tuple(by_hit.get(r.event_id, ()))) for r in hits.itertuples(index=False)
    )
    patterns = find_names([c[:NAME_SCAN_CHARS] for c in hits["content"]])
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
CONTEXT_COLUMNS = ["offset", "ts", "event", "tool", "model", "success", "text", "output_text", "error_text"]


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

    ``ts`` is UTC; ``success`` is 1, 0 or None (not a call); ``text``,
    ``output_text`` (a tool's output) and ``error_text`` are the stored
    excerpts (at most ``CONTEXT_CHARS`` characters each), unmarked.
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
            output_text=c.output_text,
            error_text=c.error_text,
        )
        for c in sorted(hit.context, key=lambda c: c.offset)
    ]
    return pd.DataFrame(rows, columns=CONTEXT_COLUMNS)
