"""The JSONL ingester under damaged input: valid Claude Code lines mixed with real-shaped damage.

Each hypothesis example writes a few transcript files of valid lines (requests
split into content blocks, sidechain replays, API errors, prompts with awkward
text) interleaved with a corpus of mutations (torn lines, wrong JSON types,
multi-MB strings, NUL bytes, invalid UTF-8, 10k-deep nesting, ...), with CRLF
line ends, a BOM, `", "` separators, a last line without its line end (whole,
or torn) or a second copy of the file. It ingests them into a fresh store and checks, against a plain-Python
computation over the valid lines only (DESIGN.md section 4), that nothing
raised, every valid line counted, and every damaged line was skipped under
the reason its mutation implies.
"""

from __future__ import annotations

import json
import tempfile
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonl_fixtures import HAIKU, SONNET, api_error, assistant, dumps, usage, user_prompt

from analytics.ingest.jsonl import ingest_jsonl
from analytics.pricing import reference_cost
from analytics.usage import usage_report

MAX_LINE = 4 << 20
"""``max_line_bytes`` of every ingest here: giant lines below it are read, above it skipped."""
UNKNOWN_MODEL = "claude-future-9"
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Line:
    """One transcript line: its bytes (no line end), its expected verdict and, when usable, its record."""

    data: bytes
    verdict: str  # '' usable; a skip reason; or 'ignored:<key>'
    record: dict | None = None
    spaced: bool = False
    whole: bool = True  # a whole JSON object: read even before its line end is written
    damage: Callable[[bytes], bytes] | None = None  # what makes the record's JSON ``data`` (a usable line)


# -- valid records -------------------------------------------------------------------------------


def _iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def request_usage(key: str, output: int) -> dict:
    """Usage of one response: input and cache fields fixed by its key, output growing over its blocks."""
    h = zlib.crc32(key.encode())
    inp, cache_read, w5, w1h = 1 + h % 900, h % 50_000, (h >> 4) % 3_000, (h >> 8) % 2_000
    if h % 3 == 0:  # no 5m/1h split: every cache write is a 5-minute write
        return usage(inp, output, cache_read, w5 + w1h)
    return usage(inp, output, cache_read, w5 + w1h, w5=w5, w1h=w1h)


def request_model(key: str) -> str:
    return (SONNET, SONNET, HAIKU, UNKNOWN_MODEL)[zlib.crc32(key.encode()) % 4]


timestamps = st.one_of(
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31)),
    st.datetimes(min_value=datetime(2099, 1, 1), max_value=datetime(2099, 12, 31)),  # future dates
).map(lambda d: _iso(d.replace(tzinfo=UTC)))

prompt_texts = st.text(min_size=1, max_size=40).filter(lambda s: not s.startswith("[Request interrupted"))


@st.composite
def requests(draw, content=None) -> dict:
    msg = draw(st.sampled_from([f"msg_{i}" for i in range(6)] + [None]))
    req = draw(st.sampled_from([f"req_{i}" for i in range(6)] + [None]))
    sidechain = draw(st.booleans())
    key = msg or req or "uuid"
    return assistant(
        draw(timestamps),
        msg,
        req,
        request_usage(key, draw(st.integers(0, 5000))),
        content=content,
        model=request_model(key),
        sidechain=sidechain,
        agent="a1" if sidechain else None,
    )


@st.composite
def errors(draw) -> dict:
    status = draw(st.sampled_from([401, 429, 500, 529]))
    return api_error(draw(timestamps), status, draw(st.sampled_from(["overloaded", "rate limited", "boom"])))


@st.composite
def prompts(draw) -> dict:
    return user_prompt(draw(timestamps), draw(prompt_texts))


records = st.one_of(requests(), errors(), prompts())


@st.composite
def valid_lines(draw) -> Line:
    rec, spaced = draw(records), draw(st.booleans())
    return Line(dumps(rec, spaced=spaced).encode(), "", rec, spaced)


@st.composite
def giant_lines(draw) -> Line:
    """A valid request whose text is a few MB (read: it is under MAX_LINE)."""
    size = draw(st.integers(1 << 20, MAX_LINE - (64 << 10)))
    rec = draw(requests(content=[{"type": "text", "text": "x" * size}]))
    return Line(dumps(rec).encode(), "", rec)


@st.composite
def surrogate_lines(draw) -> Line:
    """A valid line whose text ends in a lone surrogate (a string cut inside a surrogate pair)."""
    cut = draw(st.sampled_from(["\ud83d", "\ude00", "a\ud83d\ud83d b", "\\\ud800"]))
    rec = draw(st.one_of(requests(content=[{"type": "text", "text": "see " + cut}]), prompts()))
    if rec["type"] == "user":
        rec["message"]["content"] += cut
    return Line(dumps(rec).encode(), "", rec)


# -- damage, each with the verdict it must get -----------------------------------------------------


MARKER = "\u2603MARK\u2603"


def _mark_text(rec: dict) -> None:
    """Set the record's message text to :data:`MARKER`."""
    m = rec["message"]
    if isinstance(m["content"], str):
        m["content"] = MARKER
    else:
        m["content"] = [{"type": "text", "text": MARKER}]


def _text_bytes(new: bytes) -> Callable[[bytes], bytes]:
    """A record's JSON with its (marked) message text replaced by raw ``new`` bytes."""
    return lambda raw: raw.replace(json.dumps(MARKER).encode()[1:-1], new)


def _deep_field(raw: bytes) -> bytes:
    """A record's JSON with a field nested 10,000 levels deep (valid JSON, deeper than the parser goes)."""
    return raw[:-1] + b',"deep":' + b"[" * 10_000 + b"]" * 10_000 + b"}"


@st.composite
def damaged_lines(draw) -> Line:
    kind = draw(
        st.sampled_from(
            [
                "truncated",
                "string_tokens",
                "negative_tokens",
                "numeric_timestamp",
                "array_message",
                "nul_in_string",
                "nul_padding",
                "invalid_utf8",
                "deep_array",
                "deep_field",
                "too_large",
                "blank",
                "not_an_object",
                "unknown_type",
                "metadata",
                "synthetic",
            ]
        )
    )
    if kind == "truncated":
        raw = dumps(draw(records)).encode()
        return Line(raw[: draw(st.integers(1, len(raw) - 1))], "malformed_json", whole=False)
    if kind in ("string_tokens", "negative_tokens"):
        rec = draw(requests())
        field = draw(st.sampled_from(["input_tokens", "output_tokens", "cache_read_input_tokens"]))
        value = rec["message"]["usage"][field]
        rec["message"]["usage"][field] = str(value) if kind == "string_tokens" else -1 - value
        return Line(dumps(rec).encode(), "wrong_type")
    if kind == "numeric_timestamp":
        rec = draw(records)
        rec["timestamp"] = draw(st.sampled_from([1234, 1714557600, 1714557600000, 2.5]))
        return Line(dumps(rec).encode(), "wrong_type")
    if kind == "array_message":
        rec = draw(st.one_of(requests(), prompts()))
        rec["message"] = [rec["message"]]
        return Line(dumps(rec).encode(), "wrong_type")
    if kind == "nul_in_string":
        rec = draw(st.one_of(requests(), prompts()))
        _mark_text(rec)
        return Line(_text_bytes(b"a\x00b")(dumps(rec).encode()), "malformed_json")
    if kind == "nul_padding":  # what a crash leaves in a preallocated file
        return Line(b"\x00" * draw(st.integers(1, 4096)), "malformed_json", whole=False)
    if kind == "invalid_utf8":  # the bad bytes are replaced: the line keeps its usage
        bad = draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"]))
        rec = draw(st.one_of(requests(), prompts()))
        _mark_text(rec)
        return Line(_text_bytes(bad)(dumps(rec).encode()), "", rec, damage=_text_bytes(bad))
    if kind == "deep_array":  # valid JSON, flattened: an array, not an object
        return Line(b"[" * 10_000 + b"]" * 10_000, "not_an_object", whole=False)
    if kind == "deep_field":  # valid JSON, flattened: the line keeps its usage
        rec = draw(records)
        return Line(_deep_field(dumps(rec).encode()), "", rec, damage=_deep_field)
    if kind == "too_large":  # a last line this long waits for its line end
        size = draw(st.integers(MAX_LINE + 1, MAX_LINE + (1 << 20)))
        rec = draw(requests(content=[{"type": "text", "text": "x" * size}]))
        return Line(dumps(rec).encode(), "too_large", whole=False)
    if kind == "blank":
        return Line(draw(st.sampled_from([b"", b" ", b"\t", b"  \t ", b"\r"])), "blank", whole=False)
    if kind == "not_an_object":
        return Line(
            draw(st.sampled_from([b"[1, 2]", b"42", b'"text"', b"null", b"true"])),
            "not_an_object",
            whole=False,
        )
    if kind == "unknown_type":
        rec = draw(records)
        rec["type"] = draw(st.sampled_from(["mystery", "", "Assistant"]))
        return Line(dumps(rec).encode(), "unknown_type")
    if kind == "metadata":
        t = draw(st.sampled_from(["summary", "file-history-snapshot", "system"]))
        return Line(dumps({"type": t, "leafUuid": "l1", "summary": "s"}).encode(), f"ignored:metadata:{t}")
    rec = draw(requests())  # a "<synthetic>" message that is no API error
    rec["message"]["model"] = "<synthetic>"
    return Line(dumps(rec).encode(), "ignored:synthetic_message")


# -- files -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TranscriptFile:
    lines: tuple[Line, ...]
    crlf: bool
    bom: bool
    torn_tail: bool  # the last line has no line end yet (written whole, or still being written)
    copies: int  # the same bytes under this many paths

    def data(self) -> bytes:
        end = b"\r\n" if self.crlf else b"\n"
        parts = [ln.data + end for ln in self.lines]
        if self.torn_tail:
            parts[-1] = self.lines[-1].data
        out = b"".join(parts)
        return BOM + out if self.bom else out

    def complete(self) -> tuple[Line, ...]:
        """The lines an ingest reads now (a last line without its line end only when it is whole)."""
        return self.lines[:-1] if self.torn_tail and not self.lines[-1].whole else self.lines

    def torn(self) -> bool:
        """Whether bytes wait after the last line end (what the ingest reports as deferred)."""
        data = self.data()
        return not data.endswith(b"\n") and len(data) > 0 and not (self.torn_tail and self.lines[-1].whole)


@st.composite
def transcript_files(draw) -> TranscriptFile:
    line = st.one_of(
        valid_lines(), valid_lines(), valid_lines(), damaged_lines(), damaged_lines(), surrogate_lines()
    )
    lines = draw(st.lists(line, min_size=1, max_size=12))
    if draw(st.integers(0, 9)) == 0:
        lines.insert(draw(st.integers(0, len(lines))), draw(giant_lines()))
    return TranscriptFile(
        tuple(lines),
        crlf=draw(st.booleans()),
        bom=draw(st.booleans()),
        torn_tail=draw(st.booleans()),
        copies=draw(st.sampled_from([1, 1, 2])),
    )


def number_uuids(files: list[TranscriptFile]) -> list[TranscriptFile]:
    """Give every record line a unique uuid (copies of a file keep the same ones)."""
    out = []
    for f, tf in enumerate(files):
        lines = []
        for i, ln in enumerate(tf.lines):
            if ln.record is not None:
                rec = {**ln.record, "uuid": f"u{f}-{i}"}
                raw = dumps(rec, spaced=ln.spaced).encode()
                ln = Line(
                    raw if ln.damage is None else ln.damage(raw),
                    ln.verdict,
                    rec,
                    ln.spaced,
                    ln.whole,
                    ln.damage,
                )
            lines.append(ln)
        out.append(TranscriptFile(tuple(lines), tf.crlf, tf.bom, tf.torn_tail, tf.copies))
    return out


def write_tree(root: Path, files: list[TranscriptFile]) -> None:
    for f, tf in enumerate(files):
        for c in range(tf.copies):
            path = root / f"-copy{c}" / f"session-{f}.jsonl"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(tf.data())


# -- the independent reference ------------------------------------------------------------------------


def reference(files: list[TranscriptFile]) -> dict:
    """What the store must hold, computed from the usable lines only (DESIGN.md section 4, rules 1-6)."""
    best: dict[str, tuple] = {}
    error_ids, prompt_ids = set(), set()
    for tf in files:
        for ln in tf.complete():
            if ln.verdict or ln.record is None:
                continue
            d = ln.record
            m = d["message"]
            if d["type"] == "user":
                prompt_ids.add(d["uuid"])
            elif d.get("isApiErrorMessage"):
                error_ids.add(d["uuid"])
            else:
                u = m["usage"]
                key = m.get("id") or d.get("requestId") or d["uuid"]
                split = u.get("cache_creation")
                w5 = split["ephemeral_5m_input_tokens"] if split else u["cache_creation_input_tokens"]
                w1h = split["ephemeral_1h_input_tokens"] if split else 0
                tokens = (u["input_tokens"], u["output_tokens"], u["cache_read_input_tokens"], w5, w1h)
                rank = (not d["isSidechain"], sum(tokens))
                if key not in best or rank > best[key][0]:
                    best[key] = (rank, m["model"], tokens)
    sums = [0, 0, 0, 0, 0]
    cost, unpriced = 0.0, 0
    for _rank, model, tokens in best.values():
        sums = [a + b for a, b in zip(sums, tokens, strict=True)]
        c = reference_cost(model, *tokens)
        if c is None:
            unpriced += 1
        else:
            cost += c
    return {
        "requests": len(best),
        "tokens": tuple(sums),
        "cost_usd": cost,
        "unpriced_requests": unpriced,
        "api_errors": len(error_ids),
        "user_prompts": len(prompt_ids),
    }


def expected_report(files: list[TranscriptFile]) -> dict:
    skipped, ignored = Counter(), Counter()
    lines = torn = 0
    for tf in files:
        for ln in tf.complete():
            lines += tf.copies
            if ln.verdict.startswith("ignored:"):
                ignored[ln.verdict.removeprefix("ignored:")] += tf.copies
            elif ln.verdict:
                skipped[ln.verdict] += tf.copies
        torn += tf.copies * tf.torn()
    return {"lines": lines, "skipped": dict(skipped), "ignored": dict(ignored), "torn_lines_deferred": torn}


def stored(store) -> dict:
    t = usage_report(store, "model", tz="UTC")["totals"]
    counts = dict(store.rows_sql("SELECT event, count() FROM telemetry GROUP BY event"))
    return {
        "requests": t["requests"],
        "tokens": (
            t["input_tokens"],
            t["output_tokens"],
            t["cache_read_tokens"],
            t["cache_write_5m_tokens"],
            t["cache_write_1h_tokens"],
        ),
        "cost_usd": t["cost_usd"],
        "unpriced_requests": t["unpriced_requests"],
        "api_errors": counts.get("api_error", 0),
        "user_prompts": counts.get("user_prompt", 0),
    }


def report_view(report) -> dict:
    return {
        "lines": report.lines,
        "skipped": report.skipped,
        "ignored": report.ignored,
        "torn_lines_deferred": report.torn_lines_deferred,
    }


def drop(store) -> None:
    with store.client() as c:
        name = c.database
    store.command_sql(f"DROP DATABASE IF EXISTS {name}")
    store.close()


# -- the property -----------------------------------------------------------------------------------------


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(st.lists(transcript_files(), min_size=1, max_size=4))
def test_damaged_transcripts_skip_exactly_the_damage(store_factory, drawn):
    files = number_uuids(drawn)
    store = store_factory()
    try:
        with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
            root = Path(tmp)
            write_tree(root, files)
            report = ingest_jsonl(store, [root], max_line_bytes=MAX_LINE)
            assert report_view(report) == expected_report(files)
            ref, got = reference(files), stored(store)
            # the report rounds costs to 1e-6 USD
            assert got["cost_usd"] == pytest.approx(ref.pop("cost_usd"), abs=1e-6)
            got.pop("cost_usd")
            assert got == ref
            again = ingest_jsonl(store, [root], max_line_bytes=MAX_LINE)
            assert (again.files_read, again.lines) == (0, 0)
            assert stored(store) | {"cost_usd": 0} == ref | {"cost_usd": 0}
    finally:
        drop(store)


# -- every damage once, with the answer written out ------------------------------------------------------


def test_each_kind_of_damage_is_skipped_under_its_reason(empty_store, tmp_path):
    good = assistant("2025-05-01T10:00:00.000Z", "m1", "r1", usage(100, 20, 1000, 300), uuid="a1")
    later = assistant("2025-05-01T10:00:01.000Z", "m1", "r1", usage(100, 70, 1000, 300), uuid="a2")
    prompt = user_prompt("2025-05-01T09:59:00.000Z", "cut \ud83d", uuid="p1")  # lone surrogate: kept

    def variant(change) -> bytes:
        d = json.loads(dumps(good))
        d["uuid"] = "bad"
        change(d)
        return dumps(d).encode()

    damaged = [
        dumps(good).encode()[:60],  # torn line, malformed_json
        variant(lambda d: d["message"]["usage"].update(input_tokens="100")),  # wrong_type
        variant(lambda d: d["message"]["usage"].update(output_tokens=-3)),  # wrong_type
        variant(lambda d: d["message"]["usage"].update(cache_read_input_tokens="7")),  # wrong_type
        variant(lambda d: d.update(timestamp=1714557600)),  # wrong_type
        variant(lambda d: d.update(message=[d["message"]])),  # wrong_type
        dumps(good).encode().replace(b'"ok"', b'"o\x00k"'),  # raw NUL, malformed_json
        dumps(good).encode().replace(b'"ok"', b'"o\xffk"'),  # invalid UTF-8 replaced: read (a copy of `good`)
        b"[" * 10_000 + b"]" * 10_000,  # valid, flattened: not_an_object
        b"\x00" * 100,  # malformed_json
        b"\r",  # blank
        b" \t ",  # blank
        b"null",  # not_an_object
    ]
    data = (
        BOM
        + b"\r\n".join(
            [dumps(good, spaced=True).encode(), *damaged, dumps(prompt).encode(), dumps(later).encode()]
        )
        + b"\r\n"
    )
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "s1.jsonl").write_bytes(data)
    report = ingest_jsonl(empty_store, [tmp_path])
    assert report.lines == 16
    assert report.skipped == {"malformed_json": 3, "wrong_type": 5, "blank": 2, "not_an_object": 2}
    assert report.ignored == {}
    assert report.torn_lines_deferred == 0
    assert empty_store.rows_sql(
        "SELECT event, message_id, input_tokens, output_tokens, cache_read_tokens, cache_write_5m_tokens, "
        "toString(ts), text FROM telemetry ORDER BY event"
    ) == [
        # the response's text blocks in order: `good`, its copy with the bad byte replaced, `later`
        ("api_request", "m1", 100, 70, 1000, 300, "2025-05-01 10:00:01.000", "ok\no\ufffdk\nok"),
        ("user_prompt", "", 0, 0, 0, 0, "2025-05-01 09:59:00.000", "cut \ufffd"),
    ]


def test_negative_tokens_never_wrap_around(empty_store, tmp_path):
    bad = assistant("2025-05-01T10:00:00Z", "m1", "r1", usage(-5, 10), uuid="a1")
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "s1.jsonl").write_text(dumps(bad) + "\n")
    report = ingest_jsonl(empty_store, [tmp_path])
    assert report.skipped == {"wrong_type": 1}
    assert usage_report(empty_store, "model")["totals"]["input_tokens"] == 0


def test_crlf_blank_lines_are_blank_not_malformed(empty_store, tmp_path):
    lines = [
        dumps(assistant("2025-05-01T10:00:00Z", "m1", "r1", usage(1, 2), uuid="a1")),
        "",
        dumps(assistant("2025-05-01T10:00:01Z", "m2", "r2", usage(3, 4), uuid="a2")),
    ]
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "s1.jsonl").write_bytes(("\r\n".join(lines) + "\r\n").encode())
    report = ingest_jsonl(empty_store, [tmp_path])
    assert (report.lines, report.skipped, report.events) == (3, {"blank": 1}, {"api_request": 2})


def test_the_ingest_clock_is_not_read_from_numbers(empty_store, tmp_path):
    # A number is no timestamp: 1234 used to become the year 1234 and epoch numbers a 2024 date.
    lines = [assistant("2025-05-01T10:00:00Z", f"m{i}", f"r{i}", usage(1, 1), uuid=f"a{i}") for i in range(3)]
    for rec, value in zip(lines, (1234, 1714557600, 1714557600000), strict=True):
        rec["timestamp"] = value
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "s1.jsonl").write_text("".join(dumps(r) + "\n" for r in lines))
    report = ingest_jsonl(empty_store, [tmp_path])
    assert (report.skipped, report.events) == ({"wrong_type": 3}, {})


def test_out_of_order_and_future_lines_keep_the_largest_block(empty_store, tmp_path):
    path = tmp_path / "p" / "s1.jsonl"
    path.parent.mkdir()
    blocks = [
        assistant("2099-01-01T00:00:02Z", "m1", "r1", usage(10, 90), uuid="a3"),
        assistant("2025-05-01T10:00:00Z", "m1", "r1", usage(10, 5), uuid="a1"),
        assistant("2099-01-01T00:00:01Z", "m1", "r1", usage(10, 40), uuid="a2"),
    ]
    path.write_text("".join(dumps(b) + "\n" for b in blocks))
    ingest_jsonl(empty_store, [tmp_path])
    assert empty_store.rows_sql(
        "SELECT toString(ts), input_tokens, output_tokens FROM telemetry WHERE event = 'api_request'"
    ) == [("2099-01-01 00:00:02.000", 10, 90)]


def test_lone_surrogate_fix_leaves_escaped_backslashes_alone(empty_store, tmp_path):
    # "\\ud800" in JSON is a backslash and the letters "ud800", not a surrogate; the line is valid
    # apart from the real lone surrogate at its end.
    rec = user_prompt("2025-05-01T10:00:00Z", "path C:\\ud800 and \ud83d\ude00 then \ud83d", uuid="p1")
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "s1.jsonl").write_text(dumps(rec) + "\n")
    report = ingest_jsonl(empty_store, [tmp_path])
    assert report.skipped == {}
    assert empty_store.rows_sql("SELECT text FROM telemetry") == [("path C:\\ud800 and \ufffd then \ufffd",)]
