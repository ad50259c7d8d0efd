"""Errors: how often calls fail, why, whether sessions recover, and where latency risks timeouts."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from analytics import errors, fmt, monitor
from analytics.view import DEFAULT_THRESHOLD_MS
from ui import access, cache, charts, sections, state
from ui import components as ui
from ui.page import page_view

THRESHOLD = (1000.0, 120_000.0, 500.0)  # min, max, step of the slider (ms)


st.title("Errors")
ui.question("How often do calls fail, why, do sessions recover, and which models risk timeouts?")
tz, facts, filters = page_view()

snap = cache.load(monitor.load_error_snapshot, filters, now=state.as_of(filters))
if snap.series.empty and snap.taxonomy is None:
    st.info(
        f"No API calls, tool results or permission decisions from {filters.start:%Y-%m-%d} to "
        f"{filters.end - timedelta(days=1):%Y-%m-%d}"
        + (
            ": widen the dates or clear filters in the sidebar."
            if facts.events
            else ": the store is empty. Ingest your Claude Code transcripts (Refresh) or load the demo data."
        )
    )
    st.stop()
report = monitor.error_report(snap, None, DEFAULT_THRESHOLD_MS)

# -- key numbers ---------------------------------------------------------------
before = errors.call_counts(cache.load(errors.load_error_series, filters.previous(), freq=snap.freq))
now, today, tax, rec = report.window, report.last_day, snap.taxonomy, snap.recovery
cols = st.columns(5)
rates, calls = (now.error_rate, before.error_rate), f"{now.errors:,} API errors / {now.calls:,} API calls."
ui.vs_before_card(cols[0], "Error rate", *rates, filters, fmt.pct, change=ui.points, help=calls)
ui.note_card(
    cols[1],
    "Error rate today",
    fmt.pct(today.error_rate),
    f"{today.errors:,} of {today.calls:,} calls",
    level=report.level,
    help=f"{report.reason} Levels: {report.rule}.",
)
ui.card(cols[2], "API errors", f"{tax.api_errors:,}" if tax else "0")
ui.card(
    cols[3],
    "Tool error rate",
    fmt.pct(tax.tool_error_rate) if tax else "–",
    help="Failed tool calls / tool results; user rejections are not errors.",
)
ui.note_card(
    cols[4],
    "Sessions recovered",
    fmt.pct(rec.recovery_rate, 0) if rec else "–",
    f"{rec.sessions_recovered:,} of {rec.sessions_with_error:,}" if rec else None,
    help=rec.method if rec else None,
)

ui.as_of_note(state.current_view().is_live(), snap.now, snap.last_activity, tz)
st.caption(f"**{report.level}**: {ui.literal(report.reason)}")

# -- error rate over time -------------------------------------------------------
st.subheader("Is the error rate rising or falling?", anchor="error-rate-trend")
if snap.series.empty:
    st.caption("No API calls in this range.")
elif not snap.series["errors"].any():
    st.caption(f"No API errors in this range: 0% of the API calls failed in every {snap.freq} that had any.")
else:
    verdict = ui.trend_verdict(snap.fit, lambda x: f"{x * 100:+.3f} percentage points", per=snap.freq)
    bands = "Dashed line and band: the OLS fit and its confidence band."
    ui.chart(charts.error_rate_trend(snap.series, snap.fit, tz, snap.freq), caption=f"{verdict} {bands}")

# -- taxonomy -------------------------------------------------------------------
st.subheader("Why calls fail")
if tax is None or (tax.api_errors == 0 and tax.tool_errors == 0 and tax.decisions == 0):
    st.caption("No errors and no permission decisions in this range.")
else:
    if not tax.by_class.empty:
        ui.chart(charts.error_class_bars(tax.by_class))
        first, last = ui.in_zone(tz, tax.by_status["first_ts"]), ui.in_zone(tz, tax.by_status["last_ts"])
        ui.table(
            access.redact_text(tax.by_status.assign(first_ts=first, last_ts=last)),
            "API errors by status",
            key="by_status",
            column_config={"share": st.column_config.NumberColumn(format="percent")},
        )
    if not tax.tools.empty:
        st.markdown("**Which tools fail?** (user rejections are not failures)")
        ui.table(
            access.redact_text(tax.tools),
            "tool errors",
            key="tool_errors",
            column_config={"error_rate": st.column_config.NumberColumn("Error rate", format="percent")},
        )
    if not tax.rejections.empty:
        st.markdown(
            f"**Permission rejections and interruptions**: {tax.rejected:,} rejected and "
            f"{tax.interrupted:,} interrupted"
            + (
                f" of {tax.decisions:,} decisions ({fmt.pct(tax.rejection_rate)})."
                if tax.rejection_rate is not None
                else " (transcripts record no accepted decision, so there is no rate)."
            )
        )
        ui.table(
            tax.rejections,
            "rejections",
            key="rejections",
            column_config={"share": st.column_config.NumberColumn(format="percent")},
        )

# -- retries and recovery -----------------------------------------------------------
st.subheader("Retries and recovery")
left, right = st.columns(2)
with left:
    if snap.attempts.empty:
        st.caption("No call records an attempt count (only OpenTelemetry events do).")
    else:
        ui.chart(charts.attempt_bars(snap.attempts))
        ui.table(
            pd.DataFrame([r.__dict__ for r in snap.retries]),
            "retries",
            key="retries",
            column_config={"retried_share": st.column_config.NumberColumn("Retried", format="percent")},
        )
with right:
    if rec is None or rec.sessions_with_error == 0:
        st.caption("No session had an API error.")
    else:
        c1, c2 = st.columns(2)
        ui.card(c1, "Errors followed by a success", f"{rec.errors_followed_by_success:,} of {rec.errors:,}")
        ui.note_card(
            c2,
            "Wait until the next success",
            fmt.duration_ms((rec.median_wait_s or 0) * 1000),
            f"p90 {fmt.duration_ms((rec.p90_wait_s or 0) * 1000)}",
            help="Median over errors that were followed by a successful request in their session.",
        )
        st.caption(rec.method)

# -- timeout risk ---------------------------------------------------------------
st.subheader("Timeout risk")
threshold = state.url_slider(
    "Timeout threshold (ms)", "threshold_ms", state.current_view().threshold_ms, *THRESHOLD
)
risk = cache.load(errors.timeout_risk, filters, threshold_ms=float(threshold))
daily = cache.load(monitor.load_daily_activity, filters)
p95 = monitor.p95_series(daily) if not daily.empty else pd.Series(dtype="float64")
st.subheader("Is the slowest end getting slower?", anchor="p95-trend")
if p95.empty:
    st.caption("No request carries a duration in this range.")
else:
    fit = monitor.daily_trend(p95)
    chart = charts.trend_chart(
        p95, fit, title="p95 request duration per day", y_title="p95 (ms)", value_format=",.0f", tz=tz,
        color=ui.EVENT_COLORS["api_request"],
    )  # fmt: skip
    ui.chart(chart, caption=ui.trend_verdict(fit, lambda x: f"{x:+,.0f} ms"))
sections.timeout_risk(risk, filters, float(threshold))

# -- recent errors --------------------------------------------------------------
st.subheader("Recent errors")
recent = access.redact_text(cache.load(errors.load_recent_errors, filters, limit=200))
if recent.empty:
    st.caption("No API errors or failed tool calls in this range.")
else:
    shown = recent.assign(
        ts=ui.in_zone(tz, recent["ts"]), session="/sessions?session_a=" + recent["session_id"]
    )
    ui.table(
        shown[["ts", "event", "session", "model", "tool", "status_code", "error_type", "error_text"]],
        "recent errors",
        key="recent_errors",
        column_config={
            "ts": st.column_config.DatetimeColumn(f"Time ({tz})"),
            "session": st.column_config.LinkColumn("Session", display_text=r"session_a=(.*)$"),
            "error_text": st.column_config.TextColumn("Error (as recorded)"),
        },
    )
