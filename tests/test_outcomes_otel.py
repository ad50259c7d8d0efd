"""OpenTelemetry metrics (otel_metrics_sum): import, delta and cumulative increases, restarts, overlap with transcripts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from jsonl_fixtures import tool_result, user_prompt, write
from test_outcomes import PROJECT, call, result

from analytics import outcomes
from analytics.filters import Filters
from analytics.ingest.jsonl import ingest_jsonl
from analytics.ingest.otel import import_otel
from analytics.ingest.otel_metrics import MetricsImport

T0 = datetime(2025, 3, 10, 10, 0, tzinfo=UTC)
DELTA, CUMULATIVE = 1, 2


def nanos(dt: datetime) -> str:
    return str(int(dt.timestamp() * 1e9))


def point(value: float, at: datetime, start: datetime, session: str = "s1", **attrs) -> dict:
    common = {"session.id": session, "user.email": "ada@example.com", "app.version": "2.0.14", **attrs}
    value_field = {"asDouble": value} if isinstance(value, float) else {"asInt": str(value)}
    return {
        "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in common.items()],
        "startTimeUnixNano": nanos(start),
        "timeUnixNano": nanos(at),
        **value_field,
    }


def metrics_body(metrics: list[dict], project: str = "/home/dev/shop") -> dict:
    resource = [
        {"key": "service.name", "value": {"stringValue": "claude-code"}},
        {"key": "service.version", "value": {"stringValue": "2.0.14"}},
        {"key": "project", "value": {"stringValue": project}},
    ]
    return {
        "resourceMetrics": [
            {
                "resource": {"attributes": resource},
                "scopeMetrics": [{"scope": {"name": "com.anthropic.claude_code"}, "metrics": metrics}],
            }
        ]
    }


def counter(name: str, points: list[dict], temporality: int) -> dict:
    return {
        "name": name,
        "unit": "count",
        "sum": {"dataPoints": points, "aggregationTemporality": temporality, "isMonotonic": True},
    }


def load(store, tmp_path, *bodies: dict, name: str = "metrics.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(b) + "\n" for b in bodies))
    importer = MetricsImport(store)
    logs = import_otel(store, [path], metrics=importer.take)
    return logs, importer.finish()


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_delta_points_are_summed(empty_store, tmp_path):
    body = metrics_body(
        [
            counter("claude_code.commit.count", [point(1, at(1), at(0)), point(2, at(2), at(1))], DELTA),
            counter(
                "claude_code.lines_of_code.count",
                [
                    point(10, at(1), at(0), type="added"),
                    point(4, at(1), at(0), type="removed"),
                    point(5, at(2), at(1), type="added"),
                ],
                DELTA,
            ),
            counter(
                "claude_code.active_time.total", [point(30.5, at(1), at(0)), point(12.0, at(2), at(1))], DELTA
            ),
            counter(
                "claude_code.code_edit_tool.decision",
                [
                    point(3, at(1), at(0), tool="Edit", decision="accept", language="Python"),
                    point(1, at(1), at(0), tool="Edit", decision="reject", language="Python"),
                ],
                DELTA,
            ),
        ]
    )
    logs, report = load(empty_store, tmp_path, body)
    assert logs.skipped == {} and report.points == 9 and report.inserted == 9
    t = outcomes.load_totals(empty_store, Filters())
    assert (
        t.commits,
        t.lines_added,
        t.lines_removed,
        t.active_seconds,
        t.accepted_edits,
        t.rejected_edits,
    ) == (
        3,
        15,
        4,
        42.5,
        3,
        1,
    )
    acc = outcomes.load_acceptance(empty_store, Filters())
    assert acc[["language", "tool", "accepted", "rejected", "acceptance_rate"]].values.tolist() == [
        ["Python", "Edit", 3, 1, 0.75]
    ]
    # importing the same body again adds nothing
    _, again = load(empty_store, tmp_path, body, name="copy.json")
    assert (again.points, again.inserted, again.duplicates) == (9, 0, 9)
    assert outcomes.load_totals(empty_store, Filters()).commits == 3


def test_cumulative_points_count_their_increase_and_restarts(empty_store, tmp_path):
    run1, run2 = at(0), at(10)
    commits = [point(1, at(1), run1), point(1, at(2), run1), point(3, at(3), run1)]  # +1, +0, +2
    restart_same_start = [point(1, at(4), run1)]  # dropped below 3: a restart, counts 1
    restart_new_start = [point(2, at(11), run2), point(5, at(12), run2)]  # new start: +2, then +3
    body = metrics_body(
        [
            counter("claude_code.commit.count", commits + restart_same_start + restart_new_start, CUMULATIVE),
            counter(
                "claude_code.pull_request.count", [point(1, at(1), run1), point(1, at(5), run1)], CUMULATIVE
            ),
            counter(
                "claude_code.lines_of_code.count",
                [
                    point(10, at(1), run1, type="added"),
                    point(25, at(2), run1, type="added"),
                    point(3, at(2), run1, type="removed"),
                ],
                CUMULATIVE,
            ),
        ]
    )
    load(empty_store, tmp_path, body)
    t = outcomes.load_totals(empty_store, Filters())
    assert (t.commits, t.pull_requests, t.lines_added, t.lines_removed) == (1 + 0 + 2 + 1 + 2 + 3, 1, 25, 3)
    # the window cuts by the time of each increase
    later = outcomes.load_totals(empty_store, Filters(start=at(10), end=at(20)))
    assert later.commits == 5


def test_one_outcome_counts_once_when_both_sources_report_it(empty_store, tmp_path):
    # the transcript of s1 derives one commit and 2+1 lines; OpenTelemetry reports the commit and the lines of s1
    lines = [
        user_prompt("2025-03-10T10:00:00.000Z", "go"),
        call("2025-03-10T10:00:01.000Z", "m1", "t-c", "Bash", {"command": "git commit -m x"}),
        result("2025-03-10T10:00:02.000Z", "t-c", "[main abc1234] x"),
        call(
            "2025-03-10T10:00:03.000Z",
            "m2",
            "t-e",
            "Edit",
            {"file_path": "/home/dev/shop/a.py", "old_string": "a", "new_string": "b\nc"},
        ),
        tool_result("2025-03-10T10:00:04.000Z", "t-e", "ok"),
        # session s9 only in transcripts: its derived commit stays
        call("2025-03-10T10:00:05.000Z", "m3", "t-c9", "Bash", {"command": "git commit -m y"}, session="s9"),
        result("2025-03-10T10:00:06.000Z", "t-c9", "[main def5678] y", session="s9"),
    ]
    write(tmp_path / "projects" / PROJECT / "s1.jsonl", lines)
    ingest_jsonl(empty_store, [tmp_path / "projects"])
    assert outcomes.load_totals(empty_store, Filters()).commits == 2
    body = metrics_body(
        [
            counter("claude_code.commit.count", [point(1, at(1), at(0))], DELTA),
            counter("claude_code.lines_of_code.count", [point(7, at(1), at(0), type="added")], DELTA),
        ]
    )
    load(empty_store, tmp_path, body)
    t = outcomes.load_totals(empty_store, Filters())
    # s1: reported commit (1) and lines (7 added, 0 removed) replace the derived ones; s9's derived commit stays
    assert (t.commits, t.lines_added, t.lines_removed) == (2, 7, 0)
    # edit decisions were not reported for s1: the derived accept stays
    assert t.accepted_edits == 1
    by_session = outcomes.load_outcomes_by(empty_store, Filters(), "session").set_index("key")
    assert by_session.loc["s1", "commits"] == 1 and by_session.loc["s9", "commits"] == 1
    assert by_session.loc["s1", "reported_rows"] == 2


def test_an_otel_only_store_has_outcomes_and_cost(empty_store, tmp_path):
    from otlp_fixtures import body as logs_body
    from otlp_fixtures import record

    req = record(
        at(1), "api_request", "s1", model="claude-sonnet-4-5-20250929", cost_usd="0.5", input_tokens="100"
    )
    metrics = metrics_body([counter("claude_code.commit.count", [point(2, at(1), at(0))], DELTA)])
    logs, report = load(empty_store, tmp_path, logs_body([req]), metrics)
    assert logs.inserted == 1 and report.inserted == 1
    by_model = outcomes.with_unit_costs(outcomes.load_outcomes_by(empty_store, Filters(), "model"))
    assert by_model[["key", "commits", "cost_usd", "cost_per_commit"]].values.tolist() == [
        ["claude-sonnet-4-5-20250929", 2, 0.5, 0.25]
    ]
    # the reported commit counts for its session's main model (OpenTelemetry puts no model on it)


def test_unusable_metric_parts_are_counted(empty_store, tmp_path):
    gauge = {"name": "x.gauge", "gauge": {"dataPoints": [point(1, at(1), at(0))]}}
    bad = counter(
        "claude_code.commit.count",
        [{"timeUnixNano": "soon", "asInt": "1"}, {"timeUnixNano": nanos(at(1))}],
        DELTA,
    )
    _, report = load(empty_store, tmp_path, metrics_body([gauge, bad]))
    assert report.skipped == {"not_a_sum": 1, "bad_timestamp": 1, "no_value": 1} and report.inserted == 0


@pytest.mark.parametrize("name", ["AGGREGATION_TEMPORALITY_CUMULATIVE", 2])
def test_temporality_by_name_or_number(empty_store, tmp_path, name):
    m = counter("claude_code.commit.count", [point(2, at(1), at(0)), point(5, at(2), at(0))], DELTA)
    m["sum"]["aggregationTemporality"] = name
    load(empty_store, tmp_path, metrics_body([m]))
    assert outcomes.load_totals(empty_store, Filters()).commits == 5


def test_reported_active_time_replaces_the_derived_one(empty_store, tmp_path):
    # derived: s1 one turn of 10 s, s9 one turn of 4 s; OpenTelemetry reports 30.5 s for s1 only
    lines = [
        user_prompt("2025-03-10T10:00:00.000Z", "go", uuid="p-s1"),
        tool_result("2025-03-10T10:00:10.000Z", "t-1", "ok"),
        user_prompt("2025-03-10T10:00:00.000Z", "go", session="s9", uuid="p-s9"),
        tool_result("2025-03-10T10:00:04.000Z", "t-9", "ok", session="s9"),
    ]
    write(tmp_path / "projects" / PROJECT / "s1.jsonl", lines)
    ingest_jsonl(empty_store, [tmp_path / "projects"])
    assert outcomes.load_totals(empty_store, Filters()).active_seconds == 14.0
    load(
        empty_store,
        tmp_path,
        metrics_body([counter("claude_code.active_time.total", [point(30.5, at(1), at(0))], DELTA)]),
    )
    by_session = outcomes.load_outcomes_by(empty_store, Filters(), "session").set_index("key")
    assert by_session.loc["s1", "active_seconds"] == 30.5 and by_session.loc["s9", "active_seconds"] == 4.0
    assert outcomes.load_totals(empty_store, Filters()).active_seconds == 34.5


def test_cost_and_token_metrics_reconciled_with_the_events(empty_store, tmp_path):
    from otlp_fixtures import body as logs_body
    from otlp_fixtures import record

    sonnet, haiku = "claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"

    def request(minutes: float, session: str, cost: str, inp: int, out: int, read: int) -> dict:
        return record(
            at(minutes),
            "api_request",
            session,
            model=sonnet,
            cost_usd=cost,
            input_tokens=inp,
            output_tokens=out,
            cache_read_tokens=read,
            cache_creation_tokens=0,
        )

    events = logs_body(
        [
            request(1, "s1", "0.5", 100, 10, 1000),
            request(2, "s1", "0.25", 50, 5, 500),
            request(3, "s2", "9.0", 1, 1, 1),  # s2 has no metrics: not compared
        ]
    )
    tokens = [
        point(100, at(1), at(0), model=sonnet, type="input"),
        point(150, at(2), at(0), model=sonnet, type="input"),  # cumulative: +50
        point(15, at(2), at(0), model=sonnet, type="output"),
        point(1400, at(2), at(0), model=sonnet, type="cacheRead"),  # 100 fewer than the events
    ]
    cost = [
        point(0.5, at(1), at(0), model=sonnet),
        point(0.8, at(2), at(0), model=sonnet),  # cumulative: +0.3, so 0.8 against the events' 0.75
        point(0.1, at(2), at(0), model=haiku),  # a model the events do not have
    ]
    metrics = metrics_body(
        [
            counter("claude_code.cost.usage", cost, CUMULATIVE),
            counter("claude_code.token.usage", tokens, CUMULATIVE),
        ]
    )
    load(empty_store, tmp_path, events, metrics)
    rec = outcomes.reconcile_metrics(empty_store, Filters())
    assert rec is not None
    got = rec.frame.set_index(["session_id", "model"])
    assert sorted(got.index) == [("s1", haiku), ("s1", sonnet)]
    s = got.loc[("s1", sonnet)]
    assert (s.requests, s.events_cost_usd, s.metrics_cost_usd) == (2, pytest.approx(0.75), pytest.approx(0.8))
    assert s.cost_diff_usd == pytest.approx(0.05)
    assert (
        s.events_input_tokens,
        s.metrics_input_tokens,
        s.events_output_tokens,
        s.metrics_output_tokens,
    ) == (150, 150, 15, 15)
    assert (s.events_cache_read_tokens, s.metrics_cache_read_tokens, s.tokens_diff) == (1500, 1400, -100)
    h = got.loc[("s1", haiku)]
    assert (h.requests, h.events_cost_usd, h.metrics_cost_usd, h.tokens_diff) == (
        0,
        0.0,
        pytest.approx(0.1),
        0,
    )
    assert not s.agrees and not h.agrees
    assert list(rec.frame["model"]) == [haiku, sonnet]  # largest cost difference first
    assert (rec.sessions, rec.rows_off) == (1, 2)
    assert (rec.events_cost_usd, rec.metrics_cost_usd, rec.cost_diff_usd) == (
        pytest.approx(0.75),
        pytest.approx(0.9),
        pytest.approx(0.15),
    )
    # no cost or token metric: nothing to reconcile
    assert outcomes.reconcile_metrics(empty_store, Filters.last_days(1, now=Filters().start)) is None
