"""What the spend bought, on the pages: Sessions, Models and Costs show outcomes and their cost on a
transcript-only, an OpenTelemetry-only and a mixed store, with numbers worked out by hand.

Sonnet 4.5 costs $3 per million input tokens and $15 per million output tokens, so a request of
100,000 input and 10,000 output tokens costs $0.30 + $0.15 = $0.45.

* Transcripts: session ``s1`` makes 4 such requests ($1.80): an Edit (structured patch: 2 lines
  added, 1 removed, in app.py; accepted), a ``git commit`` (hash 1a2b3c4) and two answers.
  Session ``s2`` makes 2 ($0.90) and produces nothing.
* OpenTelemetry: session ``o1`` has one request reported at ``O1_COST`` and metrics of one commit,
  2 lines added, 1 removed and one accepted Edit; ``o2`` one request of $0.90 and no metrics.
* The mixed store holds ``s1``, ``s2`` and ``o1`` with ``O1_COST`` = $2.70.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import otlp_fixtures as otlp
import pandas as pd
import pytest
from apptest_helpers import charts, frames_with, metric, page
from jsonl_fixtures import SONNET, assistant, tool_result, tool_use, usage, user_prompt, write
from test_outcomes_otel import CUMULATIVE, DELTA, counter, metrics_body, point

from analytics import fmt
from analytics.ingest.jsonl import ingest_jsonl
from analytics.ingest.otel import import_otel
from analytics.ingest.otel_metrics import MetricsImport
from analytics.trends import fit_trend
from ui.components import signed, trend_verdict

T0 = datetime(2025, 3, 10, 10, 0, tzinfo=UTC)  # a Monday
BIG = usage(inp=100_000, out=10_000)  # $0.45 on Sonnet 4.5
PATCH = [
    {"oldStart": 1, "oldLines": 2, "newStart": 1, "newLines": 3, "lines": [" keep", "-old", "+new", "+more"]}
]


def call(ts: str, msg: str, tool_id: str, name: str, inp: dict, session: str) -> dict:
    return assistant(ts, msg, f"req-{msg}", BIG, [tool_use(tool_id, name, inp)], session=session)


def transcripts(root, week: str = "2025-03-10", tag: str = "", requests: int = 4, waste: bool = True) -> None:
    """``s1`` (commit, +2/−1 lines, one accepted edit; ``requests`` x $0.45) and ``s2`` (2 x $0.45, nothing)."""
    s = f"s1{tag}"
    at = lambda t: f"{week}T{t}.000Z"  # noqa: E731
    edit = {"file_path": "/home/dev/shop/app.py", "old_string": "old", "new_string": "new\nmore"}
    lines = [
        user_prompt(at("10:00:00"), "fix it", session=s),
        call(at("10:00:01"), f"m1{tag}", f"t-edit{tag}", "Edit", edit, s),
        {
            **tool_result(at("10:00:02"), f"t-edit{tag}", "The file has been updated.", session=s),
            "toolUseResult": {"filePath": "/home/dev/shop/app.py", "structuredPatch": PATCH},
        },
        call(at("10:01:00"), f"m2{tag}", f"t-commit{tag}", "Bash", {"command": "git commit -am 'Fix it'"}, s),
        tool_result(at("10:01:01"), f"t-commit{tag}", "[main 1a2b3c4] Fix it\n 1 file changed", session=s),
    ]
    lines += [
        assistant(at(f"10:02:0{i}"), f"m{3 + i}{tag}", f"req-m{3 + i}{tag}", BIG, session=s)
        for i in range(requests - 2)
    ]
    write(root / "-home-dev-shop" / f"{s}.jsonl", lines)
    if waste:
        write(
            root / "-home-dev-shop" / "s2.jsonl",
            [
                user_prompt(at("11:00:00"), "explain", session="s2"),
                assistant(at("11:00:05"), "n1", "req-n1", BIG, session="s2"),
                assistant(at("11:00:09"), "n2", "req-n2", BIG, session="s2"),
            ],
        )


def otel_bodies(o1_cost: str, with_o2: bool) -> list[dict]:
    req = dict(model=SONNET, input_tokens="100000", output_tokens="10000", cache_read_tokens="0")
    records = [otlp.record(T0, "api_request", "o1", cost_usd=o1_cost, request_id="r-o1", **req)]
    if with_o2:
        records.append(otlp.record(T0.replace(hour=12), "api_request", "o2", cost_usd="0.9", **req))
    t1 = T0.replace(minute=1)
    metrics = metrics_body(
        [
            counter("claude_code.commit.count", [point(1, t1, T0, session="o1")], DELTA),
            counter(
                "claude_code.lines_of_code.count",
                [
                    point(2, t1, T0, session="o1", type="added"),
                    point(1, t1, T0, session="o1", type="removed"),
                ],
                CUMULATIVE,
            ),
            counter(
                "claude_code.code_edit_tool.decision",
                [point(1, t1, T0, session="o1", tool="Edit", decision="accept", language="Python")],
                DELTA,
            ),
        ]
    )
    return [otlp.body(records), metrics]


def load_otel(store, path, bodies: list[dict]) -> None:
    path.write_text("".join(json.dumps(b) + "\n" for b in bodies))
    importer = MetricsImport(store)
    import_otel(store, [path], metrics=importer.take)
    importer.finish()


# kind -> (cost, commits, lines +, lines −, accepted edits, files, sessions with what they produced)
EXPECTED = {
    "jsonl": (
        2.70,
        1,
        2,
        1,
        1,
        1,
        {"s1": (1, 2, 1, 1, 1, "$0.90"), "s2": (0, 0, 0, 0, 0, "nothing produced")},
    ),
    "otel": (
        2.70,
        1,
        2,
        1,
        1,
        0,
        {"o1": (1, 2, 1, 0, 1, "$0.90"), "o2": (0, 0, 0, 0, 0, "nothing produced")},
    ),
    "mixed": (
        5.40,
        2,
        4,
        2,
        2,
        1,
        {
            "s1": (1, 2, 1, 1, 1, "$0.90"),
            "s2": (0, 0, 0, 0, 0, "nothing produced"),
            "o1": (1, 2, 1, 0, 1, "$1.35"),
        },
    ),
}


def point_app_at(monkeypatch, chdb_path, store) -> None:
    import streamlit as st

    with store.client() as c:
        database = c.database
    monkeypatch.setenv("ANALYTICS_DB", chdb_path)
    monkeypatch.setenv("ANALYTICS_DATABASE", database)
    monkeypatch.setenv("ANALYTICS_AUTOLOAD", "0")
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture(params=["jsonl", "otel", "mixed"])
def outcome_app(request, monkeypatch, chdb_path, store_factory, tmp_path):
    import streamlit as st

    store = store_factory()
    if request.param in ("jsonl", "mixed"):
        transcripts(tmp_path / "projects")
        ingest_jsonl(store, [tmp_path / "projects"])
    if request.param == "otel":
        load_otel(store, tmp_path / "otel.jsonl", otel_bodies("1.8", with_o2=True))
    if request.param == "mixed":
        load_otel(store, tmp_path / "otel.jsonl", otel_bodies("2.7", with_o2=False))
    point_app_at(monkeypatch, chdb_path, store)
    yield request.param
    st.cache_resource.clear()


def test_sessions_show_what_each_session_produced(outcome_app):
    cost, commits, added, removed, accepted, files, per_session = EXPECTED[outcome_app]
    at = page("sessions", tz="UTC").run()
    assert not at.exception, [e.value for e in at.exception]
    assert metric(at, "Commits").value == str(commits)
    assert metric(at, "Pull requests").value == "0"
    assert (metric(at, "Lines changed").value, metric(at, "Lines changed").delta) == (
        str(added + removed),
        f"+{added} / −{removed}",
    )
    assert metric(at, "Accepted edits").value == str(accepted)
    assert metric(at, "Cost per outcome").value == fmt.money(cost / (commits + accepted))  # $1.35
    assert metric(at, "Cost per outcome").value == "$1.35"

    (listed,) = frames_with(at, "session_id", "commits", "per_outcome")
    got = {
        r.session_id: (r.commits, r.lines_added, r.lines_removed, r.files, r.accepted_edits, r.per_outcome)
        for r in listed.itertuples()
    }
    assert got == per_session

    (waste,) = frames_with(at, "key", "cost_usd", "requests")
    wasted = "o2" if outcome_app == "otel" else "s2"
    assert waste["key"].tolist() == [wasted] and waste["cost_usd"].tolist() == [pytest.approx(0.90)]

    # the factor and its weight are shown with the score
    (weights,) = frames_with(at, "factor", "weight", "definition")
    assert dict(zip(weights["factor"], weights["weight"], strict=True))["outcome efficiency"] == 0.20


def test_models_compare_cost_per_outcome(outcome_app):
    cost, commits, added, removed, accepted, _, _ = EXPECTED[outcome_app]
    at = page("models", tz="UTC").run()
    assert not at.exception, [e.value for e in at.exception]
    (table,) = frames_with(at, "model", "cost_per_accepted_edit", "cost_per_commit")
    row = table.set_index("model").loc[SONNET]
    assert (row["commits"], row["accepted_edits"], row["changed_lines"]) == (
        commits,
        accepted,
        added + removed,
    )
    assert row["cost_per_accepted_edit"] == row["cost_per_commit"] == "$2.70"  # $2.70 / 1, or $5.40 / 2
    assert row["cost_per_100_lines"] == "$90.00"  # $2.70 / 3 lines x 100, or $5.40 / 6 x 100
    assert row["cost_per_pull_request"] == "–"  # no pull request: no value, never $0
    if outcome_app == "jsonl":  # 6 requests x 110,000 tokens; $2.70 / 0.66M
        assert row["per_mtok"] == "$4.09"
    _, (bars,) = charts(at)["What does an accepted edit and a commit cost on each model?"]
    assert sorted(bars["usd"].round(6).tolist()) == [2.70, 2.70]


def test_costs_show_what_the_spend_bought(outcome_app):
    cost, commits, added, removed, accepted, _, _ = EXPECTED[outcome_app]
    at = page("costs", tz="UTC", to="2025-03-10").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.segmented_control(key="bought_unit").value == "cost_per_accepted_edit"
    _, (weeks,) = charts(at)["What did each week's spend buy? Spend and accepted edits"]
    assert weeks["key"].tolist() == ["2025-03-10"]
    assert weeks["cost_usd"].tolist() == [pytest.approx(cost)]
    assert weeks[["commits", "lines_added", "lines_removed", "accepted_edits"]].values.tolist() == [
        [commits, added, removed, accepted]
    ]
    _, (per_week,) = charts(at)["Cost per accepted edit per week and its fitted trend"]
    assert per_week["value"].tolist() == [pytest.approx(2.70)]
    assert any("Too few points for a trend" in c.value for c in at.caption)

    at.segmented_control(key="bought_unit").set_value("cost_per_commit").run()
    assert at.query_params["bought_unit"] == "cost_per_commit"
    _, (per_week,) = charts(at)["Cost per commit per week and its fitted trend"]
    assert per_week["value"].tolist() == [pytest.approx(cost / commits)]


def test_the_weekly_cost_per_edit_has_its_trend(monkeypatch, chdb_path, store_factory, tmp_path):
    # three weeks, one accepted edit each, 2, 3 and 4 requests: $0.90, $1.35, $1.80 per accepted edit
    store = store_factory()
    for n, week in enumerate(("2025-03-03", "2025-03-10", "2025-03-17")):
        transcripts(tmp_path / "projects", week=week, tag=f"w{n}", requests=2 + n, waste=False)
    ingest_jsonl(store, [tmp_path / "projects"])
    point_app_at(monkeypatch, chdb_path, store)
    at = page("costs", tz="UTC", to="2025-03-20").run()
    assert not at.exception, [e.value for e in at.exception]
    _, (per_week, *trend) = charts(at)["Cost per accepted edit per week and its fitted trend"]
    assert per_week["value"].tolist() == pytest.approx([0.90, 1.35, 1.80]) and trend
    by_hand = pd.Series([0.90, 1.35, 1.80], index=pd.to_datetime(["2025-03-03", "2025-03-10", "2025-03-17"]))
    verdict = trend_verdict(fit_trend(by_hand), lambda x: signed(x, fmt.money), per="week")
    assert "OLS slope +$0.45 per week" in verdict
    captions = [c.value.replace("\\$", "$") for c in at.caption]
    assert any(c.startswith(verdict) for c in captions)


def test_a_session_traces_its_outcomes_and_hides_refs_in_a_hosted_view(
    monkeypatch, chdb_path, store_factory, tmp_path
):
    store = store_factory()
    transcripts(tmp_path / "projects")
    ingest_jsonl(store, [tmp_path / "projects"])
    point_app_at(monkeypatch, chdb_path, store)
    at = page("sessions", tz="UTC", session_a="s1").run()
    assert not at.exception
    (trace,) = frames_with(at, "kind", "tool_use_id", "ref")
    assert sorted(zip(trace["kind"], trace["tool_use_id"], trace["ref"], strict=True)) == [
        ("commit", "t-commit", "1a2b3c4"),
        ("edit_decision", "t-edit", "/home/dev/shop/app.py"),
        ("lines", "t-edit", "/home/dev/shop/app.py"),
    ]
    monkeypatch.setenv("ANALYTICS_HOSTED", "1")
    monkeypatch.delenv("ANALYTICS_SHOW_TEXT", raising=False)
    hosted = page("sessions", tz="UTC", session_a="s1").run()
    assert not hosted.exception
    (trace,) = frames_with(hosted, "kind", "tool_use_id", "ref")
    assert set(trace["ref"]) == {"(hidden)"}


def test_the_model_efficiency_tracker_shows_cost_per_outcome(outcome_app):
    at = page("overview", tz="UTC", to="2025-03-10").run()
    assert not at.exception, [e.value for e in at.exception]
    captions = [c.value.replace("\\", "") for c in at.caption]
    # $2.70 per accepted edit and per commit on every store ($5.40 / 2 on the mixed one)
    assert f"Cost per accepted edit / per commit: {SONNET} $2.70 / $2.70." in captions


def test_costs_reconcile_cost_metrics_with_the_events(monkeypatch, chdb_path, store_factory, tmp_path):
    store = store_factory()
    cost = counter(
        "claude_code.cost.usage", [point(1.9, T0.replace(minute=1), T0, session="o1", model=SONNET)], DELTA
    )
    load_otel(store, tmp_path / "otel.jsonl", [*otel_bodies("1.8", with_o2=True), metrics_body([cost])])
    point_app_at(monkeypatch, chdb_path, store)
    at = page("costs", tz="UTC", to="2025-03-10").run()
    assert not at.exception, [e.value for e in at.exception]
    assert metric(at, "Sessions compared").value == "1"  # o2 has no cost metric
    assert metric(at, "Metrics − events").value == "$0.10"
    (frame,) = frames_with(at, "session_id", "events_cost_usd", "metrics_cost_usd")
    assert frame[["session_id", "model", "events_cost_usd", "metrics_cost_usd"]].values.tolist() == [
        ["o1", SONNET, pytest.approx(1.8), pytest.approx(1.9)]
    ]
