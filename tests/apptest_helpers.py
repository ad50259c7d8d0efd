"""Running one page under AppTest and building the filters it uses, for the page tests."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
from streamlit.testing.v1 import AppTest

from analytics.filters import Filters, local_zone
from analytics.overview import data_bounds
from analytics.view import View, parse_view

PAGES = Path(__file__).resolve().parents[1] / "pages"


def page(name: str, **query) -> AppTest:
    """The page ``pages/<name>.py`` with ``query`` as its URL parameters (not run yet)."""
    at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    return at


def url_view(**query) -> View:
    """The view a page reads from the URL ``query`` (the machine's zone unless ``tz`` is given)."""
    return parse_view({"tz": local_zone(), **query}, strict=False)


def page_filters(store, **query) -> Filters:
    """The filters a page builds from the URL ``query``: dates default to the last 30 days with data;
    ``project``, ``model``, ``user``, ``source`` may be lists."""
    view = url_view(**query)
    return view.filters(data_bounds(store, view.tz))


def metric(at: AppTest, label: str):
    """The one st.metric with ``label``."""
    (m,) = [m for m in at.metric if m.label == label]
    return m


def vs_before(now: float, before: float, magnitude) -> str:
    """The delta a card shows against the period before: the sign, then ``magnitude`` of the size."""
    change = now - before
    return f"{'-' if change < 0 else '+'}{magnitude(abs(change))} vs before"


def frames_with(at: AppTest, *columns: str) -> list:
    """Values of the st.dataframe elements that have all ``columns``."""
    return [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]


def charts(at: AppTest) -> dict[str, tuple[dict, list[pd.DataFrame]]]:
    """Altair charts by title: (Vega-Lite spec, the data sets sent with it as frames)."""
    out = {}
    for c in at.get("vega_lite_chart"):
        spec = json.loads(c.proto.spec)
        frames = [pa.ipc.open_stream(d.data.data).read_pandas() for d in c.proto.datasets]
        title = spec.get("title")
        out[title.get("text") if isinstance(title, dict) else title] = (spec, frames)
    return out


def insert_events(store, rows: list[dict]) -> None:
    """Hand-made events (source "demo", version 1); omitted columns get their defaults."""
    frame = pd.DataFrame([{"source": "demo", "version": 1, **r} for r in rows])
    for c in frame.columns:
        if c == "success":
            frame[c] = frame[c].astype("UInt8")
        elif c in ("cost_usd", "duration_ms"):
            frame[c] = frame[c].astype("float64")
        elif c == "ts":
            continue
        elif frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c]):
            frame[c] = frame[c].fillna("")
        else:
            frame[c] = frame[c].fillna(0).astype("int64")
    store.insert_df("events", frame)


def one_session(start: datetime, session: str = "only") -> list[dict]:
    """A prompt, two priced Sonnet requests and three tool calls (one failed Bash) a few seconds apart."""

    def ev(i: int, event: str, **kw) -> dict:
        return dict(
            ts=start + timedelta(seconds=10 * i),
            event=event,
            session_id=session,
            event_id=f"{session}-{i}",
            seq=i,
            project="/p",
            cc_version="2.0.0",
            **kw,
        )

    sonnet = dict(model="claude-sonnet-4-5", input_tokens=1000, output_tokens=200)
    return [
        ev(0, "user_prompt", text="fix the failing test"),
        ev(1, "api_request", cost_usd=0.02, duration_ms=3000.0, **sonnet),
        ev(2, "tool_result", tool="Read", success=1, text="/p/a.py", duration_ms=20.0),
        ev(3, "tool_result", tool="Bash", success=0, text="pytest", error_text="1 failed", duration_ms=900.0),
        ev(4, "tool_result", tool="Edit", success=1, text="/p/a.py", duration_ms=30.0),
        ev(5, "api_request", cost_usd=0.03, duration_ms=4000.0, **sonnet),
    ]
