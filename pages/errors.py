"""Errors: how often calls fail, why, whether sessions recover, and where latency risks timeouts."""

from datetime import timedelta

import altair as alt
import pandas as pd
import streamlit as st

from analytics import api, errors, fmt
from ui import components as ui
from ui import data, state

THRESHOLD = ("threshold_ms", 1000.0, 120_000.0, 500.0)  # key, min, max, step (ms)


st.title("Errors")
ui.question("How often do calls fail, why, do sessions recover, and which models risk timeouts?")
tz, facts, filters = data.page_view()

snap = data.load(api.load_error_snapshot, filters)
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
report = api.error_report(snap, None, api.DEFAULT_THRESHOLD_MS)

# -- key numbers ---------------------------------------------------------------
span = filters.end - filters.start
before = api.error_counts(
    data.load(
        errors.load_error_series, filters.with_window(filters.start - span, filters.start), freq=snap.freq
    )
)
now_counts, today, tax, rec = (
    report["current"]["window"],
    report["current"]["last_day"],
    snap.taxonomy,
    snap.recovery,
)
cols = st.columns(5)
ui.card(
    cols[0],
    "Error rate",
    fmt.pct(now_counts["error_rate"]),
    delta=(
        f"{(now_counts['error_rate'] - before['error_rate']) * 100:+.2f} pp vs before"
        if now_counts["error_rate"] is not None and before["error_rate"] is not None
        else None
    ),
    help=f"{now_counts['errors']:,} API errors / {now_counts['requests'] + now_counts['errors']:,} API calls; "
    "delta against the same number of days before.",
)
ui.card(
    cols[1],
    "Error rate today",
    fmt.pct(today["error_rate"]),
    level=report["level"],
    help=report["rule"],
    delta=f"{today['errors']:,} of {today['requests'] + today['errors']:,} calls",
    delta_color="off",
    delta_arrow="off",
)
ui.card(cols[2], "API errors", f"{tax.api_errors:,}" if tax else "0")
ui.card(
    cols[3],
    "Tool error rate",
    fmt.pct(tax.tool_error_rate) if tax else "–",
    help="Failed tool calls / tool results; user rejections are not errors.",
)
ui.card(
    cols[4],
    "Sessions recovered",
    fmt.pct(rec.recovery_rate, 0) if rec else "–",
    delta=f"{rec.sessions_recovered:,} of {rec.sessions_with_error:,}" if rec else None,
    delta_color="off",
    delta_arrow="off",
    help=rec.method if rec else None,
)

# -- error rate over time -------------------------------------------------------
if not snap.series.empty:
    series = snap.series.assign(
        at=ui.in_zone(tz, snap.series["bucket"]), calls=snap.series["requests"] + snap.series["errors"]
    )
    layers = [
        alt.Chart(series)
        .mark_line(
            point=alt.OverlayMarkDef(color=ui.EVENT_COLORS["api_error"]), color=ui.EVENT_COLORS["api_error"]
        )
        .encode(
            x=alt.X("at:T", title=f"{snap.freq.capitalize()} ({tz})"),
            y=alt.Y("error_rate:Q", title="Error rate (share of API calls)", axis=alt.Axis(format="%")),
            tooltip=[
                alt.Tooltip("at:T", title=snap.freq, format="%Y-%m-%d %H:%M"),
                alt.Tooltip("error_rate:Q", title="Error rate", format=".2%"),
                "errors:Q",
                "calls:Q",
            ],
        ),
    ]
    fit = snap.fit
    t = report["trend"]
    if fit is not None:
        line = api.trend_frame(snap.series.set_index("bucket")["error_rate"], fit).assign(
            at=lambda d: ui.in_zone(tz, d["at"])
        )
        layers += [
            alt.Chart(line)
            .mark_area(opacity=0.15, color="gray")
            .encode(x="at:T", y="ci_low:Q", y2="ci_high:Q"),
            alt.Chart(line)
            .mark_line(color="gray", strokeDash=[4, 3])
            .encode(x="at:T", y="fitted:Q", tooltip=[alt.Tooltip("fitted:Q", title="Trend", format=".2%")]),
        ]
        if fit.changepoint is not None:
            cp = fit.changepoint
            mark = pd.DataFrame(
                {
                    "at": ui.in_zone(tz, pd.Series([cp.at])),
                    "label": [f"changepoint: {cp.mean_before:.2%} → {cp.mean_after:.2%}"],
                }
            )
            layers += [
                alt.Chart(mark).mark_rule(color="black", strokeDash=[2, 2]).encode(x="at:T"),
                alt.Chart(mark)
                .mark_text(align="left", dx=4, dy=8, color="black")
                .encode(x="at:T", text="label:N", y=alt.value(0)),
            ]
        caption = (
            f"Trend: {fit.direction} (Mann-Kendall p = {fit.mk_p:.3f}; OLS slope "
            f"{(fit.slope_per_day or 0) * 100:+.3f} percentage points per day, p = {fit.p_value:.3f}); "
            f"dashed line and band: the OLS fit and its {fit.level:.0%} confidence band. {fit.rule}"
        )
    else:
        caption = "Too few points for a trend (needs 3 buckets with API calls)."
    ui.chart(
        alt.layer(*layers).properties(title=f"Is the error rate per {snap.freq} rising or falling?"),
        caption=caption,
    )

# -- taxonomy -------------------------------------------------------------------
st.subheader("Why calls fail")
if tax is None or (tax.api_errors == 0 and tax.tool_errors == 0 and tax.decisions == 0):
    st.caption("No errors and no permission decisions in this range.")
else:
    if not tax.by_class.empty:
        classes = tax.by_class.assign(statuses=tax.by_class["statuses"].map(lambda s: ", ".join(map(str, s))))
        ui.chart(
            alt.Chart(classes, title="What kind of API errors happen?")
            .mark_bar(color=ui.EVENT_COLORS["api_error"])
            .encode(
                x=alt.X("errors:Q", title="API errors"),
                y=alt.Y("error_class:N", title="Class", sort="-x"),
                tooltip=[
                    "error_class:N",
                    "errors:Q",
                    alt.Tooltip("share:Q", format=".1%"),
                    alt.Tooltip("statuses:N", title="HTTP statuses"),
                ],
            )
        )
        ui.table(
            tax.by_status.assign(
                first_ts=ui.in_zone(tz, tax.by_status["first_ts"]),
                last_ts=ui.in_zone(tz, tax.by_status["last_ts"]),
            ),
            "API errors by status",
            key="by_status",
            column_config={"share": st.column_config.NumberColumn(format="percent")},
        )
    if not tax.tools.empty:
        st.markdown("**Which tools fail?** (user rejections are not failures)")
        ui.table(
            tax.tools,
            "tool errors",
            key="tool_errors",
            column_config={"error_rate": st.column_config.NumberColumn("Error rate", format="percent")},
        )
    if not tax.rejections.empty:
        st.markdown(
            f"**Permission rejections and interruptions**: {tax.rejected:,} rejected, "
            f"{tax.interrupted:,} interrupted of {tax.decisions:,} decisions "
            f"({fmt.pct(tax.rejection_rate)})."
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
        ui.chart(
            alt.Chart(snap.attempts, title="How many tries did API calls need?")
            .mark_bar()
            .encode(
                x=alt.X("attempt:O", title="Attempts"),
                y=alt.Y("n:Q", title="Calls (log scale)", scale=alt.Scale(type="symlog")),
                color=alt.Color(
                    "event:N",
                    title="Event",
                    scale=alt.Scale(
                        domain=["api_request", "api_error"],
                        range=[ui.EVENT_COLORS["api_request"], ui.EVENT_COLORS["api_error"]],
                    ),
                ),
                xOffset="event:N",
                tooltip=["event:N", "attempt:O", alt.Tooltip("n:Q", format=",")],
            )
        )
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
        ui.card(
            c2,
            "Wait until the next success",
            fmt.duration_ms((rec.median_wait_s or 0) * 1000),
            delta=f"p90 {fmt.duration_ms((rec.p90_wait_s or 0) * 1000)}",
            delta_color="off",
            delta_arrow="off",
            help="Median over errors that were followed by a successful request in their session.",
        )
        st.caption(rec.method)

# -- timeout risk ---------------------------------------------------------------
st.subheader("Timeout risk")
key, lo, hi, step = THRESHOLD
if key not in st.session_state:
    st.session_state[key] = round(state.number_param(key, api.DEFAULT_THRESHOLD_MS, lo, hi) / step) * step
threshold = st.slider(
    "Timeout threshold (ms)",
    lo,
    hi,
    step=step,
    key=key,
    on_change=lambda: state.sync_to_url(key, st.session_state[key]),
)
state.sync_to_url(key, threshold)
risk = data.load(errors.timeout_risk, filters, threshold_ms=float(threshold))
if risk is None:
    st.caption("No request carries a duration (JSONL transcripts have none; OpenTelemetry events do).")
else:
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
    hist = data.load(api.load_duration_histogram, filters)
    limit = pd.DataFrame({"ms": [float(threshold)], "label": [f"threshold {fmt.duration_ms(threshold)}"]})
    ui.chart(
        alt.layer(
            alt.Chart(hist)
            .mark_rect(opacity=0.5)
            .encode(
                x=alt.X("low_ms:Q", title="Request duration (ms, log scale)", scale=alt.Scale(type="log")),
                x2="high_ms:Q",
                y=alt.Y("n:Q", title="Requests"),
                y2=alt.datum(0),
                color=alt.Color("model:N", title="Model", scale=ui.model_scale(hist["model"])),
                tooltip=[
                    "model:N",
                    alt.Tooltip("low_ms:Q", title="From (ms)", format=",.0f"),
                    alt.Tooltip("high_ms:Q", title="To (ms)", format=",.0f"),
                    alt.Tooltip("n:Q", format=","),
                ],
            ),
            alt.Chart(limit).mark_rule(color="red").encode(x="ms:Q"),
            alt.Chart(limit)
            .mark_text(align="left", dx=4, color="red")
            .encode(x="ms:Q", text="label:N", y=alt.value(8)),
        ).properties(title="How long do requests take, and how many pass the threshold?")
    )

# -- recent errors --------------------------------------------------------------
st.subheader("Recent errors")
recent = data.redact_text(data.load(api.load_recent_errors, filters, limit=200))
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
