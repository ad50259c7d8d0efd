"""Token and cost totals per day, week, month, model, project, repository or session: the ``report`` command.

Kept apart from :mod:`analytics.costs` and without pandas, so the command starts quickly: it
answers from one query of the hourly rollup when it can (every key but the session, a window of
whole hours), else of the ``telemetry`` view (every request counted once either way).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from analytics import rollups
from analytics.filters import Filters

TOKEN_COLUMNS = (
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
)
"""The five token counts of a request, as the store's columns name them."""

REPORT_KEYS = {
    "day": "date",
    "week": "week",
    "month": "month",
    "model": "model",
    "project": "project",
    "repository": "repository",
    "session": "session_id",
}
"""What :func:`usage_report` totals by -> the field that names each of its rows."""
REPORT_TOKEN_FIELDS = (*TOKEN_COLUMNS, "total_tokens")


def day_bounds(since: date | None, until: date | None, tz: str) -> tuple[datetime, datetime]:
    """UTC window covering the calendar days ``since``..``until`` (inclusive) in zone ``tz``.

    A missing bound leaves that side open (2000-01-01 and 2100-01-01 UTC).
    """
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
    """Token and cost totals of API requests per ``by`` key, as ccusage reports them (``report`` CLI).

    Parameters
    ----------
    by : {"day", "week", "month", "model", "project", "repository", "session"}
        Days, weeks and months are those of ``tz``.
    tz : str
        Reporting time zone (IANA name); an unknown zone raises before any query runs.
    since, until : date, optional
        First and last day (inclusive) in ``tz``; open when missing.
    filters : Filters, optional
        Its project, repository, model, user and source lists apply; its
        window and zone are replaced by ``since``, ``until`` and ``tz``. Every
        request counts once (``telemetry``): with ``sources``, the requests
        counted from those sources, where a request both sources recorded is
        OpenTelemetry's (so the ``jsonl`` and ``otel`` reports add up to the
        whole).

    Returns
    -------
    dict
        ``{"rows": [...], "totals": {...}}``. Each row has the key field
        (``date`` YYYY-MM-DD, ``week`` = its Monday, ``month`` YYYY-MM, ``model``,
        ``project``, ``repository`` or ``session_id``; see :data:`REPORT_KEYS`), the token fields,
        ``cost_usd`` (priced requests only, rounded to 1e-6 USD; ``None`` when every
        request in the row is unpriced), ``requests`` and ``unpriced_requests``.
        Rows are sorted by key.
    """
    if by not in REPORT_KEYS:
        raise ValueError(f"--by must be one of {', '.join(REPORT_KEYS)}")
    ZoneInfo(tz)  # raises for an unknown zone before any query runs
    key_field = REPORT_KEYS[by]
    start, end = day_bounds(since, until, tz)
    base = filters or Filters()
    f = replace(base, start=start, end=end, tz=tz)
    name = "costs_report" if by == "session" else rollups.query_name(store, f, "costs_report")
    rows = store.rows(name, by=by, **f.params())
    out_rows = []
    totals = dict.fromkeys(REPORT_TOKEN_FIELDS, 0) | {"cost_usd": 0.0, "requests": 0, "unpriced_requests": 0}
    for key, inp, out, cr, cw5, cw1, total, cost, requests, unpriced in rows:
        row = {
            key_field: key,
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
        for k in REPORT_TOKEN_FIELDS:
            totals[k] += row[k]
        totals["cost_usd"] += float(cost or 0)
        totals["requests"] += row["requests"]
        totals["unpriced_requests"] += row["unpriced_requests"]
    totals["cost_usd"] = round(totals["cost_usd"], 6)
    return {"rows": out_rows, "totals": totals}
