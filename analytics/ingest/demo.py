"""Deterministic, realistic synthetic Claude Code telemetry (``source = 'demo'``).

The generator gives a fresh install meaningful pages: three projects, two to
four users in two time zones working on weekdays in office hours, sessions of
prompts that run realistic tool sequences (Read -> Grep -> Edit, Glob -> Read
-> Edit -> Bash test, TodoWrite plans, Task subagents on the sidechain, Grep /
Read loops, Edit -> failing Bash -> Edit cycles), API requests with growing
cached contexts, API errors, permission decisions and two planted anomalies
(see :func:`demo_anomalies`). Names, paths, prompts and messages come from
``demo_words.json`` beside this module.

Everything is vectorised with NumPy and built as Arrow columns: sessions are
drawn first, then expanded to prompts, to tool-sequence motifs, to steps (one
API request each) and finally to events with ``np.repeat`` and index
arithmetic. Nothing loops per event in Python, and rows are yielded in chunks
of at most :data:`CHUNK_ROWS`, so memory stays bounded for any ``n_events``.

What the rows hold (beyond the ids, who / where columns and ``version = 1``;
``project`` and ``repository`` are labels, ``cwd`` the full path):

* ``user_prompt``: ``text`` (the prompt), ``attrs['prompt_length']``.
* ``api_request``: ``model``, tokens, ``cost_usd`` from
  :func:`analytics.pricing.cost_of` (``cost_source`` 'computed'; NULL and
  'unpriced' for ``claude-experimental-x``), ``duration_ms``, ``ttft_ms``,
  ``attempt`` (1, or 1 + the failed tries of the api_error before it),
  ``success = 1``, ``query_source`` ('repl_main_thread', 'subagent', or
  'topic_detection' / 'bash_prefix' for quick Haiku calls). Durations, here
  and below, have ``duration_source`` 'reported' (as OpenTelemetry's).
* ``api_error``: ``model``, ``status_code`` (0 for timeouts and connection
  errors), ``error_text``, ``error_type`` as ``cc_error_type`` gives it,
  ``attempt`` 1-4, ``duration_ms`` (time lost), ``success = 0``. About one in
  eight is not recovered: no request follows.
* ``tool_decision``: ``tool``, ``tool_use_id``, ``text`` (tool input),
  ``decision`` 'accept' (``decision_source`` 'config', 'user_temporary',
  'user_permanent') or 'reject' ('user_reject'; the prompt stops there).
* ``tool_result``: ``tool``, ``tool_use_id``, ``text`` (paths, commands,
  patterns), ``success``, ``duration_ms``; failures carry ``error_type``
  'tool_error' or 'user_rejected' and an ``error_text``, which is also their
  ``output_text``.
* Subagent (Task) rows: ``is_sidechain = 1`` and an ``agent_id``.

Determinism: the output depends only on ``(n_events, seed, days, end, labels)``; with
a fixed ``end`` two runs give byte-identical tables. Event ids are
``demo:<seed>:<n>``, so loading the same seed again replaces the earlier demo
rows in the ReplacingMergeTree instead of adding to them.
"""

from __future__ import annotations

import json
import string
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics.pricing import cost_of, model_rates

if TYPE_CHECKING:
    from analytics.store import Store

CHUNK_ROWS = 500_000
"""Upper bound of rows per yielded table."""
MAX_CHUNK_SESSIONS = 500
"""Sessions expanded at once (about 90k events: small inserts keep the engine's memory low)."""
_EVENTS_PER_SESSION_GUESS = 185.0

EVENTS_SCHEMA = pa.schema(
    [
        ("ts", pa.timestamp("ms", tz="UTC")),
        ("source", pa.string()),
        ("event", pa.string()),
        ("session_id", pa.string()),
        ("prompt_id", pa.string()),
        ("request_id", pa.string()),
        ("message_id", pa.string()),
        ("event_id", pa.string()),
        ("seq", pa.uint64()),
        ("project", pa.string()),
        ("repository", pa.string()),
        ("cwd", pa.string()),
        ("git_branch", pa.string()),
        ("user_id", pa.string()),
        ("user_email", pa.string()),
        ("org_id", pa.string()),
        ("terminal", pa.string()),
        ("cc_version", pa.string()),
        ("model", pa.string()),
        ("is_sidechain", pa.uint8()),
        ("agent_id", pa.string()),
        ("query_source", pa.string()),
        ("input_tokens", pa.uint64()),
        ("output_tokens", pa.uint64()),
        ("cache_read_tokens", pa.uint64()),
        ("cache_write_5m_tokens", pa.uint64()),
        ("cache_write_1h_tokens", pa.uint64()),
        ("cost_usd", pa.float64()),
        ("cost_source", pa.string()),
        ("duration_ms", pa.float64()),
        ("duration_source", pa.string()),
        ("ttft_ms", pa.float64()),
        ("status_code", pa.uint16()),
        ("attempt", pa.uint16()),
        ("success", pa.uint8()),
        ("tool", pa.string()),
        ("tool_use_id", pa.string()),
        ("decision", pa.string()),
        ("decision_source", pa.string()),
        ("error_type", pa.string()),
        ("error_text", pa.string()),
        ("text", pa.string()),
        ("output_text", pa.string()),
        ("attrs", pa.map_(pa.string(), pa.string())),
        ("version", pa.uint64()),
    ]
)
"""Arrow schema of a generated chunk: every ``events`` column except the defaulted ``ingested_at`` and ``hidden``."""

EVENT_TYPES = ("user_prompt", "api_error", "api_request", "tool_decision", "tool_result")
_PROMPT, _ERROR, _REQUEST, _DECISION, _RESULT = range(5)


# -- word lists ---------------------------------------------------------------
def _load_words() -> dict:
    """The generator's word lists from ``demo_words.json`` beside this module.

    Returns
    -------
    dict
        ``users``, ``projects``, ``git_commands``, ``prompt_templates``,
        ``function_tool_inputs`` (templates with a ``{function}`` slot, per
        tool), ``tool_failures`` (per tool), ``tool_rejected`` and
        ``api_errors`` (status, message, share of normal and of burst errors,
        retry delay in ms).
    """
    return json.loads((Path(__file__).parent / "demo_words.json").read_text(encoding="utf-8"))


_WORDS = _load_words()

# -- models -------------------------------------------------------------------
MODELS = (
    "claude-sonnet-4-5-20250929",
    "claude-opus-4-5-20251101",
    "claude-haiku-4-5-20251001",
    "claude-experimental-x",
)
"""Models in the demo; the last one is unknown to the price book (unpriced)."""
_SONNET, _OPUS, _HAIKU, _EXPERIMENTAL = range(4)
_MAIN_MODEL_P = np.array([0.70, 0.27, 0.0, 0.03])
_SPIKE_MODEL_P = np.array([0.08, 0.90, 0.0, 0.02])
_TTFT_MEDIAN_MS = np.array([1400.0, 2100.0, 550.0, 1800.0])
_TTFT_SIGMA = np.array([0.45, 0.50, 0.40, 0.60])
_TOKENS_PER_S = np.array([62.0, 42.0, 140.0, 55.0])

# -- tools --------------------------------------------------------------------
# Internal tool codes (index 0: no tool); the three Bash kinds share the tool name "Bash".
_TOOL_PROFILES = {  # code: (success probability, median run time in ms, lognormal sigma)
    "": (1.0, 0, 0.0),
    "Read": (0.985, 35, 0.6),
    "Grep": (0.995, 180, 0.7),
    "Glob": (0.998, 90, 0.6),
    "Edit": (0.95, 60, 0.5),
    "Write": (0.99, 45, 0.5),
    "BashTest": (0.70, 9000, 1.0),
    "BashBuild": (0.85, 25000, 0.8),
    "BashGit": (0.97, 180, 0.6),
    "TodoWrite": (1.0, 8, 0.4),
    "Task": (0.97, 0, 0.0),  # runs as long as its subagent
    "WebSearch": (0.97, 3500, 0.5),
    "WebFetch": (0.90, 2200, 0.7),
    "MultiEdit": (0.93, 90, 0.5),
}
_TOOL_CODES = tuple(_TOOL_PROFILES)
_TK = {name: i for i, name in enumerate(_TOOL_CODES)}
_TOOL_NAMES = np.array([("Bash" if c.startswith("Bash") else c) for c in _TOOL_CODES], dtype=object)
_N_TK = len(_TOOL_CODES)
_SUCCESS_P = np.array([p for p, _, _ in _TOOL_PROFILES.values()])
_TOOL_MS = np.array([(ms, sigma) for _, ms, sigma in _TOOL_PROFILES.values()], dtype=np.float64)
_GATED = np.zeros(_N_TK, dtype=bool)
_GATED[[_TK[t] for t in ("Edit", "Write", "MultiEdit", "BashTest", "BashBuild", "BashGit", "WebFetch")]] = 1
_REJECT_P = np.where(_GATED, 0.035, 0.0)
_REJECT_P[[_TK["BashTest"], _TK["BashBuild"], _TK["BashGit"]]] = 0.06
_FILE_TOOLS = np.zeros(_N_TK, dtype=bool)
_FILE_TOOLS[[_TK[t] for t in ("Read", "Edit", "Write", "MultiEdit")]] = True
_EDITING = np.zeros(_N_TK, dtype=bool)
_EDITING[[_TK[t] for t in ("Edit", "Write", "MultiEdit", "TodoWrite")]] = True

# -- steps and motifs ---------------------------------------------------------
# A step is one API request, optionally followed by a tool use. Motifs are the
# tool sequences prompts are made of: "?x" is a quick Haiku call (query source
# x), ">" marks a subagent (sidechain) step, "!" a Bash run that fails.
_TOOL_STEP, _ANSWER, _QUICK = range(3)
_QUERY_SOURCES = ("", "repl_main_thread", "subagent", "topic_detection", "bash_prefix")
_MOTIFS = (
    ("topic", 0.0, "?topic_detection"),
    ("answer", 0.0, "answer"),
    ("read_grep_edit", 14.0, "Read Grep Edit"),
    ("glob_read_edit_test", 12.0, "Glob Read Edit ?bash_prefix BashTest"),
    ("todo_plan", 6.0, "TodoWrite Read Read Edit TodoWrite"),
    ("task_search", 5.0, "Task >Grep >Read >Grep >Read >answer"),
    ("task_explore", 4.0, "Task >Glob >Read >Read >answer"),
    ("grep_read_loop", 5.0, "Grep Read Grep Read Grep"),
    (
        "edit_test_fix_cycle",
        6.0,
        "Edit ?bash_prefix BashTest! Edit ?bash_prefix BashTest! Edit ?bash_prefix BashTest",
    ),
    ("read", 12.0, "Read Read"),
    ("write_test", 5.0, "Write ?bash_prefix BashTest"),
    ("git", 5.0, "?bash_prefix BashGit ?bash_prefix BashGit"),
    ("edit_build", 6.0, "Edit ?bash_prefix BashBuild"),
    ("web", 2.0, "WebSearch WebFetch"),
    ("multi_edit", 4.0, "Read MultiEdit Edit"),
    ("grep_edit", 8.0, "Grep Edit"),
)
"""(name, weight, steps) of every motif; the first two open and close each prompt."""


def _parse_motifs():
    kind, tk, side, fail, qsrc, defer, starts, lengths = [], [], [], [], [], [], [], []
    for _, _, spec in _MOTIFS:
        starts.append(len(kind))
        tokens = spec.split()
        lengths.append(len(tokens))
        for tok in tokens:
            sc = tok.startswith(">")
            tok = tok.lstrip(">")
            forced = tok.endswith("!")
            tok = tok.rstrip("!")
            side.append(sc)
            fail.append(forced)
            if tok.startswith("?"):
                kind.append(_QUICK), tk.append(0), qsrc.append(_QUERY_SOURCES.index(tok[1:]))
            elif tok == "answer":
                kind.append(_ANSWER), tk.append(0), qsrc.append(2 if sc else 1)
            else:
                kind.append(_TOOL_STEP), tk.append(_TK[tok]), qsrc.append(2 if sc else 1)
            defer.append(0)
        for j in range(len(tokens)):  # a Task's result arrives after its subagent's steps
            i = starts[-1] + j
            if tk[i] == _TK["Task"]:
                n = 0
                while i + n + 1 < len(side) and side[i + n + 1]:
                    n += 1
                defer[i] = n
    arr = np.array
    return (
        arr(kind, np.int8),
        arr(tk, np.int8),
        arr(side, bool),
        arr(fail, bool),
        arr(qsrc, np.int8),
        arr(defer, np.int64),
        arr(starts, np.int64),
        arr(lengths, np.int64),
    )


(_LIB_KIND, _LIB_TK, _LIB_SIDE, _LIB_FAIL, _LIB_QSRC, _LIB_DEFER, _MOTIF_START, _MOTIF_LEN) = _parse_motifs()
_MOTIF_W = np.array([w for _, w, _ in _MOTIFS])
_MOTIF_P = _MOTIF_W / _MOTIF_W.sum()

# -- API errors -----------------------------------------------------------------
_API_ERRORS = tuple((e["status"], e["message"]) for e in _WORDS["api_errors"])
"""(status code, message) of every API error the demo raises."""
_ERR_P_NORMAL = np.array([e["normal_share"] for e in _WORDS["api_errors"]])
_ERR_P_BURST = np.array([e["burst_share"] for e in _WORDS["api_errors"]])
_ERR_DELAY_MS = np.array([e["retry_delay_ms"] for e in _WORDS["api_errors"]], dtype=np.float64)
"""Per entry of :data:`_API_ERRORS`: its share of normal errors, of burst errors, and its delay per attempt (ms)."""
_ERROR_P = 0.0125
_BURST_FACTOR = 13.0
_ATTEMPT_P = np.array([0.45, 0.25, 0.17, 0.13])


def classify_api_error(status: int, message: str) -> str:
    """The error type ``cc_error_type(status, message)`` (00_functions.sql) gives."""
    low = message.lower()
    if status == 429:
        return "rate_limit"
    if status == 529:
        return "overloaded"
    if status in (401, 403):
        return "auth"
    if 500 <= status < 600:
        return "server"
    if "timeout" in low or "timed out" in low:
        return "timeout"
    if 400 <= status < 500:
        return "client"
    return "other"


_TIMEOUT_ERRORS = np.array([classify_api_error(status, text) == "timeout" for status, text in _API_ERRORS])
"""Per entry of :data:`_API_ERRORS`: a timeout (its time lost does not grow with the attempts)."""

_REJECT_TEXT = _WORDS["tool_rejected"]

# -- users, projects, prompts -----------------------------------------------------
_USERS = tuple((u["email"], u["time_zone"], tuple(u["terminals"])) for u in _WORDS["users"])
"""(email, time zone, terminals with the most used first) of every possible team member."""
_HOUR_W = np.array(".01 .005 0 0 0 0 .01 .05 .4 1 1 1 .5 .9 1 1 1 .8 .5 .25 .2 .15 .08 .03".split(), float)
"""Relative activity per local hour of day (lunch dip at 12, some evening work)."""
_DOW_W = np.array([1.0, 1.0, 1.0, 1.0, 0.9, 0.1, 0.06])
_SPIKE_WEIGHT = 2.6
_BURST_HOURS = 6
_CC_VERSIONS = ("2.0.28", "2.0.31", "2.0.36", "2.0.42", "2.0.47", "2.0.53")

_PROJECTS = tuple(_WORDS["projects"])
"""Per project: its path and the file names, functions, errors, features, commands and branches it talks about."""
_GIT = _WORDS["git_commands"]
_TEMPLATES = tuple((tpl["weight"], tpl["text"]) for tpl in _WORDS["prompt_templates"])
"""(weight, text) of every prompt; slots: {F} file, {N} function, {E} error, {X} feature."""
_SLOT_KINDS = ("F", "N", "E", "X")


@dataclass(frozen=True)
class DemoAnomalies:
    """The two planted anomalies of a demo data set.

    Attributes
    ----------
    spike_day : datetime.date
        UTC day with about four times the usual cost: 2.6 times the sessions,
        90% of them on Opus with larger contexts.
    burst_start, burst_end : datetime
        UTC window of six hours, within the last 14 days, in which each
        request fails 13 times as often as usual (about 1% -> 12%), mostly
        with 529 / 5xx errors. It covers the team's busiest hours of that day,
        so that day's error rate is five to eight times the median day's.
    """

    spike_day: date
    burst_start: datetime
    burst_end: datetime


def default_end(now: datetime | None = None) -> datetime:
    """``now`` (default: the current time) in UTC, floored to the hour."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return now.replace(minute=0, second=0, microsecond=0)


def _utc(end: datetime | None) -> datetime:
    if end is None:
        return default_end()
    return end.replace(tzinfo=UTC) if end.tzinfo is None else end.astimezone(UTC)


@dataclass(frozen=True)
class _Team:
    users: tuple  # rows of _USERS
    user_p: np.ndarray  # share of sessions per user
    project_p: np.ndarray  # [user, project]
    lag_ms: np.ndarray  # per user: delay before installing a new Claude Code version


def _team(seed: int) -> _Team:
    rng = np.random.default_rng([seed, 2])
    n_users = int(rng.integers(2, len(_USERS) + 1))
    project_p = np.empty((n_users, len(_PROJECTS)))
    for u in range(n_users):
        alpha = np.full(len(_PROJECTS), 1.0)
        alpha[u % len(_PROJECTS)] = 5.0
        project_p[u] = 0.1 + rng.dirichlet(alpha)
    return _Team(
        users=_USERS[:n_users],
        user_p=rng.dirichlet(np.full(n_users, 6.0)),
        project_p=project_p / project_p.sum(axis=1, keepdims=True),
        lag_ms=rng.integers(0, 4 * 86_400_000, n_users),
    )


def _hour_weights(team: _Team, first_hour_ms: int, n_hours: int) -> np.ndarray:
    """[user, hour] activity weight of UTC hours from ``first_hour_ms``: office hours on weekdays, local time."""
    hours = pd.to_datetime(
        first_hour_ms + np.arange(n_hours, dtype=np.int64) * 3_600_000, unit="ms", utc=True
    )
    out = np.empty((len(team.users), n_hours))
    for u, (_, tz, _) in enumerate(team.users):
        local = hours.tz_convert(tz)
        out[u] = _HOUR_W[local.hour] * _DOW_W[local.day_of_week]
    return out


def demo_anomalies(seed: int = 7, days: int = 60, end: datetime | None = None) -> DemoAnomalies:
    """Where :func:`generate_demo` plants the cost spike and the error burst.

    The spike day is a full UTC weekday 15-40 days before ``end`` (or the
    latest weekday the window allows). The burst is the six busiest hours
    (for the team's time zones) of another weekday in the last 14 days.
    Windows shorter than a few days may put both on one day.
    """
    end = _utc(end)
    rng = np.random.default_rng([seed, 1])
    last_day = (end - timedelta(milliseconds=1)).date()
    first_day = (end - timedelta(days=max(days, 1))).date()
    all_days = [first_day + timedelta(d) for d in range((last_day - first_day).days + 1)]
    full = [d for d in all_days if first_day < d < last_day] or all_days
    weekdays = [d for d in full if d.weekday() < 5] or full
    spike_pool = (
        [d for d in weekdays if 15 <= (last_day - d).days <= 40]
        or [d for d in weekdays if (last_day - d).days >= 15][-5:]
        or weekdays
    )
    spike = spike_pool[int(rng.integers(len(spike_pool)))]
    burst_pool = [d for d in weekdays if (last_day - d).days < 14 and d != spike] or weekdays
    burst_day = burst_pool[int(rng.integers(len(burst_pool)))]
    team = _team(seed)
    midnight = datetime.combine(burst_day, datetime.min.time(), UTC)
    w = team.user_p @ _hour_weights(team, int(midnight.timestamp() * 1000), 24)
    window = np.convolve(w, np.ones(_BURST_HOURS), mode="valid")
    start = midnight + timedelta(hours=int(np.argmax(window)))
    return DemoAnomalies(spike_day=spike, burst_start=start, burst_end=start + timedelta(hours=_BURST_HOURS))


# -- vectorised string helpers -------------------------------------------------------
def _fixed_width(chars: np.ndarray) -> pa.Array:
    """A string array from an (n, width) uint8 array of ASCII codes."""
    n, width = chars.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    data = np.ascontiguousarray(chars, dtype=np.uint8)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_B62 = np.frombuffer((string.ascii_letters + string.digits).encode(), dtype=np.uint8)


def _uuids(rng: np.random.Generator, n: int) -> pa.Array:
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexes = np.empty((n, 32), dtype=np.uint8)
    hexes[:, 0::2] = _HEX[raw >> 4]
    hexes[:, 1::2] = _HEX[raw & 0x0F]
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    for a, b, c in ((0, 8, 0), (9, 13, 8), (14, 18, 12), (19, 23, 16), (24, 36, 20)):
        out[:, a:b] = hexes[:, c : c + b - a]
    return _fixed_width(out)


def _random_ids(rng: np.random.Generator, n: int, prefix: str, length: int, alphabet: np.ndarray) -> pa.Array:
    head = np.frombuffer(prefix.encode(), dtype=np.uint8)
    out = np.empty((n, len(head) + length), dtype=np.uint8)
    out[:, : len(head)] = head
    out[:, len(head) :] = alphabet[rng.integers(0, len(alphabet), size=(n, length))]
    return _fixed_width(out)


def _with_blank(arr: pa.Array) -> pa.Array:
    """``arr`` followed by one empty string (the index ``len(arr)`` means "none")."""
    return pa.concat_arrays([arr, pa.array([""], pa.string())])


def _take(vocab: pa.Array, idx: np.ndarray) -> pa.Array:
    return vocab.take(pa.array(idx, pa.int64()))


def _lognormal(rng: np.random.Generator, median, sigma, size=None) -> np.ndarray:
    """Lognormal draws with the given median(s) and log-sigma(s), one per element of their broadcast."""
    median, sigma = np.asarray(median, dtype=np.float64), np.asarray(sigma, dtype=np.float64)
    shape = np.broadcast_shapes(median.shape, sigma.shape) if size is None else size
    return median * np.exp(sigma * rng.standard_normal(shape))


def _segment_starts(counts: np.ndarray) -> np.ndarray:
    return np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)


def _exclusive_cumsum(values: np.ndarray, group: np.ndarray, group_first: np.ndarray) -> np.ndarray:
    """Sum of the earlier values of the same group (groups are contiguous runs)."""
    cs = np.cumsum(values) - values
    return cs - cs[group_first[group]]


# -- vocabularies -------------------------------------------------------------------
@dataclass(frozen=True)
class _Vocab:
    strings: pa.Array  # flat, with a blank at the end
    start: np.ndarray  # [project, key] -> first index
    count: np.ndarray  # [project, key] -> number of strings

    def pick(self, project: np.ndarray, key: np.ndarray, choice: np.ndarray) -> np.ndarray:
        count = self.count[project, key]
        return np.where(
            count > 0, self.start[project, key] + choice % np.maximum(count, 1), len(self.strings) - 1
        )


def _vocab(lists: list[list[list[str]]]) -> _Vocab:
    flat: list[str] = []
    start = np.zeros((len(lists), len(lists[0])), dtype=np.int64)
    count = np.zeros_like(start)
    for p, per_key in enumerate(lists):
        for k, items in enumerate(per_key):
            start[p, k], count[p, k] = len(flat), len(items)
            flat.extend(items)
    return _Vocab(_with_blank(pa.array(flat, pa.string())), start, count)


def _tool_texts(project: dict) -> list[list[str]]:
    root = project["path"]
    files = [f"{root}/{f}" for f in project["files"]]
    funcs = project["funcs"]
    by_code = {
        "Read": files,
        "Edit": files,
        "Write": files,
        "MultiEdit": files,
        "Grep": [f"{root} {g}" for g in project["grep"]]
        + [
            f"{root}/{f.rsplit('/', 1)[0]} {g}"
            for f, g in zip(project["files"], project["grep"], strict=False)
        ],
        "Glob": project["glob"],
        "BashTest": project["test"],
        "BashBuild": project["build"],
        "BashGit": _GIT,
        **{
            code: [tpl.replace("{function}", n) for tpl in templates for n in funcs]
            for code, templates in _WORDS["function_tool_inputs"].items()
        },
        "WebSearch": [project["web"][0]],
        "WebFetch": [project["web"][1]],
    }
    return [by_code.get(c, []) for c in _TOOL_CODES]


def _tool_failures(project: dict) -> list[list[str]]:
    by_code = {
        **_WORDS["tool_failures"],
        "BashTest": [f"Exit code 1\n{t}" for t in project["test_fail"]],
        "BashBuild": [f"Exit code 2\n{t}" for t in project["build_fail"]],
    }
    return [by_code.get(c, []) for c in _TOOL_CODES]


def _template_parts():
    seg = [[], [], []]
    slot = [[], []]
    for _, text in _TEMPLATES:
        parts = text.replace("}", "{").split("{")
        texts, kinds = parts[0::2], parts[1::2]
        texts += [""] * (3 - len(texts))
        kinds += [""] * (2 - len(kinds))
        for i in range(3):
            seg[i].append(texts[i])
        for i in range(2):
            slot[i].append(_SLOT_KINDS.index(kinds[i]) if kinds[i] else -1)
    w = np.array([w for w, _ in _TEMPLATES])
    return [pa.array(s, pa.string()) for s in seg], [np.array(s) for s in slot], w / w.sum()


@dataclass(frozen=True)
class _Vocabs:
    tool_text: _Vocab
    tool_fail: _Vocab
    slots: _Vocab
    segments: list
    slot_kinds: list
    template_p: np.ndarray
    branches: _Vocab
    paths: pa.Array


def _vocabs() -> _Vocabs:
    segments, slot_kinds, template_p = _template_parts()
    slots = _vocab([[p["files"], p["funcs"], p["errors"], p["features"]] for p in _PROJECTS])
    return _Vocabs(
        tool_text=_vocab([_tool_texts(p) for p in _PROJECTS]),
        tool_fail=_vocab([_tool_failures(p) for p in _PROJECTS]),
        slots=slots,
        segments=segments,
        slot_kinds=slot_kinds,
        template_p=template_p,
        branches=_vocab([[["main"], p["branches"]] for p in _PROJECTS]),
        paths=pa.array([p["path"] for p in _PROJECTS], pa.string()),
    )


# -- the plan shared by all chunks ------------------------------------------------------
@dataclass(frozen=True)
class _Plan:
    seed: int
    start_ms: int
    end_ms: int
    hour_cdf: np.ndarray  # [user, hour] cumulative weights, last column 1
    spike_lo: int
    spike_hi: int
    burst_lo: int
    burst_hi: int
    user_p: np.ndarray
    project_p: np.ndarray  # [user, project]
    user_ids: pa.Array
    user_emails: pa.Array
    terminals: pa.Array  # [user * 2 + k]
    org_id: pa.Array
    release_ms: np.ndarray
    user_lag_ms: np.ndarray
    vocabs: _Vocabs
    project_labels: pa.Array  # [project]
    repository_labels: pa.Array  # [project]


def _plan(
    rng: np.random.Generator, seed: int, days: int, end: datetime, labels: Mapping[str, tuple[str, str]]
) -> _Plan:
    end_ms = int(end.timestamp() * 1000)
    start_ms = end_ms - days * 86_400_000
    first_hour = start_ms // 3_600_000 * 3_600_000
    n_hours = -(-(end_ms - first_hour) // 3_600_000)
    team = _team(seed)
    anomalies = demo_anomalies(seed, days, end)
    spike_lo = int(datetime.combine(anomalies.spike_day, datetime.min.time(), UTC).timestamp() * 1000)
    hour_ms = first_hour + np.arange(n_hours, dtype=np.int64) * 3_600_000
    w = _hour_weights(team, first_hour, n_hours)
    w *= np.where((hour_ms >= spike_lo) & (hour_ms < spike_lo + 86_400_000), _SPIKE_WEIGHT, 1.0)
    cdf = np.cumsum(w, axis=1) / w.sum(axis=1, keepdims=True)
    cdf[:, -1] = 1.0
    span = end_ms - start_ms
    release = start_ms + (np.arange(len(_CC_VERSIONS)) - 0.5) * span / (len(_CC_VERSIONS) - 0.5)
    return _Plan(
        seed=seed,
        start_ms=start_ms,
        end_ms=end_ms,
        hour_cdf=cdf,
        spike_lo=spike_lo,
        spike_hi=spike_lo + 86_400_000,
        burst_lo=int(anomalies.burst_start.timestamp() * 1000),
        burst_hi=int(anomalies.burst_end.timestamp() * 1000),
        user_p=team.user_p,
        project_p=team.project_p,
        user_ids=_uuids(rng, len(team.users)),
        user_emails=pa.array([e for e, _, _ in team.users], pa.string()),
        terminals=pa.array([t for _, _, ts in team.users for t in ts], pa.string()),
        org_id=_uuids(rng, 1),
        release_ms=release.astype(np.int64),
        user_lag_ms=team.lag_ms,
        vocabs=_vocabs(),
        project_labels=pa.array(
            [labels.get(p["path"], (p["path"], p["path"]))[0] for p in _PROJECTS], pa.string()
        ),
        repository_labels=pa.array(
            [labels.get(p["path"], (p["path"], p["path"]))[1] for p in _PROJECTS], pa.string()
        ),
    )


# -- one chunk of sessions -------------------------------------------------------------
@dataclass(frozen=True)
class _Sessions:
    user: np.ndarray  # index into the team
    start_ms: np.ndarray  # wished start (ms since the epoch); moved earlier if the session would overrun
    project: np.ndarray
    main_model: np.ndarray  # index into MODELS
    ctx_limit: np.ndarray  # context tokens at which the context is compacted
    ctx_boost: np.ndarray  # extra context tokens (long-context and spike-day sessions)
    sys_tokens: np.ndarray  # tokens of the system prompt
    cache_1h: np.ndarray  # writes the prompt cache with a 1 h TTL
    target_ms: np.ndarray  # wished length
    n_prompts: np.ndarray
    branch: np.ndarray  # index into the branch vocabulary
    terminal: np.ndarray  # index into _Plan.terminals
    version_idx: np.ndarray  # index into _CC_VERSIONS
    ids: pa.Array


@dataclass(frozen=True)
class _Prompts:
    session: np.ndarray
    first_of_session: np.ndarray  # per session: index of its first prompt
    project: np.ndarray
    focus: np.ndarray  # [prompt, slot kind] random choice of the file, function, error, feature it is about
    template: np.ndarray  # index into _TEMPLATES
    ids: pa.Array


@dataclass(frozen=True)
class _Motifs:
    prompt: np.ndarray
    motif: np.ndarray  # index into _MOTIFS
    sub_model: np.ndarray  # model of its subagent (sidechain) steps


@dataclass(frozen=True)
class _Steps:
    kind: np.ndarray  # _TOOL_STEP, _ANSWER or _QUICK
    tk: np.ndarray  # tool code (0: no tool)
    side: np.ndarray  # a subagent (sidechain) step
    forced_fail: np.ndarray  # a tool use the motif makes fail
    motif: np.ndarray
    prompt: np.ndarray
    session: np.ndarray
    rejected: np.ndarray  # the user rejected the tool use
    has_tool: np.ndarray
    prompt_first_step: np.ndarray  # per prompt: index of its first step
    defer: np.ndarray  # steps of the subagent before the result of a Task arrives
    qsrc: np.ndarray  # index into _QUERY_SOURCES
    model: np.ndarray  # index into MODELS


@dataclass(frozen=True)
class _ToolUses:
    decision_src: np.ndarray  # index into _DECISION_SOURCES
    wait_ms: np.ndarray  # until the permission decision
    ok: np.ndarray  # the tool succeeded
    tool_ms: np.ndarray  # run time


@dataclass(frozen=True)
class _Requests:
    output: np.ndarray  # output tokens
    ttft: np.ndarray  # time to first token, ms
    req_ms: np.ndarray  # duration, ms
    pause_ms: np.ndarray  # pause after the step


@dataclass(frozen=True)
class _ApiErrors:
    failed: np.ndarray  # an api_error precedes the step's request
    kind: np.ndarray  # index into _API_ERRORS
    ms: np.ndarray  # time lost, whole ms
    attempts: np.ndarray  # failed tries, 1-4
    recovered: np.ndarray  # the request is sent (no error, or a successful retry)


@dataclass(frozen=True)
class _Times:
    prompt_ts: np.ndarray  # per prompt, ms since the epoch
    err_ts: np.ndarray  # per step, ms since the epoch
    req_ts: np.ndarray
    dec_ts: np.ndarray
    res_ts: np.ndarray
    res_ms: np.ndarray  # duration of the tool result (a Task's lasts as long as its subagent)


@dataclass(frozen=True)
class _Tokens:
    input: np.ndarray
    cache_read: np.ndarray
    write_5m: np.ndarray
    write_1h: np.ndarray


def _draw_users_and_starts(rng: np.random.Generator, plan: _Plan, n: int) -> tuple[np.ndarray, np.ndarray]:
    """User (index into the team) and wished start (ms since the epoch) of ``n`` sessions.

    Start hours follow each user's local office hours and the spike day's
    extra weight (:attr:`_Plan.hour_cdf`); starts lie in ``[start_ms, end_ms)``.
    """
    user = np.minimum(
        np.searchsorted(np.cumsum(plan.user_p), rng.random(n), side="right"), len(plan.user_p) - 1
    )
    hour = np.empty(n, dtype=np.int64)
    for u in range(len(plan.user_p)):
        m = user == u
        hour[m] = np.searchsorted(plan.hour_cdf[u], rng.random(int(m.sum())), side="right")
    first_hour = plan.start_ms // 3_600_000 * 3_600_000
    start = first_hour + hour * 3_600_000 + rng.integers(0, 3_600_000, n)
    return user, np.clip(start, plan.start_ms, plan.end_ms - 1)


def _draw_sessions(rng: np.random.Generator, plan: _Plan, n_sessions: int) -> _Sessions:
    """Draw ``n_sessions`` sessions: who works when, on which project, with which model and context.

    Sessions on the spike day mostly use Opus with a larger context; about
    12% of Sonnet sessions run with a long (350k-700k token) context. A
    session lasts about 35 minutes (5-120) and has 2-30 prompts.
    """
    v = plan.vocabs
    S = n_sessions
    user, start = _draw_users_and_starts(rng, plan, S)
    spike = (start >= plan.spike_lo) & (start < plan.spike_hi)
    pcum = np.cumsum(plan.project_p[user], axis=1)
    project = np.minimum((rng.random(S)[:, None] > pcum).sum(axis=1), len(_PROJECTS) - 1)
    r = rng.random(S)
    main_model = np.where(
        spike,
        np.searchsorted(np.cumsum(_SPIKE_MODEL_P), r, side="right"),
        np.searchsorted(np.cumsum(_MAIN_MODEL_P), r, side="right"),
    ).clip(0, len(MODELS) - 1)
    long_ctx = (main_model == _SONNET) & (rng.random(S) < 0.12)
    ctx_limit = np.where(long_ctx, rng.integers(350_000, 700_000, S), rng.integers(110_000, 150_000, S))
    ctx_boost = np.where(
        long_ctx, rng.integers(130_000, 230_000, S), np.where(spike, rng.integers(30_000, 60_000, S), 0)
    )
    sys_tokens = rng.integers(12_000, 22_000, S)
    cache_1h = rng.random(S) < 0.08
    target_ms = (np.clip(_lognormal(rng, 35.0, 0.75, S), 5.0, 120.0) * 60_000).astype(np.int64)
    n_prompts = np.clip(rng.poisson(target_ms / 270_000.0), 2, 30)
    branch = np.where(
        rng.random(S) < 0.4,
        v.branches.start[project, 0],
        v.branches.start[project, 1] + rng.integers(0, 1 << 30, S) % v.branches.count[project, 1],
    )
    terminal = user * 2 + (rng.random(S) < 0.2)
    version_idx = np.clip(
        np.searchsorted(plan.release_ms, start - plan.user_lag_ms[user], side="right") - 1,
        0,
        len(_CC_VERSIONS) - 1,
    )
    ids = _uuids(rng, S)
    return _Sessions(
        user=user,
        start_ms=start,
        project=project,
        main_model=main_model,
        ctx_limit=ctx_limit,
        ctx_boost=ctx_boost,
        sys_tokens=sys_tokens,
        cache_1h=cache_1h,
        target_ms=target_ms,
        n_prompts=n_prompts,
        branch=branch,
        terminal=terminal,
        version_idx=version_idx,
        ids=ids,
    )


def _draw_prompts(rng: np.random.Generator, vocabs: _Vocabs, sessions: _Sessions) -> _Prompts:
    """Draw the prompts of ``sessions``: a template and the things its slots talk about."""
    P = int(sessions.n_prompts.sum())
    p_session = np.repeat(np.arange(len(sessions.n_prompts)), sessions.n_prompts)
    focus = rng.integers(0, 1 << 30, size=(P, len(_SLOT_KINDS)))
    template = rng.choice(len(vocabs.template_p), size=P, p=vocabs.template_p)
    return _Prompts(
        session=p_session,
        first_of_session=_segment_starts(sessions.n_prompts),
        project=sessions.project[p_session],
        focus=focus,
        template=template,
        ids=_uuids(rng, P),
    )


def _draw_motifs(rng: np.random.Generator, sessions: _Sessions, prompts: _Prompts) -> _Motifs:
    """Draw the tool-sequence motifs of every prompt: ``[topic, m1..mk, answer]`` with ``k`` in 0-5.

    Subagent steps run on Haiku 60% of the time, else on the session's model.
    """
    P = len(prompts.session)
    m_counts = np.clip(rng.poisson(1.6, P), 0, 5) + 2
    M = int(m_counts.sum())
    m_prompt = np.repeat(np.arange(P), m_counts)
    pos = np.arange(M) - np.repeat(_segment_starts(m_counts), m_counts)
    motif = rng.choice(len(_MOTIFS), size=M, p=_MOTIF_P)
    motif = np.where(pos == 0, 0, np.where(pos == m_counts[m_prompt] - 1, 1, motif))
    sub_model = np.where(rng.random(M) < 0.6, _HAIKU, sessions.main_model[prompts.session[m_prompt]])
    return _Motifs(prompt=m_prompt, motif=motif, sub_model=sub_model)


def _draw_steps(rng: np.random.Generator, sessions: _Sessions, prompts: _Prompts, motifs: _Motifs) -> _Steps:
    """Expand the motifs to their steps and draw the permission rejections.

    A rejection ends the prompt (Claude stops and waits): the steps after
    it are dropped.
    """
    lens = _MOTIF_LEN[motifs.motif]
    T = int(lens.sum())
    st_motif = np.repeat(np.arange(len(motifs.motif)), lens)
    lib = _MOTIF_START[motifs.motif][st_motif] + np.arange(T) - np.repeat(_segment_starts(lens), lens)
    st_prompt = motifs.prompt[st_motif]
    has_tool = _LIB_KIND[lib] == _TOOL_STEP
    rejected = has_tool & (rng.random(T) < _REJECT_P[_LIB_TK[lib]])
    p_first_step = _segment_starts(np.bincount(st_prompt, minlength=len(prompts.session)))
    keep = _exclusive_cumsum(rejected.astype(np.int64), st_prompt, p_first_step) == 0
    lib, st_motif, st_prompt, rejected = lib[keep], st_motif[keep], st_prompt[keep], rejected[keep]
    kind, side = _LIB_KIND[lib], _LIB_SIDE[lib]
    st_session = prompts.session[st_prompt]
    return _Steps(
        kind=kind,
        tk=_LIB_TK[lib],
        side=side,
        forced_fail=_LIB_FAIL[lib],
        motif=st_motif,
        prompt=st_prompt,
        session=st_session,
        rejected=rejected,
        has_tool=kind == _TOOL_STEP,
        prompt_first_step=_segment_starts(np.bincount(st_prompt, minlength=len(prompts.session))),
        defer=_LIB_DEFER[lib],
        qsrc=_LIB_QSRC[lib],
        model=np.where(
            kind == _QUICK,
            _HAIKU,
            np.where(side, motifs.sub_model[st_motif], sessions.main_model[st_session]),
        ),
    )


def _draw_tool_uses(rng: np.random.Generator, steps: _Steps) -> _ToolUses:
    """Permission decisions, waits, outcomes and run times of the tool uses (zero / False elsewhere).

    Ungated tools and half the gated ones are accepted by config within
    milliseconds; the rest wait seconds for the user.
    """
    T = len(steps.kind)
    tk, has_tool, rejected = steps.tk, steps.has_tool, steps.rejected
    gated = _GATED[tk] & has_tool
    src_r = rng.random(T)
    decision_src = np.where(rejected, 3, np.where(~gated | (src_r < 0.5), 0, np.where(src_r < 0.85, 1, 2)))
    wait_ms = np.where(
        has_tool,
        np.where(decision_src == 0, _lognormal(rng, 15.0, 0.5, T), _lognormal(rng, 3500.0, 0.9, T)),
        0,
    )
    ok = has_tool & ~rejected & ~steps.forced_fail & (rng.random(T) < _SUCCESS_P[tk])
    tool_ms = np.where(has_tool & ~rejected, _lognormal(rng, _TOOL_MS[tk, 0], _TOOL_MS[tk, 1]), 0.0)
    return _ToolUses(decision_src=decision_src, wait_ms=wait_ms, ok=ok, tool_ms=tool_ms)


def _draw_requests(rng: np.random.Generator, steps: _Steps) -> _Requests:
    """Output tokens, time to first token and duration of every step's request, and the pause after it.

    Answers and edits write the most; durations follow each model's time to
    first token and tokens per second.
    """
    T = len(steps.kind)
    kind, tk, side, model = steps.kind, steps.tk, steps.side, steps.model
    out_median = np.where(
        kind == _QUICK,
        14.0,
        np.where(
            kind == _ANSWER,
            np.where(side, 900.0, 420.0),
            np.where(side, 90.0, np.where(_EDITING[tk], 650.0, np.where(tk == _TK["Task"], 220.0, 110.0))),
        ),
    )
    output = np.clip(_lognormal(rng, out_median, np.where(kind == _ANSWER, 0.85, 0.75)), 1, 32_000).astype(
        np.int64
    )
    ttft = _lognormal(rng, _TTFT_MEDIAN_MS[model], _TTFT_SIGMA[model])
    req_ms = ttft + output / _TOKENS_PER_S[model] * 1000.0 * _lognormal(rng, 1.0, 0.25, T)
    pause_ms = _lognormal(rng, 150.0, 0.6, T)
    return _Requests(output=output, ttft=ttft, req_ms=req_ms, pause_ms=pause_ms)


def _pick_tool_texts(
    rng: np.random.Generator, vocabs: _Vocabs, prompts: _Prompts, steps: _Steps
) -> tuple[np.ndarray, np.ndarray]:
    """Per step: index of its tool input text and of its failure text (the blank where the tool has none).

    File tools open the prompt's focus file 65% of the time.
    """
    T = len(steps.kind)
    project, tk = prompts.project[steps.prompt], steps.tk
    file_choice = np.where(rng.random(T) < 0.65, prompts.focus[steps.prompt, 0], rng.integers(0, 1 << 30, T))
    text_idx = vocabs.tool_text.pick(
        project, tk, np.where(_FILE_TOOLS[tk], file_choice, rng.integers(0, 1 << 30, T))
    )
    fail_idx = vocabs.tool_fail.pick(project, tk, rng.integers(0, 1 << 30, T))
    return text_idx, fail_idx


def _step_timeline(
    steps: _Steps, tools: _ToolUses, requests: _Requests, err_ms: np.ndarray, req_on: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Active time of every step, its offset in its prompt and the active time of every prompt (ms).

    A step is active for its error time ``err_ms``, its request (where
    ``req_on``), its tool use (a Task's result waits for its subagent
    instead) and the pause after it; a prompt's steps start 400 ms in.
    """
    run_tool = steps.has_tool & req_on
    active = (
        err_ms
        + np.where(req_on, requests.req_ms, 0.0)
        + np.where(run_tool, tools.wait_ms, 0.0)
        + np.where(run_tool & (steps.defer == 0), tools.tool_ms, 0.0)
        + requests.pause_ms
    ).astype(np.int64)
    step_off = 400 + _exclusive_cumsum(active, steps.prompt, steps.prompt_first_step)
    p_active = 400 + np.add.reduceat(active, steps.prompt_first_step)
    return active, step_off, p_active


def _draw_prompt_gaps(
    rng: np.random.Generator, sessions: _Sessions, prompts: _Prompts, p_active: np.ndarray
) -> np.ndarray:
    """Idle time before every prompt (ms; 0 before a session's first).

    15 s plus a random share of the time the session's prompts leave of its
    target length.
    """
    P, p_session, s_first_prompt = len(prompts.session), prompts.session, prompts.first_of_session
    gap_w = rng.exponential(1.0, P)
    slack = np.maximum(sessions.target_ms - np.add.reduceat(p_active, s_first_prompt), 0)
    w = np.where(np.arange(P) == s_first_prompt[p_session], 0.0, gap_w)
    w_sum = np.add.reduceat(w, s_first_prompt)
    return np.where(w > 0, 15_000 + slack[p_session] * w / np.maximum(w_sum[p_session], 1e-9), 0).astype(
        np.int64
    )


def _prompt_offsets(
    plan: _Plan, sessions: _Sessions, prompts: _Prompts, gap: np.ndarray, p_active: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Offset of every prompt in its session and start of every session (ms since the epoch).

    A session that would run past the window's end starts earlier (but not
    before the window's start).
    """
    p_session, s_first_prompt = prompts.session, prompts.first_of_session
    p_off = (
        _exclusive_cumsum(p_active, p_session, s_first_prompt)
        + _exclusive_cumsum(gap, p_session, s_first_prompt)
        + gap
    )
    last = s_first_prompt + sessions.n_prompts - 1
    total = p_off[last] + p_active[last]
    start = np.maximum(np.minimum(sessions.start_ms, plan.end_ms - total - 1000), plan.start_ms)
    return p_off, start


def _draw_api_errors(
    rng: np.random.Generator, plan: _Plan, steps: _Steps, approx_ts: np.ndarray
) -> _ApiErrors:
    """API errors before the steps' requests (``approx_ts``: when each step would start without errors).

    During the burst requests fail :data:`_BURST_FACTOR` times as often and
    the mix turns to overload / server errors; quick Haiku calls never fail.
    About one in eight errors is not recovered (no request follows): 7% of
    those with one to three attempts, half of those with four. A Task's
    request always follows.
    """
    T = len(steps.kind)
    err_draw = rng.random(T)
    err_kind_r = rng.random(T)
    attempts = 1 + np.searchsorted(np.cumsum(_ATTEMPT_P), rng.random(T), side="right").clip(0, 3)
    err_scale = _lognormal(rng, 1.0, 0.5, T)
    recover_r = rng.random(T)
    burst = (approx_ts >= plan.burst_lo) & (approx_ts < plan.burst_hi)
    can_fail = steps.kind != _QUICK
    err = can_fail & (err_draw < _ERROR_P * np.where(burst, _BURST_FACTOR, 1.0))
    err_kind = np.where(
        burst,
        np.searchsorted(np.cumsum(_ERR_P_BURST), err_kind_r, side="right"),
        np.searchsorted(np.cumsum(_ERR_P_NORMAL), err_kind_r, side="right"),
    ).clip(0, len(_API_ERRORS) - 1)
    timeout = _TIMEOUT_ERRORS[err_kind]
    err_ms = np.where(
        err, np.minimum(_ERR_DELAY_MS[err_kind] * err_scale * np.where(timeout, 1, attempts), 600_000), 0.0
    )
    recovered = ~err | (steps.tk == _TK["Task"]) | (recover_r < np.where(attempts == 4, 0.5, 0.93))
    return _ApiErrors(failed=err, kind=err_kind, ms=np.floor(err_ms), attempts=attempts, recovered=recovered)


def _event_times(
    plan: _Plan,
    sessions: _Sessions,
    prompts: _Prompts,
    steps: _Steps,
    tools: _ToolUses,
    requests: _Requests,
    gap: np.ndarray,
    errors: _ApiErrors,
) -> _Times:
    """Timestamps of every prompt and of every step's error, request, decision and result (ms since the epoch).

    A Task's result arrives when the last step of its subagent ends.
    """
    active, step_off, p_active = _step_timeline(steps, tools, requests, errors.ms, errors.recovered)
    p_off, s_start = _prompt_offsets(plan, sessions, prompts, gap, p_active)
    p_ts = s_start[prompts.session] + p_off
    s_ts = p_ts[steps.prompt] + step_off
    err_ts = s_ts + errors.ms.astype(np.int64)
    req_ts = err_ts + np.where(errors.recovered, requests.req_ms, 0).astype(np.int64)
    dec_ts = req_ts + tools.wait_ms.astype(np.int64)
    res_ts = dec_ts + tools.tool_ms.astype(np.int64)
    defer = steps.defer
    idx = np.arange(len(defer))
    task_end = s_ts[idx + defer] + active[idx + defer]
    res_ts = np.where(defer > 0, task_end, res_ts)
    res_ms = np.where(defer > 0, (res_ts - dec_ts).astype(np.float64), np.floor(tools.tool_ms))
    return _Times(prompt_ts=p_ts, err_ts=err_ts, req_ts=req_ts, dec_ts=dec_ts, res_ts=res_ts, res_ms=res_ms)


def _main_thread_tokens(
    rng: np.random.Generator, sessions: _Sessions, steps: _Steps, gap: np.ndarray, mi: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Input, cache read and cache write tokens of the main-thread requests ``mi`` (step indices).

    The cached context grows per session and is compacted at its limit; the
    first request of a session, or of a prompt after a gap longer than the
    cache TTL (5 min, or 1 h), writes the whole context again.
    """
    m_sess = steps.session[mi]
    content = np.clip(_lognormal(rng, 1200.0, 1.0, len(mi)), 30, 40_000).astype(np.int64)
    first_of_sess = np.ones(len(mi), dtype=bool)
    first_of_sess[1:] = m_sess[1:] != m_sess[:-1]
    m_first = np.flatnonzero(first_of_sess)
    grown = _exclusive_cumsum(content, np.cumsum(first_of_sess) - 1, m_first)
    ctx = sessions.sys_tokens[m_sess] + sessions.ctx_boost[m_sess] + grown % sessions.ctx_limit[m_sess]
    mr_prompt = steps.prompt[mi]
    first_of_prompt = np.ones(len(mi), dtype=bool)
    first_of_prompt[1:] = mr_prompt[1:] != mr_prompt[:-1]
    ttl = np.where(sessions.cache_1h[m_sess], 3_600_000, 300_000)
    miss = first_of_sess | (first_of_prompt & (gap[mr_prompt] > ttl))
    input_tokens = np.clip(_lognormal(rng, 8.0, 1.0, len(mi)), 1, 5_000).astype(np.int64)
    return input_tokens, np.where(miss, 0, ctx), np.where(miss, ctx + content, content)


def _subagent_tokens(
    rng: np.random.Generator, steps: _Steps, si: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Input, cache read and cache write tokens of the subagent requests ``si`` (step indices).

    A subagent's first request writes its whole context; later ones read it.
    """
    first_of_agent = np.ones(len(si), dtype=bool)
    first_of_agent[1:] = steps.motif[si][1:] != steps.motif[si][:-1]
    sc_read = np.clip(_lognormal(rng, 14_000.0, 0.35, len(si)), 2_000, 80_000).astype(np.int64)
    sc_write = np.clip(_lognormal(rng, 1_500.0, 0.9, len(si)), 20, 30_000).astype(np.int64)
    input_tokens = np.clip(_lognormal(rng, 6.0, 0.8, len(si)), 1, 2_000).astype(np.int64)
    return (
        input_tokens,
        np.where(first_of_agent, 0, sc_read),
        np.where(first_of_agent, sc_read + sc_write, sc_write),
    )


def _draw_tokens(
    rng: np.random.Generator, sessions: _Sessions, steps: _Steps, gap: np.ndarray, is_req: np.ndarray
) -> _Tokens:
    """Input and cache tokens of every step's request (0 where ``is_req`` is False).

    Quick Haiku calls read no cache; sessions with the 1 h cache TTL write
    all their main and subagent cache tokens with it.
    """
    T = len(steps.kind)
    input_tokens = np.zeros(T, dtype=np.int64)
    cache_read = np.zeros(T, dtype=np.int64)
    cache_write = np.zeros(T, dtype=np.int64)
    mi = np.flatnonzero(is_req & (steps.kind != _QUICK) & ~steps.side)
    input_tokens[mi], cache_read[mi], cache_write[mi] = _main_thread_tokens(rng, sessions, steps, gap, mi)
    si = np.flatnonzero(is_req & steps.side)
    input_tokens[si], cache_read[si], cache_write[si] = _subagent_tokens(rng, steps, si)
    qi = np.flatnonzero(is_req & (steps.kind == _QUICK))
    input_tokens[qi] = np.clip(_lognormal(rng, 700.0, 0.5, len(qi)), 50, 8_000).astype(np.int64)
    write_1h = np.where(sessions.cache_1h[steps.session] & (steps.kind != _QUICK), cache_write, 0)
    return _Tokens(
        input=input_tokens, cache_read=cache_read, write_5m=cache_write - write_1h, write_1h=write_1h
    )


def _draw_ids(rng: np.random.Generator, n_steps: int, n_motifs: int) -> dict:
    """Request, message and tool use ids per step and agent ids per motif, each with a trailing blank."""
    return {
        "request_ids": _with_blank(_random_ids(rng, n_steps, "req_", 24, _B62)),
        "message_ids": _with_blank(_random_ids(rng, n_steps, "msg_01", 22, _B62)),
        "tool_use_ids": _with_blank(_random_ids(rng, n_steps, "toolu_01", 22, _B62)),
        "agent_ids": _with_blank(_random_ids(rng, n_motifs, "a", 7, _HEX)),
    }


def _sorted_events(prompts: _Prompts, steps: _Steps, errors: _ApiErrors, times: _Times) -> dict:
    """The event rows, ordered by session, then time, then step.

    One user_prompt per prompt; per step an optional api_error, the
    api_request (unless the error was not recovered), and for tool steps a
    tool_decision and a tool_result. Returns ``g`` (index into
    :data:`EVENT_TYPES`), ``step`` (the number of steps on prompt rows),
    ``prompt``, ``session`` and ``ts`` (ms since the epoch) per row.
    """
    P, T = len(prompts.session), len(steps.kind)
    is_req = errors.recovered
    groups = [
        (_PROMPT, np.arange(P)),
        (_ERROR, np.flatnonzero(errors.failed)),
        (_REQUEST, np.flatnonzero(is_req)),
        (_DECISION, np.flatnonzero(is_req & steps.has_tool)),
        (_RESULT, np.flatnonzero(is_req & steps.has_tool)),
    ]
    g = np.concatenate([np.full(len(i), code, dtype=np.int8) for code, i in groups])
    src = np.concatenate([i for _, i in groups])
    is_p = g == _PROMPT
    step = np.where(is_p, T, src)
    prompt = np.where(is_p, src, steps.prompt[np.minimum(src, T - 1)])
    session = prompts.session[prompt]
    s = np.minimum(step, T - 1)
    ts = np.select(
        [is_p, g == _ERROR, g == _REQUEST, g == _DECISION],
        [times.prompt_ts[prompt], times.err_ts[s], times.req_ts[s], times.dec_ts[s]],
        times.res_ts[s],
    )
    tiebreak = np.where(is_p, steps.prompt_first_step[prompt] * 4 - 1, step * 4 + g - 1)
    order = np.lexsort((tiebreak, ts, session))
    return {
        "g": g[order],
        "step": step[order],
        "prompt": prompt[order],
        "session": session[order],
        "ts": ts[order],
    }


def _chunk_columns(
    sessions: _Sessions,
    prompts: _Prompts,
    steps: _Steps,
    tools: _ToolUses,
    requests: _Requests,
    tool_texts: tuple[np.ndarray, np.ndarray],
    errors: _ApiErrors,
    times: _Times,
    tokens: _Tokens,
    ids: dict,
) -> dict:
    """The columns :func:`_table` reads: the sorted event rows, then per session, prompt, step and motif."""
    text_idx, fail_idx = tool_texts
    return {
        **_sorted_events(prompts, steps, errors, times),
        "S": len(sessions.user),
        "T": len(steps.kind),
        "session_ids": sessions.ids,
        "prompt_ids": prompts.ids,
        "project": sessions.project,
        "user": sessions.user,
        "branch": sessions.branch,
        "terminal": sessions.terminal,
        "version_idx": sessions.version_idx,
        "model": steps.model,
        "side": steps.side,
        "st_motif": steps.motif,
        "qsrc": steps.qsrc,
        "tk": steps.tk,
        "input": tokens.input,
        "output": requests.output,
        "cache_read": tokens.cache_read,
        "write_5m": tokens.write_5m,
        "write_1h": tokens.write_1h,
        "ttft": np.floor(requests.ttft),
        "req_ms": np.floor(requests.req_ms),
        "err_ms": errors.ms,
        "res_ms": times.res_ms,
        "status": np.array([s for s, _ in _API_ERRORS], np.uint16)[errors.kind],
        "err_kind": errors.kind,
        "attempts": errors.attempts,
        "err": errors.failed,
        "ok": tools.ok,
        "rejected": steps.rejected,
        "decision_src": tools.decision_src,
        "text_idx": text_idx,
        "fail_idx": fail_idx,
        **ids,
        "template": prompts.template,
        "focus": prompts.focus,
        "p_project": prompts.project,
    }


def _chunk(rng: np.random.Generator, plan: _Plan, n_sessions: int) -> dict:
    """Expand ``n_sessions`` sessions to events; returns sorted numpy / Arrow columns.

    Sessions expand to prompts, motifs and steps; the steps' outcomes and
    durations are drawn, then a first timeline without API errors sets the
    gaps between prompts and tells which steps fall in the error burst, and
    the final timeline includes the API errors.
    """
    sessions = _draw_sessions(rng, plan, n_sessions)
    prompts = _draw_prompts(rng, plan.vocabs, sessions)
    motifs = _draw_motifs(rng, sessions, prompts)
    steps = _draw_steps(rng, sessions, prompts, motifs)
    tools = _draw_tool_uses(rng, steps)
    requests = _draw_requests(rng, steps)
    tool_texts = _pick_tool_texts(rng, plan.vocabs, prompts, steps)
    n_steps = len(steps.kind)
    _, step_off, p_active = _step_timeline(
        steps, tools, requests, np.zeros(n_steps), np.ones(n_steps, dtype=bool)
    )
    gap = _draw_prompt_gaps(rng, sessions, prompts, p_active)
    p_off, s_start = _prompt_offsets(plan, sessions, prompts, gap, p_active)
    errors = _draw_api_errors(rng, plan, steps, s_start[steps.session] + p_off[steps.prompt] + step_off)
    times = _event_times(plan, sessions, prompts, steps, tools, requests, gap, errors)
    tokens = _draw_tokens(rng, sessions, steps, gap, errors.recovered)
    ids = _draw_ids(rng, n_steps, len(motifs.motif))
    return _chunk_columns(sessions, prompts, steps, tools, requests, tool_texts, errors, times, tokens, ids)


_DECISIONS = pa.array(["accept", "accept", "accept", "reject", ""], pa.string())
_DECISION_SOURCES = pa.array(["config", "user_temporary", "user_permanent", "user_reject", ""], pa.string())
_API_ERROR_TYPES = tuple(classify_api_error(status, text) for status, text in _API_ERRORS)
_ERROR_TYPE_VOCAB = pa.array(_API_ERROR_TYPES + ("tool_error", "user_rejected", ""), pa.string())
_TOOL_VOCAB = _with_blank(pa.array(list(_TOOL_NAMES), pa.string()))
_MODEL_VOCAB = _with_blank(pa.array(MODELS, pa.string()))
_QSRC_VOCAB = pa.array(_QUERY_SOURCES, pa.string())
_EVENT_VOCAB = pa.array(EVENT_TYPES, pa.string())
_VERSION_VOCAB = pa.array(_CC_VERSIONS, pa.string())
_COST_SOURCES = pa.array(["computed", "unpriced", ""], pa.string())
_SOURCE = pa.array(["demo"], pa.string())
_DURATION_SOURCES = pa.array(["reported", ""], pa.string())


@cache
def _priced() -> np.ndarray:
    """Per model of :data:`MODELS`: does the price book know it?"""
    return np.array([bool(model_rates(m)) for m in MODELS])


def _prompt_texts(c: dict, v: _Vocabs) -> pa.Array:
    """Text of every prompt of chunk ``c``: template segments joined with its focus slots."""
    tpl, proj, focus = c["template"], c["p_project"], c["focus"]
    blank = len(v.slots.strings) - 1
    parts = []
    for k in range(3):
        parts.append(_take(v.segments[k], tpl))
        if k < 2:
            kind = v.slot_kinds[k][tpl]
            safe = np.maximum(kind, 0)
            choice = focus[np.arange(len(tpl)), safe]
            parts.append(_take(v.slots.strings, np.where(kind >= 0, v.slots.pick(proj, safe, choice), blank)))
    return pc.binary_join_element_wise(*parts, "")


def _table(c: dict, plan: _Plan, first_n: int, rows: int) -> pa.Table:
    """Arrow table of the first ``rows`` sorted events of chunk ``c``; event ids start at ``first_n``."""
    v = plan.vocabs
    g, step, prompt, session, ts = (c[k][:rows] for k in ("g", "step", "prompt", "session", "ts"))
    n = len(g)
    T = c["T"]
    s = np.minimum(step, T - 1)  # a safe step index; masked wherever step == T (prompt rows)
    is_p, is_err, is_req, is_dec, is_res = (g == code for code in range(5))
    is_tool = is_dec | is_res
    api = is_req | is_err
    seq = np.arange(n) - _segment_starts(np.bincount(session, minlength=c["S"]))[session]
    model = c["model"][s]
    ok, rejected = c["ok"][s], c["rejected"][s]

    def tokens(name):
        return np.where(is_req, c[name][s], 0).astype(np.uint64)

    tok = {
        col: tokens(key)
        for col, key in (
            ("input_tokens", "input"),
            ("output_tokens", "output"),
            ("cache_read_tokens", "cache_read"),
            ("cache_write_5m_tokens", "write_5m"),
            ("cache_write_1h_tokens", "write_1h"),
        )
    }
    cost = np.full(n, np.nan)
    if is_req.any():
        frame = pd.DataFrame({col: a[is_req].astype(np.int64) for col, a in tok.items()})
        frame.insert(0, "model", np.array(MODELS, dtype=object)[model[is_req]])
        cost[is_req] = cost_of(frame).to_numpy()
    cost_source = np.where(is_req, np.where(_priced()[model], 0, 1), 2)

    # free text from one combined vocabulary each
    prompt_texts = _prompt_texts(c, v)
    n_prompts = len(prompt_texts)
    text = _take(
        pa.concat_arrays([prompt_texts, v.tool_text.strings]),
        np.where(is_p, prompt, n_prompts + np.where(is_tool, c["text_idx"][s], len(v.tool_text.strings) - 1)),
    )
    n_api = len(_API_ERRORS)
    error_text = _take(
        pa.concat_arrays(
            [pa.array([t for _, t in _API_ERRORS] + [_REJECT_TEXT], pa.string()), v.tool_fail.strings]
        ),
        np.where(
            is_err,
            c["err_kind"][s],
            np.where(
                is_res & rejected,
                n_api,
                n_api + 1 + np.where(is_res & ~ok, c["fail_idx"][s], len(v.tool_fail.strings) - 1),
            ),
        ),
    )
    error_type = np.where(
        is_err, c["err_kind"][s], np.where(is_res & ~ok, np.where(rejected, n_api + 1, n_api), n_api + 2)
    )
    lengths = pc.cast(pc.utf8_length(prompt_texts), pa.string())
    offsets = np.concatenate(([0], np.cumsum(is_p))).astype(np.int32)
    p_rows = prompt[is_p]
    attrs = pa.MapArray.from_arrays(
        pa.array(offsets),
        _take(pa.array(["prompt_length"], pa.string()), np.zeros(len(p_rows), np.int64)),
        _take(lengths, p_rows),
    )

    ids = pc.cast(pa.array(np.arange(first_n, first_n + n, dtype=np.uint64)), pa.string())
    side = np.where(step < T, c["side"][s], False)
    project = c["project"][session]
    user = c["user"][session]
    zeros = np.zeros(n, dtype=np.int64)
    cols = {
        "ts": pa.array(ts, pa.timestamp("ms", tz="UTC")),
        "source": _take(_SOURCE, zeros),
        "event": _take(_EVENT_VOCAB, g),
        "session_id": _take(c["session_ids"], session),
        "prompt_id": _take(c["prompt_ids"], prompt),
        "request_id": _take(c["request_ids"], np.where(is_req, step, T)),
        "message_id": _take(c["message_ids"], np.where(is_req, step, T)),
        "event_id": pc.binary_join_element_wise(f"demo:{plan.seed}:", ids, ""),
        "seq": pa.array(seq.astype(np.uint64)),
        "project": _take(plan.project_labels, project),
        "repository": _take(plan.repository_labels, project),
        "cwd": _take(v.paths, project),
        "git_branch": _take(v.branches.strings, c["branch"][session]),
        "user_id": _take(plan.user_ids, user),
        "user_email": _take(plan.user_emails, user),
        "org_id": _take(plan.org_id, zeros),
        "terminal": _take(plan.terminals, c["terminal"][session]),
        "cc_version": _take(_VERSION_VOCAB, c["version_idx"][session]),
        "model": _take(_MODEL_VOCAB, np.where(api, model, len(MODELS))),
        "is_sidechain": pa.array(side.astype(np.uint8)),
        "agent_id": _take(c["agent_ids"], np.where(side, c["st_motif"][s], len(c["agent_ids"]) - 1)),
        "query_source": _take(_QSRC_VOCAB, np.where(api, c["qsrc"][s], 0)),
        **{col: pa.array(a) for col, a in tok.items()},
        "cost_usd": pa.array(cost, pa.float64(), mask=np.isnan(cost)),
        "cost_source": _take(_COST_SOURCES, cost_source),
        "duration_ms": pa.array(
            np.select([is_req, is_err, is_res], [c["req_ms"][s], c["err_ms"][s], c["res_ms"][s]], 0.0),
            pa.float64(),
            mask=~(api | is_res),
        ),
        "duration_source": _take(_DURATION_SOURCES, np.where(api | is_res, 0, 1)),
        "ttft_ms": pa.array(np.where(is_req, c["ttft"][s], 0.0), pa.float64(), mask=~is_req),
        "status_code": pa.array(np.where(is_err, c["status"][s], 0).astype(np.uint16)),
        "attempt": pa.array(
            np.select([is_err, is_req], [c["attempts"][s], 1 + c["attempts"][s] * c["err"][s]], 0).astype(
                np.uint16
            )
        ),
        "success": pa.array(
            np.where(is_req, 1, np.where(is_res, ok, 0)).astype(np.uint8), pa.uint8(), mask=~(api | is_res)
        ),
        "tool": _take(_TOOL_VOCAB, np.where(is_tool, c["tk"][s], len(_TOOL_NAMES))),
        "tool_use_id": _take(c["tool_use_ids"], np.where(is_tool, step, T)),
        "decision": _take(_DECISIONS, np.where(is_dec, c["decision_src"][s], 4)),
        "decision_source": _take(_DECISION_SOURCES, np.where(is_dec, c["decision_src"][s], 4)),
        "error_type": _take(_ERROR_TYPE_VOCAB, error_type),
        "error_text": error_text,
        "text": text,
        "output_text": pc.if_else(pa.array(is_res), error_text, ""),
        "attrs": attrs,
        "version": pa.array(np.ones(n, dtype=np.uint64)),
    }
    return pa.Table.from_arrays(list(cols.values()), schema=EVENTS_SCHEMA)


def generate_demo(
    n_events: int = 20_000,
    seed: int = 7,
    days: int = 60,
    end: datetime | None = None,
    labels: Mapping[str, tuple[str, str]] | None = None,
) -> Iterator[pa.Table]:
    """Yield exactly ``n_events`` synthetic events as Arrow tables for the ``events`` table.

    Parameters
    ----------
    n_events : int
        Rows in total (the last session is cut to hit the number exactly).
        ``<= 0`` yields nothing.
    seed : int
        Seed of the NumPy generator; also part of every ``event_id``
        (``demo:<seed>:<n>``, ``n`` counting from 0).
    days : int
        Length in days of the window ``[end - days, end)`` the sessions start
        in. ``<= 0`` yields nothing.
    end : datetime, optional
        End of the window (naive means UTC). Default: now, floored to the hour.
        With a fixed ``end`` the output is identical on every run.
    labels : mapping of str to (str, str), optional
        Each project path's (project, repository) labels as the store shows
        them (:func:`load_demo` asks the store's ``cc_home_label``); a path
        not in it is its own label.

    Yields
    ------
    pyarrow.Table
        At most :data:`CHUNK_ROWS` rows each, schema :data:`EVENTS_SCHEMA`
        (every ``events`` column except the defaulted ``ingested_at`` and ``hidden``), rows
        ordered by session, then time. Session start times are independent
        draws, so the window is covered evenly whatever ``n_events`` is; a
        session has about 180 events on average.
    """
    if n_events <= 0 or days <= 0:
        return
    end = _utc(end)
    rng = np.random.default_rng(seed)
    plan = _plan(rng, seed, days, end, labels or {})
    done = 0
    per_session = _EVENTS_PER_SESSION_GUESS
    while done < n_events:
        remaining = n_events - done
        n_sessions = int(min(MAX_CHUNK_SESSIONS, np.ceil(remaining / per_session * 1.05) + 1))
        c = _chunk(rng, plan, n_sessions)
        produced = len(c["g"])
        per_session = max(produced / n_sessions, 1.0)
        rows = min(produced, remaining)
        table = _table(c, plan, done, rows)
        del c
        for lo in range(0, rows, CHUNK_ROWS):
            yield table.slice(lo, CHUNK_ROWS)
        done += rows


def load_demo(
    store: Store, n_events: int = 20_000, seed: int = 7, days: int = 60, end: datetime | None = None
) -> dict:
    """Generate demo events (see :func:`generate_demo`) and insert them into ``events``, chunk by chunk.

    Also adds the priced demo models' rates to ``prices`` and records the run
    in ``ingest_runs`` (kind ``'demo'``). Event ids depend only on the seed and
    the row number, so loading the same seed again replaces the earlier demo
    rows with those ids (they are deleted first)
    instead of adding to them.

    Parameters
    ----------
    store : analytics.store.Store
        A writable store with the schema created.
    n_events, seed, days, end
        As for :func:`generate_demo`; nothing is inserted when ``n_events`` or
        ``days`` is ``<= 0`` (the run is still recorded).

    Returns
    -------
    dict
        ``events`` (rows by event type), ``rows``, ``sessions``,
        ``cost_usd`` (total of priced requests, USD), ``unpriced_requests``,
        ``seed``, ``days``, ``end`` (ISO 8601, UTC) and ``seconds`` (wall time).
    """
    from analytics import rollups
    from analytics.ingest.jsonl import record_run
    from analytics.ingest.prices import refresh_prices

    t0 = time.perf_counter()
    end = _utc(end)
    counts = dict.fromkeys(EVENT_TYPES, 0)
    sessions: set[str] = set()
    cost = 0.0
    unpriced = 0
    rows = 0
    if n_events > 0 and days > 0:
        refresh_prices(store, [m for m, priced in zip(MODELS, _priced(), strict=True) if priced])
        if store.rows("demo_rows")[0][0]:
            store.command("demo_delete_seed", prefix=f"demo:{seed}:")
    paths = [p["path"] for p in _PROJECTS]
    labels = {
        path: (project, repository) for path, project, repository in store.rows("demo_labels", paths=paths)
    }
    for table in generate_demo(n_events, seed=seed, days=days, end=end, labels=labels):
        store.insert_arrow("events", table)
        rows += table.num_rows
        vc = pc.value_counts(table["event"])
        for item in vc.to_pylist():
            counts[item["values"]] += int(item["counts"])
        sessions.update(pc.unique(table["session_id"]).to_pylist())
        cost += float(pc.sum(table["cost_usd"]).as_py() or 0.0)
        unpriced += int(pc.sum(pc.equal(table["cost_source"], "unpriced")).as_py() or 0)
    if rows:
        # One part, deletions materialised: later reads scan the fewest bytes.
        store.command("demo_optimize")
    rollups.rebuild(store)
    summary = {
        "events": counts,
        "rows": rows,
        "sessions": len(sessions),
        "cost_usd": round(cost, 6),
        "unpriced_requests": unpriced,
        "seed": seed,
        "days": days,
        "end": end.isoformat(),
        "seconds": round(time.perf_counter() - t0, 3),
    }
    record_run(store, "demo", summary, t0)
    return summary
