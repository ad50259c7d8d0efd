"""Page sections long enough to crowd a page script, each drawn from library results it is given.

A page calls one of these where the section sits; what it shows is the page's, only the layout
moved (pages stay short, :mod:`tests.test_architecture`).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import costs, errors, fmt, outcomes, sessions
from analytics.filters import Filters
from analytics.models import CacheEfficiency
from ui import cache, charts
from ui import components as ui


def prompt_cache(prompt_cache: CacheEfficiency) -> None:
    """The Models page's prompt-cache section: read share, 1-hour writes, net saving, per model."""
    st.subheader("Prompt cache")
    ui.question("How much input comes from the cache, and which cache writes are used?")
    c1, c2, c3 = st.columns(3)
    ui.card(c1, "Read share of input", fmt.pct(prompt_cache.read_share, 1))
    ui.card(
        c2,
        "1-hour share of cache writes",
        fmt.pct(prompt_cache.write_1h_share, 1),
        help="1-hour writes cost 2x input, 5-minute writes 1.25x; they pay off when the cache is read after 5 minutes.",
    )
    ui.card(
        c3,
        "Net saving from the cache",
        fmt.money(prompt_cache.net_savings_usd),
        help="Cache reads x (input rate - read rate) - writes x (write rate - input rate), priced models only.",
    )
    ui.chart(charts.token_mix(prompt_cache.table), caption=prompt_cache.method)
    ui.table(
        prompt_cache.table,
        "cache efficiency",
        key="cache",
        column_config={
            "read_share": st.column_config.NumberColumn("Read share", format="percent"),
            "write_1h_share": st.column_config.NumberColumn("1 h share of writes", format="percent"),
            "read_savings_usd": st.column_config.NumberColumn("Read savings (USD)", format="dollar"),
            "write_premium_usd": st.column_config.NumberColumn("Write premium (USD)", format="dollar"),
            "net_savings_usd": st.column_config.NumberColumn("Net (USD; blank: unpriced)", format="dollar"),
        },
    )


def session_cards(
    totals: sessions.SessionTotals, before: sessions.SessionTotals | None, filters: Filters
) -> None:
    """The Sessions page's key numbers, each against the period before (``before``: None without sessions)."""
    cols = st.columns(4)
    count = (totals.n_sessions, before.n_sessions if before else 0)
    ui.vs_before_card(cols[0], "Sessions", *count, filters, ui.count, delta_color="off")
    cost = (totals.median_cost_usd, getattr(before, "median_cost_usd", None))
    priced = "Over sessions with a priced request."
    ui.vs_before_card(cols[1], "Median session cost", *cost, filters, fmt.money, help=priced)
    active = (totals.median_active_s, getattr(before, "median_active_s", None))
    idle = f"Time between events, without pauses longer than {sessions.IDLE_MINUTES} minutes."
    ui.vs_before_card(
        cols[2], "Median active time", *active, filters, ui.seconds, delta_color="off", help=idle
    )
    failed = (totals.error_rate, getattr(before, "error_rate", None))
    ops = "(Failed tool calls + API errors) / (tool calls + requests + API errors), all sessions."
    ui.vs_before_card(cols[3], "Failed operations", *failed, filters, fmt.pct, change=ui.points, help=ops)


def provenance(provenance: costs.CostProvenance, filters, facts, tz: str) -> None:
    """The Costs page's "Where the numbers come from": provenance, the JSONL/OTel reconciliation
    (when the store holds both sources) and the dedup audit of the last ingest runs."""
    st.subheader("Where the numbers come from")
    ui.question("Which costs were reported by Claude Code, computed from the price book, or left unpriced?")
    ui.table(
        provenance.by_source,
        "cost provenance",
        key="provenance",
        column_config={
            "share": st.column_config.NumberColumn("Share of requests", format="percent"),
            "cost_usd": st.column_config.NumberColumn("Cost (USD)", format="dollar"),
        },
    )
    rec = cache.load(costs.reconcile_sources, filters) if {"jsonl", "otel"} <= set(facts.sources) else None
    if rec is not None:
        ui.question("Do the transcripts and OpenTelemetry agree, request by request?")
        cols = st.columns(4)
        only = f"{rec.n_jsonl_only:,} JSONL only, {rec.n_otel_only:,} OTel only"
        ui.note_card(cols[0], "Matched requests", f"{rec.n_matched:,}", only)
        diff = fmt.pct(rec.cost_diff_percent / 100) if rec.cost_diff_percent is not None else None
        ui.note_card(cols[1], "Reported − computed", fmt.money(rec.cost_diff_total), diff)
        ui.card(cols[2], "Within 1%", fmt.pct(rec.share_within_1pct, 0), help="Share of compared requests.")
        ui.card(cols[3], "Token mismatches", f"{rec.n_token_mismatch:,}")
        largest = rec.frame.sort_values("cost_diff", key=abs, ascending=False)
        ui.table(largest.head(500), "reconciliation", key="reconcile")
    metric = cache.load(outcomes.reconcile_metrics, filters)
    if metric is not None:
        ui.question(
            "Do Claude Code's cost and token metrics agree with its request events, per session and model?"
        )
        cols = st.columns(3)
        ui.card(cols[0], "Sessions compared", f"{metric.sessions:,}")
        ui.note_card(
            cols[1], "Metrics − events", fmt.money(metric.cost_diff_usd), f"{metric.tokens_diff:+,.0f} tokens"
        )
        ui.card(
            cols[2],
            "Rows that differ",
            f"{metric.rows_off:,}",
            help="Cost off by more than half a cent, or a token count off.",
        )
        ui.table(metric.frame.head(500), "metrics against events", key="reconcile_metrics")

    st.markdown("**Dedup audit: what the last ingest runs dropped as duplicates**")
    audit = costs.dedup_audit(cache.load(costs.load_ingest_runs, None, n=20))
    if audit.empty:
        st.caption("No ingest run recorded yet.")
    else:
        started, finished = ui.in_zone(tz, audit["started"]), ui.in_zone(tz, audit["finished"])
        ui.table(audit.assign(started=started, finished=finished), "dedup audit", key="dedup")
        st.caption(
            "duplicate_content_block: repeated lines of one API response; sidechain_replay: a subagent "
            "replaying its parent's message; already_in_store: events read again; otel_duplicates: OTel "
            "records already imported. None: the run does not report it."
        )


def timeout_risk(risk: errors.TimeoutRisk | None, filters: Filters, threshold: float) -> None:
    """The Errors page's timeout-risk section: the level and its rule, the riskiest hours, the table per
    model and the duration histogram against ``threshold`` (ms)."""
    if risk is None:
        st.caption("No request carries a duration, so there is no timeout risk to assess.")
        return
    cols = st.columns([1, 3])
    ui.card(cols[0], "Timeout risk", risk.level, level=risk.level, help=risk.rule)
    cols[1].caption(
        f"{risk.rule}. {risk.n:,} timed requests"
        + (f", {risk.n_missing:,} without a duration" if risk.n_missing else "")
        + (
            f". Riskiest hours ({risk.tz}): {', '.join(f'{h:02d}:00' for h in risk.riskiest_hours)}."
            if risk.riskiest_hours
            else "."
        )
    )
    ui.table(
        risk.by_model[
            ["model", "n", "p50_ms", "p95_ms", "p99_ms", "max_ms", "n_above", "share_above", "risk"]
        ],
        "timeout risk",
        key="timeout_risk",
        column_config={
            "share_above": st.column_config.NumberColumn("Share above threshold", format="percent")
        },
    )
    hist = cache.load(errors.load_duration_histogram, filters)
    ui.chart(charts.duration_histogram(hist, threshold))


def daily_moves(daily: pd.DataFrame, tz: str) -> None:
    """The Overview's day-by-day section: spend and the API error rate per day (``monitor.load_daily_activity``),
    the series behind its trend arrows."""
    st.subheader("How did spend and errors move, day by day?")
    if daily.empty:
        st.caption("No API calls or tool calls in this range.")
        return
    cols = st.columns(2)
    with cols[0]:
        ui.chart(charts.daily_spend(daily, tz))
    with cols[1]:
        rates = errors.daily_error_series(daily)
        if rates["errors"].any():
            ui.chart(charts.daily_error_rate(rates, tz))
        else:
            st.caption("API error rate per day: no API errors in this range.")
    st.caption(
        "The trend arrows above come from these series (Mann-Kendall test); each arrow's link opens the chart "
        "with the fitted line, its band and the test."
    )
