"""Models: what each model costs, how fast and reliable it is, and what the same work would cost elsewhere."""

from datetime import timedelta

import altair as alt
import streamlit as st

from analytics import fmt, models
from ui import components as ui
from ui import data

TOKEN_TYPES = {
    "input_tokens": "input",
    "cache_read_tokens": "cache read",
    "cache_write_5m_tokens": "cache write (5 min)",
    "cache_write_1h_tokens": "cache write (1 h)",
}


st.title("Models")
ui.question(
    "What does each model cost, how fast and reliable is it, and would another model have been cheaper?"
)
tz, facts, filters = data.page_view()

summary = models.model_summary(data.load(models.load_model_usage, filters), filters)
if summary.n_requests == 0:
    ui.nothing_in_window("API requests", filters, facts)
if summary.unpriced_models:
    st.warning(
        "Models without a known price are shown as unpriced, never as \\$0, and left out of totals: "
        + ", ".join(f"`{m}`" for m in summary.unpriced_models),
        icon=":material/money_off:",
    )
mix = data.load(models.load_token_mix, filters)
repricing = models.reprice(mix, models.DEFAULT_ALTERNATIVES, filters)
savings = models.recommend_savings(mix, filters=filters)
cache = models.cache_efficiency(mix, filters)

# -- key numbers ---------------------------------------------------------------
span = filters.end - filters.start
days = round(span / timedelta(days=1))
before = models.model_summary(
    data.load(models.load_model_usage, filters.with_window(filters.start - span, filters.start))
)
cols = st.columns(4)
ui.card(
    cols[0],
    "Requests",
    f"{summary.n_requests:,}",
    delta=f"{summary.n_requests - before.n_requests:+,} vs the {days} days before",
    delta_color="off",
)
ui.card(
    cols[1],
    "Spend (priced models)",
    fmt.money(summary.priced_cost_usd),
    delta=(
        f"{ui.signed(summary.priced_cost_usd - before.priced_cost_usd, fmt.money)} vs before"
        if before.priced_cost_usd == before.priced_cost_usd
        and summary.priced_cost_usd == summary.priced_cost_usd
        else None
    ),
)
rate = summary.n_errors / (summary.n_requests + summary.n_errors)
rate_before = (
    before.n_errors / (before.n_requests + before.n_errors) if before.n_requests + before.n_errors else None
)
ui.card(
    cols[2],
    "API error rate",
    fmt.pct(rate),
    delta=f"{(rate - rate_before) * 100:+.2f} pp vs before" if rate_before is not None else None,
    help="API errors / (requests + API errors), all models, including errors that name no model.",
)
ui.card(
    cols[3],
    "Possible saving",
    fmt.money(savings.savings_usd) if savings else "–",
    delta=f"{fmt.pct(savings.savings_share, 0)} of the price-book cost" if savings else None,
    delta_color="off",
    delta_arrow="off",
    help="Moving small requests to a cheaper model; see the assumption below.",
)

# -- per model -----------------------------------------------------------------------
st.subheader("Cost, latency and errors per model")
table = summary.table.assign(
    cost=summary.table["cost_usd"].map(fmt.money),
    per_request=summary.table["cost_per_request"].map(fmt.money),
)
scale = ui.model_scale(set(table["model"]) | set(repricing.table.get("target_model", [])))
left, right = st.columns(2)
with left:
    bars = alt.Chart(table).encode(
        y=alt.Y(
            "model:N",
            title="Model",
            sort=table["model"].tolist(),
            axis=alt.Axis(labelLimit=260),
        ),
        tooltip=[
            "model:N",
            alt.Tooltip("cost:N", title="Cost"),
            alt.Tooltip("per_request:N", title="Cost per request"),
            alt.Tooltip("requests:Q", format=","),
            alt.Tooltip("share_of_cost:Q", title="Share of cost", format=".1%"),
            "pricing:N",
        ],
    )
    ui.chart(
        alt.layer(
            bars.mark_bar().encode(
                x=alt.X("cost_usd:Q", title="Cost (USD)"),
                color=alt.Color("model:N", scale=scale, legend=None),
            ),
            bars.transform_filter(alt.datum.pricing == "unpriced")
            .mark_text(align="left", dx=4, color="gray")
            .encode(x=alt.value(0), text="cost:N"),
        ).properties(title="Which models does the money go to?"),
        caption="Unpriced models have no bar and are labelled unpriced.",
    )
with right:
    ui.chart(
        alt.Chart(table, title="How often does each model fail?")
        .mark_bar()
        .encode(
            x=alt.X("error_rate:Q", title="Error rate (share of API calls)", axis=alt.Axis(format="%")),
            y=alt.Y("model:N", title="Model", sort="-x", axis=alt.Axis(labelLimit=260)),
            color=alt.Color("model:N", scale=scale, legend=None),
            tooltip=[
                "model:N",
                alt.Tooltip("error_rate:Q", title="Error rate", format=".2%"),
                alt.Tooltip("errors:Q", format=","),
                alt.Tooltip("requests:Q", format=","),
            ],
        ),
        caption=(
            f"{summary.unattributed_errors:,} API errors name no model and are not in this chart."
            if summary.unattributed_errors
            else None
        ),
    )
timed = table[table["timed_requests"] > 0]
if timed.empty:
    st.caption("No request carries a duration (JSONL transcripts have none; OpenTelemetry events do).")
else:
    ui.chart(
        ui.duration_ranges(
            timed,
            "model",
            "Model",
            "How long does a request take on each model?",
            "Request duration (ms, log scale)",
            [
                alt.Tooltip("p99_ms:Q", title="p99 (ms)", format=",.0f"),
                alt.Tooltip("ttft_p50_ms:Q", title="Median time to first token (ms)", format=",.0f"),
                alt.Tooltip("timed_requests:Q", title="Timed requests", format=","),
            ],
            line_to="p99_ms",
            color=alt.Color("model:N", scale=scale, legend=None),
        ),
        caption="Dot: median; tick: p95; line to p99 (exact percentiles).",
    )
ui.table(
    table,
    "models",
    key="models",
    column_order=[
        "model",
        "pricing",
        "requests",
        "errors",
        "error_rate",
        "cost",
        "per_request",
        "share_of_cost",
        "total_tokens",
        "sessions",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "ttft_p50_ms",
    ],
    column_config={
        "error_rate": st.column_config.NumberColumn("Error rate", format="percent"),
        "cost": st.column_config.TextColumn("Cost"),
        "per_request": st.column_config.TextColumn("Cost per request"),
        "share_of_cost": st.column_config.NumberColumn("Share of cost", format="percent"),
        "total_tokens": st.column_config.NumberColumn("Tokens", format="compact"),
        "p50_ms": st.column_config.NumberColumn("p50 (ms)", format="%.0f"),
        "p95_ms": st.column_config.NumberColumn("p95 (ms)", format="%.0f"),
        "p99_ms": st.column_config.NumberColumn("p99 (ms)", format="%.0f"),
        "ttft_p50_ms": st.column_config.NumberColumn("Time to first token p50 (ms)", format="%.0f"),
    },
)
st.caption(summary.method)

# -- re-pricing ------------------------------------------------------------------------
st.subheader("The same usage on another model")
if repricing.table.empty:
    st.caption("No token mix to re-price.")
else:
    rp = repricing.table.assign(actual=repricing.table["actual_cost_usd"].map(fmt.money))
    ui.chart(
        alt.Chart(rp, title="What would each model's requests have cost on another model?")
        .mark_bar()
        .encode(
            x=alt.X("repriced_cost_usd:Q", title="Cost of the same tokens (USD)"),
            y=alt.Y("source_model:N", title="Requests answered by", axis=alt.Axis(labelLimit=260)),
            yOffset="target_model:N",
            color=alt.Color("target_model:N", title="Priced as", scale=scale),
            tooltip=[
                alt.Tooltip("source_model:N", title="Answered by"),
                alt.Tooltip("target_model:N", title="Priced as"),
                alt.Tooltip("requests:Q", format=","),
                alt.Tooltip("actual:N", title="Actual cost"),
                alt.Tooltip("repriced_cost_usd:Q", title="Would have cost (USD)", format="$,.2f"),
                alt.Tooltip("difference_usd:Q", title="Difference (USD)", format="+$,.2f"),
                alt.Tooltip("ratio:Q", title="Ratio", format=".2f"),
            ],
        ),
        caption=repricing.method,
    )
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
st.subheader("Prompt cache")
ui.question("How much input comes from the cache, and which cache writes are used?")
c1, c2, c3 = st.columns(3)
ui.card(c1, "Read share of input", fmt.pct(cache.read_share, 1))
ui.card(
    c2,
    "1-hour share of cache writes",
    fmt.pct(cache.write_1h_share, 1),
    help="1-hour writes cost 2x input, 5-minute writes 1.25x; they pay off when the cache is read after 5 minutes.",
)
ui.card(
    c3,
    "Net saving from the cache",
    fmt.money(cache.net_savings_usd),
    help="Cache reads x (input rate - read rate) - writes x (write rate - input rate), priced models only.",
)
ui.chart(
    alt.Chart(cache.table, title="Where does each model's input come from?")
    .transform_fold(list(TOKEN_TYPES), as_=["column", "tokens"])
    .transform_calculate(
        kind=" + ".join(f"(datum.column == '{c}' ? '{k}' : '')" for c, k in TOKEN_TYPES.items())
    )
    .mark_bar()
    .encode(
        x=alt.X("tokens:Q", title="Share of input tokens", stack="normalize", axis=alt.Axis(format="%")),
        y=alt.Y("model:N", title="Model", axis=alt.Axis(labelLimit=260)),
        color=alt.Color("kind:N", title="Input", scale=alt.Scale(domain=list(TOKEN_TYPES.values()))),
        tooltip=["model:N", "kind:N", alt.Tooltip("tokens:Q", format=",")],
    ),
    caption=cache.method,
)
ui.table(
    cache.table,
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
