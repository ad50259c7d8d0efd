"""Models: what each model costs, how fast and reliable it is, and what the same work would cost elsewhere."""

import streamlit as st

from analytics import errors, fmt, models, monitor, outcomes
from ui import cache, charts, sections
from ui import components as ui
from ui import outcomes as outcome_view
from ui.page import page_view

LISTED = ["model", "pricing", "requests", "errors", "error_rate", "cost", "per_request", "share_of_cost"]
LISTED += ["total_tokens", "sessions", "p50_ms_shown", "p95_ms_shown", "p99_ms_shown", "ttft_p50_ms_shown"]

st.title("Models")
ui.question(
    "What does each model cost, how fast and reliable is it, and would another model have been cheaper?"
)
tz, facts, filters = page_view()

cache.prefetch(
    (models.load_token_mix, filters, {}),
    (models.load_model_totals, filters.previous(), {}),
    (outcomes.load_outcomes_by, filters, {"by": "model"}),
    (monitor.load_daily_activity, filters, {}),
)
summary = models.model_summary(cache.load(models.load_model_usage, filters), filters)
if summary.n_requests == 0:
    ui.nothing_in_window("API requests", filters, facts)
ui.unpriced_warning(
    "Models without a known price are shown as unpriced, never as \\$0, and left out of totals: ",
    summary.unpriced_models,
)
mix = cache.load(models.load_token_mix, filters)
repricing = models.reprice(mix, models.DEFAULT_ALTERNATIVES, filters)
savings = models.recommend_savings(mix, filters=filters)
prompt_cache = models.cache_efficiency(mix, filters)

# -- key numbers ---------------------------------------------------------------
before = cache.load(models.load_model_totals, filters.previous())
cols = st.columns(4)
requests = (summary.n_requests, before.n_requests)
ui.vs_before_card(cols[0], "Requests", *requests, filters, ui.count, delta_color="off")
spend = (summary.priced_cost_usd, before.priced_cost_usd)
ui.vs_before_card(cols[1], "Spend (priced models)", *spend, filters, fmt.money)
rates = [errors.error_rate(m.n_errors, m.n_requests) for m in (summary, before)]
ui.vs_before_card(
    cols[2],
    "API error rate",
    *rates,
    filters,
    fmt.pct,
    change=ui.points,
    help="API errors / (requests + API errors), all models, including errors that name no model.",
)
ui.note_card(
    cols[3],
    "Possible saving",
    fmt.money(savings.savings_usd) if savings else "–",
    f"{fmt.pct(savings.savings_share, 0)} of the price-book cost" if savings else None,
    help="Moving small requests to a cheaper model; see the assumption below.",
)

# -- per model -----------------------------------------------------------------------
st.subheader("Cost, latency and errors per model")
table = summary.table.assign(
    cost=summary.table["cost_usd"].map(fmt.money),
    per_request=summary.table["cost_per_request"].map(fmt.money),
    **{
        f"{c}_shown": summary.table[c].map(fmt.duration_ms)
        for c in ("p50_ms", "p95_ms", "p99_ms", "ttft_p50_ms")
    },
)
page_models = set(table["model"]) | set(repricing.table.get("target_model", []))
left, right = st.columns(2)
with left:
    ui.chart(
        charts.model_cost_bars(table, page_models),
        caption="Unpriced models have no bar and are labelled unpriced.",
    )
with right:
    unattributed = summary.unattributed_errors
    ui.chart(
        charts.model_error_bars(table, page_models),
        caption=f"{unattributed:,} API errors name no model and are not in this chart."
        if unattributed
        else None,
    )
timed = table[table["timed_requests"] > 0]
if timed.empty:
    st.caption("No request carries a duration in this range.")
else:
    ui.chart(
        charts.model_durations(timed, page_models),
        caption="Dot: median; tick: p95; line to p99 (exact percentiles).",
    )
ui.table(
    table,
    "models",
    key="models",
    column_order=LISTED,
    column_config={
        "error_rate": st.column_config.NumberColumn("Error rate", format="percent"),
        "cost": st.column_config.TextColumn("Cost"),
        "per_request": st.column_config.TextColumn("Cost per request"),
        "share_of_cost": st.column_config.NumberColumn("Share of cost", format="percent"),
        "total_tokens": st.column_config.NumberColumn("Tokens", format="compact"),
        "p50_ms_shown": st.column_config.TextColumn("p50"),
        "p95_ms_shown": st.column_config.TextColumn("p95"),
        "p99_ms_shown": st.column_config.TextColumn("p99"),
        "ttft_p50_ms_shown": st.column_config.TextColumn("Time to first token p50"),
    },
)
st.caption(summary.method)

st.subheader("What does each model's spend buy?", anchor="cost-per-outcome")
ui.question("What does an accepted edit, a commit or a pull request cost on each model, not only a token?")
outcome_view.model_outcomes(filters, summary.table, page_models)

st.subheader("Is a request getting dearer?", anchor="cost-per-request-trend")
daily = cache.load(monitor.load_daily_activity, filters)
per_request = monitor.cost_per_request_series(daily) if not daily.empty else None
if per_request is None or per_request.empty:
    st.caption("No priced request in this range.")
else:
    fit = monitor.daily_trend(per_request)
    title, color = "Cost per priced request per day", ui.EVENT_COLORS["api_request"]
    chart = charts.trend_chart(
        per_request, fit, title=title, y_title="USD", value_format="$,.4f", tz=tz, color=color
    )
    ui.chart(chart, caption=ui.md(ui.trend_verdict(fit, lambda x: ui.signed(x, fmt.money))))

# -- re-pricing ------------------------------------------------------------------------
st.subheader("The same usage on another model")
if repricing.table.empty:
    st.caption("No token mix to re-price.")
else:
    ui.chart(charts.repricing_bars(repricing.table, page_models), caption=repricing.method)
    matrix = repricing.matrix.reset_index().rename(columns={"source_model": "requests answered by"})
    st.markdown("**The same usage on model X would have cost** (rows: the model that answered; columns: X)")
    ui.table(
        matrix,
        "repricing",
        key="repricing",
        column_config={
            c: st.column_config.NumberColumn(c, format="dollar") for c in repricing.matrix.columns
        },
    )

# -- savings ---------------------------------------------------------------------------
st.subheader("Savings")
ui.question("Would a cheaper model have done for the small requests?")
if savings is None:
    st.caption(
        f"No saving to suggest: fewer than 20 requests with under {models.SMALL_OUTPUT:,} output tokens could "
        "move to a cheaper priced model."
    )
else:
    c1, c2, c3 = st.columns(3)
    ui.card(
        c1,
        "Requests to move",
        f"{savings.requests_moved:,}",
        delta=f"{fmt.pct(savings.share_of_requests, 0)} of requests",
        delta_color="off",
        delta_arrow="off",
    )
    ui.card(c2, "Cost now", fmt.money(savings.current_cost_usd))
    ui.card(c3, f"Cost on {savings.target_model}", fmt.money(savings.projected_cost_usd))
    ui.plain(savings.sentence)
    ui.plain(savings.assumption)
    ui.table(
        savings.per_source,
        "savings",
        key="savings",
        column_config={
            "source_model": st.column_config.TextColumn("Answered by"),
            "current_cost_usd": st.column_config.NumberColumn("Cost now (USD)", format="dollar"),
            "projected_cost_usd": st.column_config.NumberColumn(
                f"Cost on {savings.target_model} (USD)", format="dollar"
            ),
            "savings_usd": st.column_config.NumberColumn("Saving (USD)", format="dollar"),
        },
    )

# -- cache -------------------------------------------------------------------------------
sections.prompt_cache(prompt_cache)
