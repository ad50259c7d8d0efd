"""JSONL ingest: every accounting rule of DESIGN.md section 4 on real chDB, with hand-computed answers."""

from __future__ import annotations

import json
import os
import shutil
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest
from jsonl_fixtures import (
    HAIKU,
    SONNET,
    api_error,
    assistant,
    dumps,
    tool_result,
    tool_use,
    usage,
    user_prompt,
    write,
)

from analytics.ingest.jsonl import discover_files, discover_roots, ingest_jsonl
from analytics.pricing import reference_cost
from analytics.usage import usage_report

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "claude-projects"


def totals(store) -> dict:
    rows = store.rows_sql(
        "SELECT event, count(), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), "
        "sum(cache_write_5m_tokens), sum(cache_write_1h_tokens), round(sum(cost_usd), 9), countIf(cost_usd IS NULL) "
        "FROM telemetry GROUP BY event ORDER BY event"
    )
    return {r[0]: r[1:] for r in rows}


def requests(store) -> list[tuple]:
    return store.rows_sql(
        "SELECT message_id, request_id, session_id, is_sidechain, input_tokens, output_tokens, cache_read_tokens, "
        "cache_write_5m_tokens, cache_write_1h_tokens, round(cost_usd, 9), cost_source "
        "FROM telemetry WHERE event = 'api_request' ORDER BY message_id"
    )


# -- rule 1: one row per API response ------------------------------------------------------------


def test_content_block_lines_collapse_to_the_largest_usage(empty_store, tmp_path):
    # Claude Code writes one line per content block; early lines carry partial output tokens.
    write(
        tmp_path / "p" / "s1.jsonl",
        [
            assistant("2025-05-01T10:00:00.000Z", "msg_A", "req_A", usage(10, 5, 1000, 200), uuid="a1"),
            assistant(
                "2025-05-01T10:00:01.000Z",
                "msg_A",
                "req_A",
                usage(10, 5, 1000, 200),
                content=[tool_use("tu1", "Read", {"file_path": "/x.py"})],
                uuid="a2",
            ),
            assistant("2025-05-01T10:00:02.000Z", "msg_A", "req_A", usage(10, 180, 1000, 200), uuid="a3"),
        ],
    )
    report = ingest_jsonl(empty_store, [tmp_path])
    # input 10*3 + output 180*15 + cache read 1000*0.3 + cache write 200*3.75, per million
    expected_cost = (10 * 3 + 180 * 15 + 1000 * 0.3 + 200 * 3.75) / 1e6
    assert requests(empty_store) == [
        ("msg_A", "req_A", "s1", 0, 10, 180, 1000, 200, 0, round(expected_cost, 9), "computed")
    ]
    assert report.dedup["duplicate_content_block"] == 2
    assert report.events["api_request"] == 1
    assert report.lines == 3


def test_missing_request_id_falls_back_to_message_id_then_uuid(empty_store, tmp_path):
    write(
        tmp_path / "p" / "s1.jsonl",
        [
            assistant("2025-05-01T10:00:00Z", "msg_B", None, usage(1, 2), uuid="b1"),
            assistant("2025-05-01T10:00:01Z", "msg_B", None, usage(1, 9), uuid="b2"),
            assistant("2025-05-01T10:00:02Z", None, "req_C", usage(3, 4), uuid="c1"),
            assistant("2025-05-01T10:00:03Z", None, "req_C", usage(3, 7), uuid="c2"),
            assistant("2025-05-01T10:00:04Z", None, None, usage(5, 6), uuid="d1"),
        ],
    )
    ingest_jsonl(empty_store, [tmp_path])
    got = [(r[0], r[1], r[4], r[5]) for r in requests(empty_store)]
    assert sorted(got) == [("", "", 5, 6), ("", "req_C", 3, 7), ("msg_B", "", 1, 9)]


# -- rules 2 and 3: sidechains and subagents ----------------------------------------------------------


def test_sidechain_replay_counts_once_as_the_parents(empty_store, tmp_path):
    proj = tmp_path / "p"
    write(
        proj / "s1.jsonl", [assistant("2025-05-01T10:00:00Z", "msg_P", "req_P1", usage(100, 50), uuid="p1")]
    )
    # A subagent transcript replays the parent's message id with a new request id.
    write(
        proj / "s1" / "subagents" / "agent-a1.jsonl",
        [
            assistant(
                "2025-05-01T10:00:05Z",
                "msg_P",
                "req_P2",
                usage(100, 50),
                sidechain=True,
                agent="a1",
                uuid="r1",
            ),
            assistant(
                "2025-05-01T10:00:09Z",
                "msg_S",
                "req_S",
                usage(40, 20),
                sidechain=True,
                agent="a1",
                model=HAIKU,
                uuid="r2",
            ),
        ],
    )
    report = ingest_jsonl(empty_store, [tmp_path])
    got = [(r[0], r[1], r[2], r[3]) for r in requests(empty_store)]
    assert got == [("msg_P", "req_P1", "s1", 0), ("msg_S", "req_S", "s1", 1)]
    assert report.dedup["sidechain_replay"] == 1
    # Subagent spend is part of the session: Sonnet 100*3+50*15 and Haiku 40*1+20*5, per million.
    session = usage_report(empty_store, "session")
    assert session["rows"][0]["session_id"] == "s1"
    assert session["rows"][0]["cost_usd"] == pytest.approx(
        (100 * 3 + 50 * 15 + 40 * 1 + 20 * 5) / 1e6, abs=1e-12
    )


def test_discovery_finds_sessions_subagents_and_old_agent_files(tmp_path):
    home = tmp_path / "home"
    root = home / ".claude" / "projects"
    a = write(root / "-home-dev-shop" / "s1.jsonl", ["{}"])
    b = write(root / "-home-dev-shop" / "s1" / "subagents" / "agent-x.jsonl", ["{}"])
    c = write(root / "-home-dev-shop" / "agent-old.jsonl", ["{}"])
    d = write(home / ".config" / "claude" / "projects" / "-p" / "s2.jsonl", ["{}"])
    e = write(tmp_path / "alt" / "projects" / "-q" / "s3.jsonl", ["{}"])
    f = write(tmp_path / "alt2" / "projects" / "-r" / "s4.jsonl", ["{}"])
    env = {"CLAUDE_CONFIG_DIR": f"{tmp_path / 'alt'}, {tmp_path / 'alt2'}"}
    roots = discover_roots(env, home=home)
    assert roots == [
        root,
        home / ".config" / "claude" / "projects",
        tmp_path / "alt" / "projects",
        tmp_path / "alt2" / "projects",
    ]
    assert discover_files(roots) == [str(p) for p in sorted(p.resolve() for p in (a, b, c, d, e, f))]


def test_discovery_lists_real_paths_once_in_path_order(tmp_path):
    root = tmp_path / "projects"
    a = write(root / "-p" / "s.jsonl", ["{}"])
    b = write(root / "-p-x" / "t.jsonl", ["{}"])  # '-' sorts before '/' as text, after '-p' as a path
    outside = write(tmp_path / "elsewhere" / "u.jsonl", ["{}"])
    (root / "linked").symlink_to(tmp_path / "elsewhere")  # a linked directory
    (root / "-p" / "l.jsonl").symlink_to(b)  # a linked file: the one it names, once
    (root / "-p" / "notes.txt").write_text("{}")
    want = [outside, a, b]
    assert discover_files([root, outside]) == [str(p) for p in want]
    assert want == sorted(want) and str(b) < str(a)


# -- rule 4 and 5: pricing -----------------------------------------------------------------------------


def test_cache_write_split_and_long_context_tier(empty_store, tmp_path):
    write(
        tmp_path / "p" / "s1.jsonl",
        [
            # 5m/1h split present: 100*3 + 200*15 + 1000*0.3 + 2000*3.75 + 3000*6 = 29100 micro-dollars.
            assistant(
                "2025-05-01T10:00:00Z", "m1", "r1", usage(100, 200, 1000, 5000, w5=2000, w1h=3000), uuid="x1"
            ),
            # no split: all 5000 writes are 5-minute writes: 5000*3.75 = 18750.
            assistant("2025-05-01T10:01:00Z", "m2", "r2", usage(0, 0, 0, 5000), uuid="x2"),
            # 150k input + 60k cache read = 210k > 200k: whole request at the long-context rates
            # 150000*6 + 60000*0.6 + 1000*22.5 = 958500.
            assistant("2025-05-01T10:02:00Z", "m3", "r3", usage(150_000, 1000, 60_000, 0), uuid="x3"),
            # exactly 200k total input stays on the base tier: 200000*3 = 600000.
            assistant("2025-05-01T10:03:00Z", "m4", "r4", usage(200_000, 0, 0, 0), uuid="x4"),
        ],
    )
    ingest_jsonl(empty_store, [tmp_path])
    costs = {r[0]: r[9] for r in requests(empty_store)}
    assert costs == {"m1": 0.0291, "m2": 0.01875, "m3": 0.9585, "m4": 0.6}
    for r in requests(empty_store):
        assert r[9] == pytest.approx(reference_cost(SONNET, *r[4:9]), abs=1e-9)
    assert [r[7:9] for r in requests(empty_store)] == [(2000, 3000), (5000, 0), (0, 0), (0, 0)]


def test_unknown_model_is_unpriced_never_zero(empty_store, tmp_path):
    write(
        tmp_path / "p" / "s1.jsonl",
        [
            assistant("2025-05-01T10:00:00Z", "m1", "r1", usage(10, 10), model="claude-future-9", uuid="x1"),
            assistant("2025-05-01T10:00:01Z", "m2", "r2", usage(10, 10), uuid="x2"),
        ],
    )
    report = ingest_jsonl(empty_store, [tmp_path])
    assert report.unpriced_requests == 1
    assert report.unpriced_models == ["claude-future-9"]
    rows = {r["model"]: r for r in usage_report(empty_store, "model")["rows"]}
    assert rows["claude-future-9"]["cost_usd"] is None
    assert rows["claude-future-9"]["unpriced_requests"] == 1
    assert rows[SONNET]["cost_usd"] == pytest.approx((10 * 3 + 10 * 15) / 1e6)


# -- rule 6: synthetic API error lines ---------------------------------------------------------------


def test_synthetic_error_lines_are_errors_not_requests(empty_store, tmp_path):
    write(
        tmp_path / "p" / "s1.jsonl",
        [
            api_error(
                "2025-05-01T10:00:00Z", 529, '{"type":"error","error":{"type":"overloaded_error"}}', uuid="e1"
            ),
            api_error("2025-05-01T10:00:10Z", 429, "rate limited", uuid="e2", apiErrorStatus=429),
            assistant("2025-05-01T10:00:20Z", "m1", "r1", usage(1, 1), uuid="x1"),
        ],
    )
    ingest_jsonl(empty_store, [tmp_path])
    rows = empty_store.rows_sql(
        "SELECT status_code, error_type, model FROM telemetry WHERE event = 'api_error' ORDER BY ts"
    )
    assert rows == [(529, "overloaded", ""), (429, "rate_limit", "")]
    assert totals(empty_store)["api_request"][0] == 1


# -- rule 8: torn, spaced, empty, malformed ------------------------------------------------------------


def test_torn_last_line_is_read_on_the_next_run(empty_store, tmp_path):
    path = tmp_path / "p" / "s1.jsonl"
    first = dumps(assistant("2025-05-01T10:00:00Z", "m1", "r1", usage(1, 1), uuid="x1"))
    second = dumps(assistant("2025-05-01T10:00:01Z", "m2", "r2", usage(2, 2), uuid="x2"))
    path.parent.mkdir(parents=True)
    path.write_text(first + "\n" + second[:40])  # Claude Code is still writing the second line
    r1 = ingest_jsonl(empty_store, [tmp_path])
    assert (r1.events, r1.torn_lines_deferred, r1.skipped) == ({"api_request": 1}, 1, {})
    with path.open("a") as fh:
        fh.write(second[40:] + "\n")
    r2 = ingest_jsonl(empty_store, [tmp_path])
    assert (r2.lines, r2.events, r2.skipped) == (1, {"api_request": 1}, {})
    assert [r[0] for r in requests(empty_store)] == ["m1", "m2"]


def test_spaced_json_and_empty_file(empty_store, tmp_path):
    write(
        tmp_path / "p" / "s1.jsonl",
        [
            assistant("2025-05-01T10:00:00Z", "m1", "r1", usage(7, 8), uuid="x1"),
            user_prompt("2025-05-01T09:59:00Z", "add a cart", uuid="q1"),
        ],
        spaced=True,
    )
    (tmp_path / "p" / "empty.jsonl").write_text("")
    report = ingest_jsonl(empty_store, [tmp_path])
    assert report.events == {"api_request": 1, "user_prompt": 1}
    assert report.files_seen == 2 and report.skipped == {}
    assert empty_store.rows_sql("SELECT text FROM telemetry WHERE event = 'user_prompt'") == [("add a cart",)]


def test_bad_lines_are_counted_by_reason_and_the_rest_ingests(empty_store, tmp_path):
    good = assistant("2025-05-01T10:00:00Z", "m1", "r1", usage(1, 1), uuid="x1")
    wrong_tokens = assistant("2025-05-01T10:00:01Z", "m2", "r2", usage(1, 1), uuid="x2")
    wrong_tokens["message"]["usage"]["output_tokens"] = "many"
    no_ts = user_prompt("2025-05-01T10:00:02Z", "hi", uuid="x3")
    no_ts["timestamp"] = 12345
    write(
        tmp_path / "p" / "s1.jsonl",
        [
            "{not json",
            "",
            "   ",
            "[1, 2]",
            dumps({"type": "mystery", "x": 1}),
            dumps(wrong_tokens),
            dumps(no_ts),
            '{"type":"user","message":"' + "x" * 5000 + '"}',
            dumps({"type": "summary", "summary": "s", "leafUuid": "l"}),
            dumps(good),
        ],
    )
    report = ingest_jsonl(empty_store, [tmp_path], max_line_bytes=4096)
    assert report.skipped == {
        "malformed_json": 1,
        "blank": 2,
        "not_an_object": 1,
        "unknown_type": 1,
        "wrong_type": 2,
        "too_large": 1,
    }
    assert report.ignored == {"metadata:summary": 1}
    assert report.lines == 10
    assert report.events == {"api_request": 1}


# -- idempotence ----------------------------------------------------------------------------------------


def _session(tmp_path: Path) -> Path:
    return write(
        tmp_path / "p" / "s1.jsonl",
        [
            user_prompt("2025-05-01T10:00:00Z", "refactor checkout", uuid="q1"),
            assistant(
                "2025-05-01T10:00:01Z",
                "m1",
                "r1",
                usage(10, 20, 30, 40),
                uuid="x1",
                content=[tool_use("tu1", "Bash", {"command": "pytest -q"})],
            ),
            tool_result("2025-05-01T10:00:04.500Z", "tu1", "1 failed", is_error=True, uuid="t1"),
            assistant(
                "2025-05-01T10:00:05Z",
                "m2",
                "r2",
                usage(1, 2),
                uuid="x2",
                content=[tool_use("tu2", "Edit", {"file_path": "/home/dev/shop/cart.py"})],
            ),
            tool_result(
                "2025-05-01T10:00:06Z",
                "tu2",
                "The user doesn't want to proceed with this tool use. The tool use was rejected",
                is_error=True,
                uuid="t2",
            ),
            user_prompt("2025-05-01T10:00:07Z", "[Request interrupted by user for tool use]", uuid="q2"),
        ],
    )


def test_reingest_and_second_path_change_no_total(empty_store, tmp_path):
    src = _session(tmp_path / "a")
    ingest_jsonl(empty_store, [tmp_path / "a"])
    before = totals(empty_store)
    again = ingest_jsonl(empty_store, [tmp_path / "a"])
    assert again.files_read == 0 and again.lines == 0
    copy = tmp_path / "b" / "other" / "s1.jsonl"
    copy.parent.mkdir(parents=True)
    shutil.copy(src, copy)
    os.utime(copy, (1, 1))
    second = ingest_jsonl(empty_store, [tmp_path / "b"])
    assert second.dedup["already_in_store"] == 7  # prompt, interrupt, 2 requests, 2 results, 1 rejection
    assert totals(empty_store) == before


def test_tool_results_decisions_and_prompts(empty_store, tmp_path):
    _session(tmp_path)
    ingest_jsonl(empty_store, [tmp_path])
    rows = empty_store.rows_sql(
        "SELECT event, tool, success, duration_ms, decision, decision_source, error_type, text FROM telemetry "
        "WHERE event != 'api_request' ORDER BY ts, event"
    )
    assert rows == [
        ("user_prompt", "", None, None, "", "", "", "refactor checkout"),
        ("tool_result", "Bash", 0, 3500.0, "", "", "tool_error", "pytest -q"),
        (
            "tool_decision",
            "Edit",
            0,
            1000.0,
            "reject",
            "user_reject",
            "user_rejected",
            "/home/dev/shop/cart.py",
        ),
        ("tool_result", "Edit", 0, 1000.0, "", "", "user_rejected", "/home/dev/shop/cart.py"),
        (
            "tool_decision",
            "",
            None,
            None,
            "interrupt",
            "user_interrupt",
            "",
            "[Request interrupted by user for tool use]",
        ),
    ]


def test_tool_result_finds_its_tool_use_from_an_earlier_run(empty_store, tmp_path):
    path = write(
        tmp_path / "p" / "s1.jsonl",
        [
            assistant(
                "2025-05-01T10:00:00Z",
                "m1",
                "r1",
                usage(1, 1),
                uuid="x1",
                content=[tool_use("tu9", "Grep", {"pattern": "def checkout"})],
            ),
        ],
    )
    ingest_jsonl(empty_store, [tmp_path])
    with path.open("a") as fh:
        fh.write(dumps(tool_result("2025-05-01T10:00:02Z", "tu9", "cart.py:3", uuid="t9")) + "\n")
    os.utime(path, (2, 2))
    ingest_jsonl(empty_store, [tmp_path])
    assert empty_store.rows_sql(
        "SELECT tool, success, duration_ms, text FROM telemetry WHERE event = 'tool_result'"
    ) == [("Grep", 1, 2000.0, "def checkout")]


# -- rule 7: reporting time zone ------------------------------------------------------------------------


def test_day_buckets_follow_the_reporting_time_zone(empty_store, tmp_path):
    write(
        tmp_path / "p" / "s1.jsonl",
        [
            assistant("2025-03-01T23:30:00Z", "m1", "r1", usage(1, 0), uuid="x1"),
            assistant("2025-03-02T03:30:00Z", "m2", "r2", usage(2, 0), uuid="x2"),
        ],
    )
    ingest_jsonl(empty_store, [tmp_path])

    def days(tz):
        return [(r["date"], r["input_tokens"]) for r in usage_report(empty_store, "day", tz=tz)["rows"]]

    assert days("UTC") == [("2025-03-01", 1), ("2025-03-02", 2)]
    assert days("Europe/Berlin") == [("2025-03-02", 3)]
    assert days("America/New_York") == [("2025-03-01", 3)]
    # --since/--until are calendar days in the zone
    only = usage_report(
        empty_store, "day", tz="Europe/Berlin", since=date(2025, 3, 2), until=date(2025, 3, 2)
    )
    assert only["totals"]["input_tokens"] == 3
    assert usage_report(empty_store, "day", tz="UTC", since=date(2025, 3, 2))["totals"]["input_tokens"] == 2


# -- the real transcripts written by Claude Code 1.0.17 and 2.0.74 ---------------------------------------


def _reference(root: Path) -> dict:
    """Independent plain-Python accounting of the same files (rules 1-6)."""
    best: dict[str, tuple] = {}
    lines = 0
    for f in sorted(root.rglob("*.jsonl")):
        for raw in f.read_text().splitlines():
            lines += 1
            d = json.loads(raw)
            if d.get("type") != "assistant" or d["message"].get("model") == "<synthetic>":
                continue
            m, u = d["message"], d["message"]["usage"]
            key = m.get("id") or d.get("requestId") or d["uuid"]
            split = u.get("cache_creation")
            w1h = split["ephemeral_1h_input_tokens"] if split else 0
            w5 = (
                split["ephemeral_5m_input_tokens"]
                if split and (split["ephemeral_5m_input_tokens"] + w1h)
                else u.get("cache_creation_input_tokens", 0)
            )
            tok = (u["input_tokens"], u["output_tokens"], u.get("cache_read_input_tokens", 0), w5, w1h)
            rank = (
                not d.get("isSidechain"),
                u["input_tokens"]
                + u["output_tokens"]
                + u.get("cache_read_input_tokens", 0)
                + u.get("cache_creation_input_tokens", 0),
            )
            if key not in best or rank > best[key][0]:
                best[key] = (rank, m["model"], tok)
    sums = defaultdict(float)
    for _rank, model, tok in best.values():
        for name, v in zip(("input", "output", "cache_read", "w5", "w1h"), tok, strict=True):
            sums[name] += v
        sums["cost"] += reference_cost(model, *tok)
    return {"lines": lines, "requests": len(best), **sums}


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared real transcripts not present")
def test_real_transcripts_every_line_accounted_and_totals_match_reference(empty_store, tmp_path):
    root = tmp_path / "projects"
    shutil.copytree(SHARED, root)
    report = ingest_jsonl(empty_store, [root])
    ref = _reference(root)
    accounted = sum(report.skipped.values()) + sum(report.ignored.values())
    assert report.lines == ref["lines"] == 367
    assert report.skipped == {}
    assert accounted + 176 + 150 == report.lines  # 176 assistant + 150 user lines carry the events
    t = usage_report(empty_store, "model")["totals"]
    assert t["requests"] == ref["requests"]
    assert (
        t["input_tokens"],
        t["output_tokens"],
        t["cache_read_tokens"],
        t["cache_write_5m_tokens"],
        t["cache_write_1h_tokens"],
    ) == (ref["input"], ref["output"], ref["cache_read"], ref["w5"], ref["w1h"])
    assert t["cost_usd"] == pytest.approx(ref["cost"], abs=1e-6)


def test_a_later_run_replaces_a_partial_response_and_keeps_the_parent(empty_store, tmp_path):
    path = write(
        tmp_path / "p" / "s1.jsonl",
        [
            assistant("2025-05-01T10:00:00Z", "msg_A", "req_A", usage(10, 5), uuid="a1"),
        ],
    )
    ingest_jsonl(empty_store, [tmp_path])
    with path.open("a") as fh:  # the rest of the same response arrives after the first run
        fh.write(dumps(assistant("2025-05-01T10:00:03Z", "msg_A", "req_A", usage(10, 180), uuid="a2")) + "\n")
    os.utime(path, (5, 5))
    second = ingest_jsonl(empty_store, [tmp_path])
    assert second.dedup["already_in_store"] == 1
    # a subagent replay of the same message arrives later still: the parent's row stays
    write(
        tmp_path / "p" / "s1" / "subagents" / "agent-z.jsonl",
        [
            assistant(
                "2025-05-01T10:00:09Z", "msg_A", "req_Z", usage(10, 500), sidechain=True, agent="z", uuid="z1"
            ),
        ],
    )
    ingest_jsonl(empty_store, [tmp_path])
    assert [(r[0], r[1], r[3], r[5]) for r in requests(empty_store)] == [("msg_A", "req_A", 0, 180)]
    assert empty_store.rows_sql("SELECT count() FROM events") == [(1,)]


# -- rule 13: durations from the timestamps ---------------------------------------------------------------

DURATIONS = """
SELECT message_id, duration_ms, duration_source FROM telemetry WHERE event = 'api_request' ORDER BY message_id
"""


def _response(ts: str, msg: str, parent: str | None, uuid: str, out: int = 5, text: str = "ok", **kw) -> dict:
    return assistant(
        ts,
        msg,
        f"r-{msg}",
        usage(10, out),
        content=[{"type": "text", "text": text}],
        uuid=uuid,
        parentUuid=parent,
        **kw,
    )


def test_request_durations_run_from_the_prompting_line_to_the_responses_last_line(empty_store, tmp_path):
    write(
        tmp_path / "-home-dev-shop" / "s1.jsonl",
        [
            user_prompt("2025-05-01T10:00:00.000Z", "add a cart", uuid="q1"),
            _response("2025-05-01T10:00:02.500Z", "m1", "q1", "a1"),
            assistant(
                "2025-05-01T10:00:04.250Z",
                "m1",
                "r-m1",
                usage(10, 30),
                uuid="a2",
                parentUuid="a1",
                content=[tool_use("tu1", "Bash", {"command": "pytest"})],
            ),
            tool_result("2025-05-01T10:00:09.000Z", "tu1", "3 passed", uuid="t1", parentUuid="a2"),
            _response("2025-05-01T10:00:10.000Z", "m2", "t1", "b1"),
            _response("2025-05-01T10:00:11.500Z", "m2", "b1", "b2"),
            _response("2025-05-01T10:01:00.000Z", "m3", None, "c1"),  # no parent
            _response("2025-05-01T10:02:00.000Z", "m4", "gone", "d1"),  # a parent not in the transcript
            _response("2025-05-01T10:03:00.000Z", "m5", "b2", "e1"),  # an assistant line is no prompt
            user_prompt("2025-05-01T12:00:00.000Z", "later", uuid="q2"),
            _response("2025-05-01T11:59:59.000Z", "m6", "q2", "f1"),  # before its prompt: no duration
            user_prompt("2025-05-01T13:00:00.000Z", "stuck", uuid="q3"),
            _response("2025-05-01T14:00:00.001Z", "m7", "q3", "g1"),  # more than an hour: dropped
            user_prompt("2025-05-01T15:00:00.000Z", "slow", uuid="q4"),
            _response("2025-05-01T16:00:00.000Z", "m8", "q4", "h1"),  # exactly an hour: kept
        ],
    )
    ingest_jsonl(empty_store, [tmp_path])
    assert empty_store.rows_sql(DURATIONS) == [
        ("m1", 4250.0, "derived"),
        ("m2", 2500.0, "derived"),
        ("m3", None, ""),
        ("m4", None, ""),
        ("m5", None, ""),
        ("m6", None, ""),
        ("m7", None, ""),
        ("m8", 3_600_000.0, "derived"),
    ]
    assert empty_store.rows_sql(
        "SELECT tool, duration_ms, duration_source FROM telemetry WHERE event = 'tool_result'"
    ) == [("Bash", 4750.0, "derived")]


def test_a_response_over_two_runs_gets_its_duration_and_text_from_both(empty_store, tmp_path):
    path = write(
        tmp_path / "-home-dev-shop" / "s1.jsonl",
        [user_prompt("2025-05-01T10:00:00.000Z", "explain", uuid="q1")],
    )
    ingest_jsonl(empty_store, [tmp_path])  # the prompt alone
    with path.open("a") as fh:
        fh.write(dumps(_response("2025-05-01T10:00:03.000Z", "m1", "q1", "a1", text="First.")) + "\n")
    os.utime(path, (5, 5))
    ingest_jsonl(empty_store, [tmp_path])  # the response's first block
    assert empty_store.rows_sql(DURATIONS) == [("m1", 3000.0, "derived")]
    with path.open("a") as fh:
        fh.write(
            dumps(_response("2025-05-01T10:00:08.000Z", "m1", "a1", "a2", out=90, text="Second.")) + "\n"
        )
    os.utime(path, (6, 6))
    ingest_jsonl(empty_store, [tmp_path])  # its last block
    assert empty_store.rows_sql(
        "SELECT duration_ms, text, output_tokens, ts FROM telemetry WHERE event = 'api_request'"
    ) == [(8000.0, "First.\nSecond.", 90, datetime(2025, 5, 1, 10, 0, 8))]
    assert empty_store.rows_sql("SELECT count() FROM events WHERE event = 'api_request'") == [(1,)]


def test_tool_durations_below_zero_or_above_a_day_are_dropped(empty_store, tmp_path):
    write(
        tmp_path / "-home-dev-shop" / "s1.jsonl",
        [
            assistant(
                "2025-05-01T10:00:00Z",
                "m1",
                "r1",
                usage(1, 1),
                uuid="x1",
                content=[tool_use("tu1", "Read", {"file_path": "/a"})],
            ),
            tool_result("2025-05-01T09:59:59Z", "tu1", "a", uuid="t1"),  # before its tool_use
            assistant(
                "2025-05-01T10:00:01Z",
                "m2",
                "r2",
                usage(1, 1),
                uuid="x2",
                content=[tool_use("tu2", "Bash", {"command": "sleep"})],
            ),
            tool_result("2025-05-02T10:00:01.001Z", "tu2", "done", uuid="t2"),  # a day and a millisecond
            tool_result("2025-05-02T11:00:00Z", "tu3", "orphan", uuid="t3"),  # no tool_use
        ],
    )
    ingest_jsonl(empty_store, [tmp_path])
    assert empty_store.rows_sql(
        "SELECT tool_use_id, tool, duration_ms, duration_source FROM telemetry WHERE event = 'tool_result' "
        "ORDER BY tool_use_id"
    ) == [("tu1", "Read", None, ""), ("tu2", "Bash", None, ""), ("tu3", "unknown", None, "")]


# -- text to search ---------------------------------------------------------------------------------------


def test_tool_outputs_and_response_texts_are_kept_for_search(empty_store, tmp_path):
    long_output = "é" * 3999 + "xyz"
    write(
        tmp_path / "-home-dev-shop" / "s1.jsonl",
        [
            assistant(
                "2025-05-01T10:00:00Z",
                "m1",
                "r1",
                usage(1, 1),
                uuid="x1",
                content=[{"type": "thinking", "thinking": "hidden"}],
            ),
            assistant(
                "2025-05-01T10:00:01Z",
                "m1",
                "r1",
                usage(1, 1),
                uuid="x2",
                parentUuid="x1",
                content=[{"type": "text", "text": "Running the tests."}],
            ),
            assistant(
                "2025-05-01T10:00:02Z",
                "m1",
                "r1",
                usage(1, 9),
                uuid="x3",
                parentUuid="x2",
                content=[tool_use("tu1", "Bash", {"command": "pytest"})],
            ),
            tool_result("2025-05-01T10:00:03Z", "tu1", long_output, uuid="t1"),
            assistant(
                "2025-05-01T10:00:04Z",
                "m2",
                "r2",
                usage(1, 1),
                uuid="y1",
                content=[tool_use("tu2", "Bash", {"command": "make"})],
            ),
            tool_result("2025-05-01T10:00:05Z", "tu2", "Exit code 2\nno rule", is_error=True, uuid="t2"),
        ],
    )
    ingest_jsonl(empty_store, [tmp_path])
    assert empty_store.rows_sql(
        "SELECT message_id, text FROM telemetry WHERE event = 'api_request' ORDER BY message_id"
    ) == [("m1", "Running the tests."), ("m2", "")]
    assert empty_store.rows_sql(
        "SELECT tool_use_id, output_text, error_text FROM telemetry WHERE event = 'tool_result' ORDER BY ts"
    ) == [("tu1", "é" * 3999 + "x", ""), ("tu2", "Exit code 2\nno rule", "Exit code 2\nno rule")]
    assert empty_store.rows_sql(
        "SELECT expr, type FROM system.data_skipping_indices "
        "WHERE database = currentDatabase() AND table = 'events' AND name = 'idx_output'"
    ) == [("lower(output_text)", "text")]
    assert empty_store.rows_sql(
        "SELECT tool_use_id FROM events WHERE hasToken(lower(output_text), 'rule')"
    ) == [("tu2",)]


# -- ingest edges -------------------------------------------------------------------------------------------


def test_a_whole_last_line_without_a_newline_counts_once(empty_store, tmp_path):
    path = tmp_path / "-home-dev-shop" / "s1.jsonl"
    path.parent.mkdir(parents=True)
    first = dumps(assistant("2025-05-01T10:00:00Z", "m1", "r1", usage(1, 1), uuid="x1"))
    second = dumps(assistant("2025-05-01T10:00:01Z", "m2", "r2", usage(2, 2), uuid="x2"))
    third = dumps(assistant("2025-05-01T10:00:02Z", "m3", "r3", usage(3, 3), uuid="x3"))
    path.write_text(first + "\n" + second)  # Claude Code has not written the newline yet
    r1 = ingest_jsonl(empty_store, [tmp_path])
    assert (r1.lines, r1.events, r1.torn_lines_deferred) == (2, {"api_request": 2}, 0)
    with path.open("a") as fh:
        fh.write("\n")  # the newline alone: nothing new
    os.utime(path, (7, 7))
    r2 = ingest_jsonl(empty_store, [tmp_path])
    assert (r2.lines, r2.skipped, r2.events) == (0, {}, {})
    with path.open("a") as fh:
        fh.write(third + "\n")
    os.utime(path, (8, 8))
    r3 = ingest_jsonl(empty_store, [tmp_path])
    assert (r3.lines, r3.skipped, r3.events) == (1, {}, {"api_request": 1})
    assert totals(empty_store)["api_request"][:3] == (3, 6, 6)


def test_a_newline_and_more_lines_after_a_whole_last_line_count_it_once(empty_store, tmp_path):
    path = tmp_path / "-home-dev-shop" / "s1.jsonl"
    path.parent.mkdir(parents=True)
    first = dumps(assistant("2025-05-01T10:00:00Z", "m1", "r1", usage(1, 1), uuid="x1"))
    second = dumps(assistant("2025-05-01T10:00:01Z", "m2", "r2", usage(2, 2), uuid="x2"))
    path.write_bytes(first.encode())
    assert ingest_jsonl(empty_store, [tmp_path]).lines == 1
    with path.open("ab") as fh:
        fh.write(b"\r\n" + second.encode() + b"\n")
    os.utime(path, (7, 7))
    again = ingest_jsonl(empty_store, [tmp_path])
    assert (again.lines, again.skipped, again.events) == (1, {}, {"api_request": 1})
    assert totals(empty_store)["api_request"][:3] == (2, 3, 3)


@pytest.mark.parametrize(
    "tail",
    [
        '{"type":"assistant","message":{"content":[{"type":"text","text":"a } ] \\" {"}',  # cut inside an object
        '{"type":"user","message":{"content":"a closing brace } inside',  # cut inside a string
        '{"type":"user","message":{"content":"ends with an escape \\',
    ],
)
def test_a_torn_last_line_is_left_for_the_next_run(empty_store, tmp_path, tail):
    path = tmp_path / "-home-dev-shop" / "s1.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text(
        dumps(assistant("2025-05-01T10:00:00Z", "m1", "r1", usage(1, 1), uuid="x1")) + "\n" + tail
    )
    report = ingest_jsonl(empty_store, [tmp_path])
    assert (report.lines, report.torn_lines_deferred, report.skipped) == (1, 1, {})


def test_token_counts_above_a_billion_skip_the_line_as_out_of_range(empty_store, tmp_path):
    wrapped = assistant("2025-05-01T10:00:00Z", "m1", "r1", usage(1, 1), uuid="x1")
    wrapped["message"]["usage"]["input_tokens"] = 18446744073709551615
    above = assistant("2025-05-01T10:00:01Z", "m2", "r2", usage(1, 1_000_000_001), uuid="x2")
    split = assistant(
        "2025-05-01T10:00:02Z", "m3", "r3", usage(1, 1, 0, 10, w5=2_000_000_000, w1h=0), uuid="x3"
    )
    at_bound = assistant("2025-05-01T10:00:03Z", "m4", "r4", usage(1_000_000_000, 1), uuid="x4")
    write(tmp_path / "-home-dev-shop" / "s1.jsonl", [wrapped, above, split, at_bound])
    report = ingest_jsonl(empty_store, [tmp_path])
    assert report.skipped == {"out_of_range": 3}
    assert totals(empty_store)["api_request"][:3] == (1, 1_000_000_000, 1)


def test_an_invalid_utf8_byte_in_a_text_keeps_the_lines_usage(empty_store, tmp_path):
    line = (
        dumps(
            assistant(
                "2025-05-01T10:00:00Z",
                "m1",
                "r1",
                usage(7, 8),
                uuid="x1",
                content=[{"type": "text", "text": "caf\u00e9 NUL"}],
            )
        )
        .encode()
        .replace(b"\\u00e9", b"\xe9")
    )  # a Latin-1 byte, as a careless writer puts it
    prompt = dumps(user_prompt("2025-05-01T09:59:00Z", "na\u00efve", uuid="q1")).encode()
    prompt = prompt.replace(b"\\u00ef", b"\xef\xbf")  # a UTF-8 sequence cut short
    path = tmp_path / "-home-dev-shop" / "s1.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(prompt + b"\n" + line + b"\n")
    report = ingest_jsonl(empty_store, [tmp_path])
    assert (report.skipped, report.events) == ({}, {"api_request": 1, "user_prompt": 1})
    assert totals(empty_store)["api_request"][:3] == (1, 7, 8)
    assert empty_store.rows_sql("SELECT event, text FROM telemetry ORDER BY ts") == [
        ("user_prompt", "na\ufffdve"),
        ("api_request", "caf\ufffd NUL"),
    ]


def test_json_nested_ten_thousand_levels_deep_keeps_the_lines_usage(empty_store, tmp_path):
    deep = assistant(
        "2025-05-01T10:00:00Z",
        "m1",
        "r1",
        usage(11, 12),
        uuid="x1",
        content=[tool_use("tu1", "Write", {"file_path": "/deep.json", "content": "x"})],
    )
    line = dumps(deep).replace('"content":"x"', '"content":' + "[" * 10_000 + "]" * 10_000)
    result = dumps(tool_result("2025-05-01T10:00:01Z", "tu1", "written", uuid="t1"))
    write(tmp_path / "-home-dev-shop" / "s1.jsonl", [line, result, "{" * 5000 + "}" * 4999])
    report = ingest_jsonl(empty_store, [tmp_path])
    assert report.skipped == {"malformed_json": 1}  # deep and broken: still malformed, counted once
    assert report.lines == 3
    assert totals(empty_store)["api_request"][:3] == (1, 11, 12)
    assert empty_store.rows_sql("SELECT tool, text FROM telemetry WHERE event = 'tool_result'") == [
        ("Write", "/deep.json")
    ]
