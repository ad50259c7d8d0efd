"""ccusage-style usage reports (tokens and cost by day, week, month, model, project or session)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from analytics.filters import Filters
from analytics.store import sql_text

# Report key -> (JSON field name, SQL expression). Identifiers only from here.
KEYS: dict[str, tuple[str, str]] = {
    "day": ("date", "formatDateTime(toDate(ts, {tz:String}), '%Y-%m-%d')"),
    "week": ("week", "formatDateTime(toMonday(ts, {tz:String}), '%Y-%m-%d')"),
    "month": ("month", "formatDateTime(toStartOfMonth(ts, {tz:String}), '%Y-%m')"),
    "model": ("model", "model"),
    "project": ("project", "project"),
    "session": ("session_id", "session_id"),
}
TOKEN_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "total_tokens",
)


def day_bounds(since: date | None, until: date | None, tz: str) -> tuple[datetime, datetime]:
    """UTC window covering the calendar days ``since``..``until`` (inclusive) in zone ``tz``."""
    zone = ZoneInfo(tz)
    start = datetime.combine(since, time(), zone) if since else datetime(2000, 1, 1, tzinfo=UTC)
    end = (
        datetime.combine(until + timedelta(days=1), time(), zone)
        if until
        else datetime(2100, 1, 1, tzinfo=UTC)
    )
    return start.astimezone(UTC), end.astimezone(UTC)


def usage_report(
    store,
    by: str,
    tz: str = "UTC",
    since: date | None = None,
    until: date | None = None,
    filters: Filters | None = None,
) -> dict:
    """Totals per ``by`` key.

    Returns
    -------
    dict
        ``{"rows": [...], "totals": {...}}``. Each row has the key field
        (``date`` YYYY-MM-DD, ``week`` = its Monday, ``month`` YYYY-MM, ``model``,
        ``project`` or ``session_id``), the token fields, ``cost_usd`` (priced
        requests only; ``None`` when every request in the row is unpriced),
        ``requests`` and ``unpriced_requests``.
    """
    if by not in KEYS:
        raise ValueError(f"--by must be one of {', '.join(KEYS)}")
    ZoneInfo(tz)  # raises for an unknown zone before any query runs
    field, expr = KEYS[by]
    start, end = day_bounds(since, until, tz)
    base = filters or Filters()
    f = Filters(
        start=start,
        end=end,
        tz=tz,
        projects=base.projects,
        models=base.models,
        users=base.users,
        sources=base.sources,
    )
    rows = store.rows_sql(sql_text("report_totals").replace("__KEY__", expr), **f.params())
    out_rows = []
    totals = dict.fromkeys(TOKEN_FIELDS, 0) | {"cost_usd": 0.0, "requests": 0, "unpriced_requests": 0}
    for key, inp, out, cr, cw5, cw1, total, cost, requests, unpriced in rows:
        row = {
            field: key,
            "input_tokens": int(inp),
            "output_tokens": int(out),
            "cache_read_tokens": int(cr),
            "cache_write_5m_tokens": int(cw5),
            "cache_write_1h_tokens": int(cw1),
            "total_tokens": int(total),
            "cost_usd": None if unpriced == requests else round(float(cost or 0), 6),
            "requests": int(requests),
            "unpriced_requests": int(unpriced),
        }
        out_rows.append(row)
        for k in TOKEN_FIELDS:
            totals[k] += row[k]
        totals["cost_usd"] += float(cost or 0)
        totals["requests"] += row["requests"]
        totals["unpriced_requests"] += row["unpriced_requests"]
    totals["cost_usd"] = round(totals["cost_usd"], 6)
    return {"rows": out_rows, "totals": totals}
