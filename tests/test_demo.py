"""The demo generator: exact, deterministic, realistic, and accepted by the events table."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.ingest import demo
from analytics.ingest.demo import (
    EVENTS_SCHEMA,
    classify_api_error,
    default_end,
    demo_anomalies,
    generate_demo,
    load_demo,
)
from analytics.pricing import reference_cost
from analytics.store import Store

END = datetime(2025, 12, 1, tzinfo=UTC)
PROJECTS = ["~/data-pipeline", "~/infra-tools", "~/web-shop"]
"""The demo's projects as the store labels them (their paths are /home/dev/<name>, kept in cwd)."""
SONNET, OPUS, HAIKU, EXPERIMENTAL = (
    "claude-sonnet-4-5-20250929",
    "claude-opus-4-5-20251101",
    "claude-haiku-4-5-20251001",
    "claude-experimental-x",
)
BIG = {"n_events": 250_000, "seed": 7, "days": 21, "end": END}
"""Dense enough (about 60 sessions a weekday) for the daily anomaly ratios to be stable."""
USER_ZONES = {
    "maria.schmidt@example.com": "Europe/Berlin",
    "lena.fischer@example.com": "Europe/Berlin",
    "james.porter@example.com": "America/New_York",
    "sam.okafor@example.com": "America/New_York",
}


@cache
def _table(n: int = 20_000, seed: int = 7, days: int = 60) -> pa.Table:
    return pa.concat_tables(generate_demo(n, seed=seed, days=days, end=END))


def _ipc_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


@pytest.fixture(scope="module")
def big_demo(chdb_path):
    """One store with the BIG demo data set, shared by the read-only checks below."""
    store = Store.open_embedded(chdb_path, database=f"demo_big_{os.getpid()}")
    store.ensure_schema()
    for table in ("events", "ingest_runs"):
        store.command_sql(f"TRUNCATE TABLE {table}")
    summary = load_demo(store, **BIG)
    yield store, summary
    store.close()


# -- determinism and exact size ------------------------------------------------------
def test_same_seed_and_end_give_byte_identical_tables():
    first = pa.concat_tables(generate_demo(20_000, seed=7, end=END))
    second = pa.concat_tables(generate_demo(20_000, seed=7, end=END))
    assert _ipc_bytes(first) == _ipc_bytes(second)


def test_another_seed_gives_other_data():
    a, b = _table(seed=7), _table(seed=8)
    assert a.num_rows == b.num_rows == 20_000
    assert not set(a["session_id"].to_pylist()) & set(b["session_id"].to_pylist())
    assert a["ts"] != b["ts"]
    assert a["event_id"][0].as_py() == "demo:7:0"
    assert b["event_id"][0].as_py() == "demo:8:0"


@pytest.mark.parametrize("n", [1, 2, 3, 187, 5_000, 20_001])
def test_exact_number_of_events_with_consecutive_ids(n):
    tables = list(generate_demo(n, seed=3, end=END))
    assert sum(t.num_rows for t in tables) == n
    ids = [i for t in tables for i in t["event_id"].to_pylist()]
    assert ids == [f"demo:3:{i}" for i in range(n)]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 4_000), seed=st.integers(0, 2**31), days=st.integers(1, 90))
def test_any_size_seed_and_window_is_exact(n, seed, days):
    tables = list(generate_demo(n, seed=seed, days=days, end=END))
    assert sum(t.num_rows for t in tables) == n
    table = pa.concat_tables(tables)
    assert len(set(table["event_id"].to_pylist())) == n
    assert table.schema == EVENTS_SCHEMA


def test_chunks_are_bounded_and_continue_the_sequence(monkeypatch):
    monkeypatch.setattr(demo, "CHUNK_ROWS", 3_000)
    monkeypatch.setattr(demo, "MAX_CHUNK_SESSIONS", 40)
    tables = list(generate_demo(20_000, seed=5, end=END))
    assert max(t.num_rows for t in tables) <= 3_000
    assert len(tables) >= 7
    ids = [i for t in tables for i in t["event_id"].to_pylist()]
    assert ids == [f"demo:5:{i}" for i in range(20_000)]


@pytest.mark.parametrize("kwargs", [{"n_events": 0}, {"n_events": -5}, {"n_events": 100, "days": 0}])
def test_degenerate_input_yields_nothing(kwargs):
    assert list(generate_demo(end=END, **kwargs)) == []


def test_loading_nothing_records_an_empty_run(empty_store):
    summary = load_demo(empty_store, n_events=0, end=END)
    assert summary["rows"] == 0
    assert summary["events"] == {
        "user_prompt": 0,
        "api_error": 0,
        "api_request": 0,
        "tool_decision": 0,
        "tool_result": 0,
    }
    assert summary["sessions"] == 0
    assert summary["cost_usd"] == 0
    assert empty_store.rows_sql("SELECT count() FROM events") == [(0,)]
    assert empty_store.rows_sql("SELECT kind FROM ingest_runs") == [("demo",)]


def test_default_end_is_the_current_hour_in_utc():
    assert default_end(datetime(2025, 3, 4, 15, 42, 7, 123, tzinfo=UTC)) == datetime(
        2025, 3, 4, 15, tzinfo=UTC
    )
    berlin = datetime(2025, 3, 4, 16, 59, 59, tzinfo=ZoneInfo("Europe/Berlin"))
    assert default_end(berlin) == datetime(2025, 3, 4, 15, tzinfo=UTC)


def test_without_end_the_window_ends_at_this_hour():
    before = default_end()
    table = pa.concat_tables(generate_demo(2_000, seed=1, days=3))
    after = default_end()
    ts = table["ts"].to_pylist()
    assert min(ts) >= before - timedelta(days=3)
    assert max(ts) < after


def test_naive_end_means_utc():
    naive = pa.concat_tables(generate_demo(500, seed=2, end=datetime(2025, 12, 1)))
    assert _ipc_bytes(naive) == _ipc_bytes(pa.concat_tables(generate_demo(500, seed=2, end=END)))


# -- schema ---------------------------------------------------------------------------
ARROW_FOR_CLICKHOUSE = {
    "DateTime64(3, 'UTC')": pa.timestamp("ms", tz="UTC"),
    "LowCardinality(String)": pa.string(),
    "String": pa.string(),
    "UInt64": pa.uint64(),
    "UInt16": pa.uint16(),
    "UInt8": pa.uint8(),
    "Nullable(UInt8)": pa.uint8(),
    "Nullable(Float64)": pa.float64(),
    "Map(String, String)": pa.map_(pa.string(), pa.string()),
}


def test_schema_is_the_events_table_without_its_defaulted_columns(empty_store):
    columns = empty_store.rows_sql(
        "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'events' "
        "ORDER BY position"
    )
    expected = [
        (name, ARROW_FOR_CLICKHOUSE[kind]) for name, kind in columns if name not in ("ingested_at", "hidden")
    ]
    assert [(f.name, f.type) for f in EVENTS_SCHEMA] == expected


def test_inserted_rows_read_back_through_the_telemetry_view(empty_store):
    summary = load_demo(empty_store, n_events=3_000, seed=11, days=10, end=END)
    assert summary["rows"] == 3_000
    ((rows, ids, users, same_user),) = empty_store.rows_sql(
        "SELECT count(), uniqExact(event_id), uniqExact(user), countIf(user = user_email) "
        "FROM telemetry WHERE source = 'demo'"
    )
    assert (rows, ids, same_user) == (3_000, 3_000, 3_000)
    assert 2 <= users <= 4
    first = _table(3_000, seed=11, days=10).slice(0, 1).to_pylist()[0]
    stored = empty_store.query_sql(
        "SELECT * EXCEPT ingested_at FROM events WHERE event_id = {id:String}", id=first["event_id"]
    )
    assert stored["session_id"].iloc[0] == first["session_id"]
    assert stored["text"].iloc[0] == first["text"]
    assert dict(stored["attrs"].iloc[0]) == dict(first["attrs"])
    assert stored["ts"].iloc[0].to_pydatetime().replace(tzinfo=UTC) == first["ts"]


# -- the loaded data set ---------------------------------------------------------------
def test_summary_matches_the_table(big_demo):
    store, summary = big_demo
    assert summary["rows"] == 250_000
    assert store.rows_sql("SELECT count(), uniqExact(event_id) FROM events") == [(250_000, 250_000)]
    by_type = dict(store.rows_sql("SELECT event, count() FROM events GROUP BY event"))
    assert by_type == summary["events"]
    assert set(by_type) == {"user_prompt", "api_error", "api_request", "tool_decision", "tool_result"}
    ((sessions, cost, unpriced),) = store.rows_sql(
        "SELECT uniqExact(session_id), sum(cost_usd), countIf(cost_source = 'unpriced') FROM events"
    )
    assert summary["sessions"] == sessions
    assert summary["cost_usd"] == pytest.approx(cost, abs=1e-5)
    assert summary["unpriced_requests"] == unpriced
    ((kind, report),) = store.rows_sql("SELECT kind, report FROM ingest_runs")
    assert kind == "demo"
    assert json.loads(report)["rows"] == 250_000
    assert json.loads(report)["end"] == "2025-12-01T00:00:00+00:00"


def test_every_event_is_inside_the_window_and_ordered_in_its_session(big_demo):
    store, _ = big_demo
    ((lo, hi),) = store.rows_sql("SELECT min(ts), max(ts) FROM events")
    assert lo.replace(tzinfo=UTC) >= END - timedelta(days=21)
    assert hi.replace(tzinfo=UTC) < END
    bad = store.rows_sql(
        "SELECT count() FROM (SELECT arraySort(x -> x.1, groupArray((seq, ts))) AS s FROM events "
        "GROUP BY session_id) WHERE arrayMap(x -> x.1, s) != range(length(s)) "
        "OR arrayMap(x -> x.2, s) != arraySort(arrayMap(x -> x.2, s))"
    )
    assert bad == [(0,)]


def test_sessions_last_minutes_to_two_hours(big_demo):
    store, _ = big_demo
    ((short, long_, median_min, n),) = store.rows_sql(
        "SELECT countIf(m < 5), countIf(m > 130), quantileExact(0.5)(m), count() FROM "
        "(SELECT dateDiff('second', min(ts), max(ts)) / 60 AS m FROM events GROUP BY session_id)"
    )
    assert short / n < 0.05
    assert long_ / n < 0.02
    assert 20 <= median_min <= 60


def test_projects_users_and_context(big_demo):
    store, _ = big_demo
    ((projects, cwd_mismatch, emails, ids, pairs, versions, branches, terminals),) = store.rows_sql(
        "SELECT arraySort(groupUniqArray(project)), countIf(cwd != replaceOne(project, '~', '/home/dev') "
        "OR repository != project), uniqExact(user_email), "
        "uniqExact(user_id), uniqExact(user_id, user_email), uniqExact(cc_version), uniqExact(git_branch), "
        "uniqExact(terminal) FROM events"
    )
    assert projects == PROJECTS
    assert cwd_mismatch == 0
    assert 2 <= emails <= 4
    assert emails == ids == pairs
    assert versions >= 3
    assert branches >= 6
    assert terminals >= 3
    assert store.rows_sql("SELECT uniqExact(org_id), countIf(org_id = '') FROM events") == [(1, 0)]


def test_office_hours_on_weekdays_in_each_users_zone(big_demo):
    store, _ = big_demo
    for email, zone in store.rows_sql("SELECT DISTINCT user_email, '' FROM events"):
        zone = USER_ZONES[email]
        ((weekend, office, n),) = store.rows_sql(
            "SELECT countIf(toDayOfWeek(ts, 0, {tz:String}) >= 6), "
            "countIf(toHour(ts, {tz:String}) BETWEEN 8 AND 18), count() "
            "FROM events WHERE event = 'user_prompt' AND user_email = {u:String}",
            tz=zone,
            u=email,
        )
        assert weekend / n < 0.10, email
        assert office / n > 0.75, email


def test_models_and_unpriced_requests(big_demo):
    store, _ = big_demo
    share = dict(
        store.rows_sql(
            "SELECT model, count() / (SELECT count() FROM events WHERE event = 'api_request') "
            "FROM events WHERE event = 'api_request' GROUP BY model"
        )
    )
    assert set(share) == {SONNET, OPUS, HAIKU, EXPERIMENTAL}
    assert share[SONNET] == max(share.values())
    assert 0.003 < share[EXPERIMENTAL] < 0.05
    rows = store.rows_sql(
        "SELECT model = {m:String} AS unknown, cost_source, isNull(cost_usd), count() FROM events "
        "WHERE event = 'api_request' GROUP BY unknown, cost_source, isNull(cost_usd) ORDER BY unknown",
        m=EXPERIMENTAL,
    )
    assert [r[:3] for r in rows] == [(False, "computed", False), (True, "unpriced", True)]
    assert store.rows_sql(
        "SELECT countIf(cost_usd IS NOT NULL), countIf(cost_source != '') FROM events WHERE event != 'api_request'"
    ) == [(0, 0)]


def test_costs_equal_the_reference_price_of_the_same_tokens(big_demo):
    store, _ = big_demo
    cols = (
        "model, input_tokens, output_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens"
    )
    sample = store.rows_sql(
        f"SELECT {cols}, cost_usd FROM events WHERE event = 'api_request' AND cost_source = 'computed' "  # noqa: S608
        "ORDER BY cityHash64(event_id) LIMIT 12"
    )
    total_input = "input_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens"
    long_context = store.rows_sql(
        f"SELECT {cols}, cost_usd FROM events WHERE event = 'api_request' AND model = {{m:String}} "  # noqa: S608
        f"AND {total_input} > 200000 ORDER BY event_id LIMIT 4",
        m=SONNET,
    )
    one_hour = store.rows_sql(
        f"SELECT {cols}, cost_usd FROM events WHERE event = 'api_request' AND cache_write_1h_tokens > 0 "  # noqa: S608
        "AND cost_source = 'computed' ORDER BY event_id LIMIT 4"
    )
    assert len(long_context) == 4 and len(one_hour) == 4
    for model, inp, out, read, w5, w1, cost in sample + long_context + one_hour:
        ref = reference_cost(model, inp, out, read, w5, w1)
        assert cost == pytest.approx(ref, abs=1e-9), (model, inp, out, read, w5, w1)
    # Sonnet 4.5 above 200k input tokens: $6 / $22.50 / $0.60 / $7.50 / $12 per M (below: 3 / 15 / 0.30 / 3.75 / 6)
    for _, inp, out, read, w5, w1, cost in long_context:
        long_tier = (inp * 6 + out * 22.5 + read * 0.6 + w5 * 7.5 + w1 * 12) / 1e6
        assert cost == pytest.approx(long_tier, abs=1e-9)


def test_cache_behaviour_is_realistic(big_demo):
    store, _ = big_demo
    ((read_share, with_5m, with_1h, n),) = store.rows_sql(
        "SELECT sum(cache_read_tokens) / sum(input_tokens + cache_read_tokens + cache_write_5m_tokens "
        "+ cache_write_1h_tokens), countIf(cache_write_5m_tokens > 0), countIf(cache_write_1h_tokens > 0), "
        "count() FROM events WHERE event = 'api_request' AND model != {m:String}",
        m=HAIKU,
    )
    assert read_share > 0.7
    assert with_5m / n > 0.5
    assert 0.01 < with_1h / n < 0.2


def test_latencies(big_demo):
    store, _ = big_demo
    rows = store.rows_sql(
        "SELECT model, quantileExact(0.5)(ttft_ms), quantileExact(0.5)(duration_ms), uniqExact(ttft_ms), "
        "countIf(ttft_ms > duration_ms), countIf(isNull(duration_ms) OR isNull(ttft_ms)) "
        "FROM events WHERE event = 'api_request' GROUP BY model"
    )
    medians = {m: (ttft, dur) for m, ttft, dur, _, _, _ in rows}
    assert all(distinct > 500 and bad == 0 and missing == 0 for _, _, _, distinct, bad, missing in rows)
    assert medians[HAIKU][0] < medians[SONNET][0] < medians[OPUS][0]
    assert medians[HAIKU][1] < medians[SONNET][1] < medians[OPUS][1]
    tools = {
        tool: (median, distinct)
        for tool, median, distinct in store.rows_sql(
            "SELECT tool, quantileExact(0.5)(duration_ms), uniqExact(duration_ms) FROM events "
            "WHERE event = 'tool_result' GROUP BY tool"
        )
    }
    assert all(distinct > 10 for _, distinct in tools.values())
    assert tools["Read"][0] < tools["Grep"][0] < tools["WebFetch"][0] < tools["Bash"][0] < tools["Task"][0]


def test_api_errors_classified_as_the_sql_function_does(big_demo):
    store, _ = big_demo
    ((mismatch, types, statuses, attempts, success),) = store.rows_sql(
        "SELECT countIf(error_type != cc_error_type(status_code, error_text)), arraySort(groupUniqArray(error_type)), "
        "arraySort(groupUniqArray(status_code)), arraySort(groupUniqArray(attempt)), groupUniqArray(success) "
        "FROM events WHERE event = 'api_error'"
    )
    assert mismatch == 0
    assert types == ["client", "other", "overloaded", "rate_limit", "server", "timeout"]
    assert statuses == [0, 400, 429, 500, 502, 529]
    assert attempts == [1, 2, 3, 4]
    assert success == [0]


@pytest.mark.parametrize(
    ("status", "message", "expected"),
    [
        (429, "Rate limited", "rate_limit"),
        (529, "Overloaded", "overloaded"),
        (401, "invalid x-api-key", "auth"),
        (403, "forbidden", "auth"),
        (500, "Request timed out", "server"),
        (502, "Bad Gateway", "server"),
        (0, "Request timed out.", "timeout"),
        (0, "API Error: TIMEOUT", "timeout"),
        (408, "Request Timeout", "timeout"),
        (400, "prompt is too long", "client"),
        (0, "Connection error.", "other"),
    ],
)
def test_classify_api_error_agrees_with_cc_error_type(empty_store, status, message, expected):
    assert classify_api_error(status, message) == expected
    sql = empty_store.rows_sql("SELECT cc_error_type({s:UInt16}, {m:String})", s=status, m=message)
    assert sql == [(expected,)]


def test_error_burst_and_cost_spike(big_demo):
    store, _ = big_demo
    anomalies = demo_anomalies(BIG["seed"], BIG["days"], END)
    daily = store.query_sql(
        "SELECT toDate(ts) AS day, countIf(event = 'api_error') / countIf(event = 'api_request') AS error_rate, "
        "sum(cost_usd) AS cost FROM events GROUP BY day ORDER BY day"
    )
    daily["day"] = pd.to_datetime(daily["day"]).dt.date
    daily = daily.set_index("day")
    assert daily["error_rate"].max() / daily["error_rate"].median() >= 5
    assert daily["error_rate"].idxmax() == anomalies.burst_start.date()
    assert daily["cost"].max() / daily["cost"].median() >= 3
    assert daily["cost"].idxmax() == anomalies.spike_day
    assert 15 <= (END.date() - anomalies.spike_day).days <= 40
    assert (END - anomalies.burst_start) <= timedelta(days=14)
    ((inside, outside),) = store.rows_sql(
        "SELECT countIf(event = 'api_error' AND b) / countIf(event = 'api_request' AND b), "
        "countIf(event = 'api_error' AND NOT b) / countIf(event = 'api_request' AND NOT b) "
        "FROM (SELECT event, ts >= {lo:DateTime64(3, 'UTC')} AND ts < {hi:DateTime64(3, 'UTC')} AS b FROM events)",
        lo=anomalies.burst_start.replace(tzinfo=None),
        hi=anomalies.burst_end.replace(tzinfo=None),
    )
    assert 8 <= inside / outside <= 16


def test_tool_sequences_decisions_and_outcomes(big_demo):
    store, _ = big_demo
    sequences = [
        s
        for (s,) in store.rows_sql(
            "SELECT arrayStringConcat(arrayMap(x -> concat(x.2, if(x.3 = 1, '', '!')), "
            "arraySort(x -> x.1, groupArray((seq, tool, success)))), ' ') FROM events "
            "WHERE event = 'tool_result' AND is_sidechain = 0 GROUP BY session_id"
        )
    ]
    for pattern in (
        "Read Grep Edit",
        "Glob Read Edit Bash",
        "Grep Read Grep",
        "Edit Bash! Edit",
        "TodoWrite",
    ):
        assert sum(pattern in s for s in sequences) >= 10, pattern
    fail = dict(
        store.rows_sql("SELECT tool, avg(success = 0) FROM events WHERE event = 'tool_result' GROUP BY tool")
    )
    assert fail["Bash"] > 3 * max(fail["Read"], fail["Grep"], fail["Glob"])
    decisions = dict(
        store.rows_sql(
            "SELECT (decision, decision_source), count() FROM events WHERE event = 'tool_decision' "
            "GROUP BY decision, decision_source"
        )
    )
    assert set(decisions) == {
        ("accept", "config"),
        ("accept", "user_temporary"),
        ("accept", "user_permanent"),
        ("reject", "user_reject"),
    }
    assert 0.005 < decisions[("reject", "user_reject")] / sum(decisions.values()) < 0.05
    # each rejection has its failed tool_result with the same tool_use_id
    assert store.rows_sql(
        "SELECT count(), countIf(r.success = 0 AND r.error_type = 'user_rejected') FROM events AS d "
        "INNER JOIN (SELECT tool_use_id, success, error_type FROM events WHERE event = 'tool_result') AS r "
        "USING tool_use_id WHERE d.event = 'tool_decision' AND d.decision = 'reject'"
    ) == [(decisions[("reject", "user_reject")],) * 2]
    assert store.rows_sql(
        "SELECT countIf(tool_use_id = ''), countIf(text = ''), countIf(isNull(duration_ms)), "
        "countIf(success = 0 AND error_text = '') FROM events WHERE event = 'tool_result'"
    ) == [(0, 0, 0, 0)]


def test_subagents_run_on_the_sidechain(big_demo):
    store, _ = big_demo
    ((rows, no_agent, stray_agent, agents, sessions_per_agent),) = store.rows_sql(
        "SELECT countIf(is_sidechain = 1), countIf(is_sidechain = 1 AND agent_id = ''), "
        "countIf(is_sidechain = 0 AND agent_id != ''), uniqExactIf(agent_id, is_sidechain = 1), "
        "(SELECT max(n) FROM (SELECT uniqExact(session_id) AS n FROM events WHERE is_sidechain = 1 "
        "GROUP BY agent_id)) FROM events"
    )
    assert rows > 1_000
    assert (no_agent, stray_agent, sessions_per_agent) == (0, 0, 1)
    assert agents > 100
    models = dict(
        store.rows_sql(
            "SELECT model, count() FROM events WHERE is_sidechain = 1 AND event = 'api_request' GROUP BY model"
        )
    )
    assert max(models, key=models.get) == HAIKU
    assert store.rows_sql(
        "SELECT groupUniqArray(query_source) FROM events WHERE is_sidechain = 1 AND event = 'api_request'"
    ) == [(["subagent"],)]
    tasks = store.rows_sql(
        "SELECT count(), min(duration_ms) FROM events WHERE event = 'tool_result' AND tool = 'Task' "
        "AND is_sidechain = 0"
    )
    assert tasks[0][0] > 100 and tasks[0][1] > 0


def test_requests_have_unique_ids_and_query_sources(big_demo):
    store, _ = big_demo
    ((n, requests, messages, empty),) = store.rows_sql(
        "SELECT count(), uniqExact(request_id), uniqExact(message_id), countIf(request_id = '' OR message_id = '') "
        "FROM events WHERE event = 'api_request'"
    )
    assert n == requests == messages
    assert empty == 0
    assert store.rows_sql("SELECT countIf(request_id != '') FROM events WHERE event != 'api_request'") == [
        (0,)
    ]
    sources = dict(
        store.rows_sql(
            "SELECT query_source, groupUniqArray(model) FROM events WHERE event = 'api_request' "
            "GROUP BY query_source"
        )
    )
    assert set(sources) == {"repl_main_thread", "subagent", "topic_detection", "bash_prefix"}
    assert sources["topic_detection"] == sources["bash_prefix"] == [HAIKU]


def test_prompts_and_tool_inputs_are_searchable(big_demo):
    store, _ = big_demo
    ((prompts, checkout, failing, lengths_ok),) = store.rows_sql(
        "SELECT countIf(event = 'user_prompt'), countIf(hasToken(lower(text), 'checkout')), "
        "countIf(event = 'user_prompt' AND text LIKE 'fix the failing test in %'), "
        "countIf(event = 'user_prompt' AND attrs['prompt_length'] = toString(lengthUTF8(text))) FROM events"
    )
    assert prompts > 1_000
    assert checkout > 100
    assert failing > 50
    assert lengths_ok == prompts
    assert (
        store.rows_sql(
            "SELECT count() FROM events WHERE event = 'tool_result' "
            "AND text = '/home/dev/web-shop/src/cart/checkout.py' AND tool IN ('Read', 'Edit')"
        )[0][0]
        > 10
    )
