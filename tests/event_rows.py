"""Hand-made events for the monitor, API and page-frame tests: rows with defaults, a fixed now."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from apptest_helpers import insert_events

from analytics.filters import Filters

_ids = itertools.count()
DEFAULTS = {
    "event": "api_request",
    "source": "jsonl",
    "session_id": "s1",
    "model": "claude-sonnet-4-5",
    "project": "alpha",
    "cost_usd": np.nan,
    "cost_source": "computed",
    "status_code": 0,
    "attempt": 0,
    "duration_ms": np.nan,
    "success": None,
    "tool": "",
    "tool_use_id": "",
    "decision": "",
    "error_type": "",
    "error_text": "",
    "seq": 0,
}
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
MARCH = Filters(start=datetime(2025, 3, 1, tzinfo=UTC), end=datetime(2025, 3, 11, tzinfo=UTC), tz="UTC")
BUDGETS = {"day": 4.0, "month": 10.0, "session": 3.0}


def insert(store, *rows):
    """Insert events: each row a dict overriding DEFAULTS; ts is a UTC string."""
    insert_events(
        store,
        [
            {**DEFAULTS, **r, "event_id": f"a{next(_ids)}", "ts": pd.Timestamp(r["ts"], tz="UTC")}
            for r in rows
        ],
    )


def req(ts, cost=np.nan, **kw):
    source = "computed" if cost == cost else "unpriced"
    return {"ts": ts, "event": "api_request", "cost_usd": cost, "cost_source": source, **kw}


def err(ts, status, **kw):
    return {"ts": ts, "event": "api_error", "status_code": status, **kw}


def tool(ts, name, session, failed=False, **kw):
    return {
        "ts": ts,
        "event": "tool_result",
        "tool": name,
        "session_id": session,
        "success": 0 if failed else 1,
        **kw,
    }


# $5 yesterday (outside a 24 h window ending at NOW), $3 in the last 90 minutes, one unpriced request.
COST_ROWS = (
    req("2025-03-09 11:00", 5.0, session_id="s0"),
    req("2025-03-10 10:45", 1.0, session_id="s1"),
    req("2025-03-10 11:15", 1.0, session_id="s1"),
    req("2025-03-10 11:45", 1.0, session_id="s2"),
    req("2025-03-10 11:50", model="mystery-model", session_id="s2"),
)
