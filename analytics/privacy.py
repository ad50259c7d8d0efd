"""Hiding transcript text (prompts, tool inputs, error texts) in a hosted view.

Whether text may be shown is decided in one place,
:attr:`analytics.hosting.HostingConfig.text_allowed`; these functions only
hide. The app applies them through ``ui.access.redact_text`` (pages) and
``analytics.api.routes`` (JSON API).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

TEXT_COLUMNS = (
    "text",
    "error_text",
    "output_text",
    "example",
    "prompt",
    "tool_input",
    "input_summary",
    "snippet",
    "ref",
)
"""Column (and JSON key) names that carry transcript text (``ref``: an outcome's file path, commit hash or URL)."""
HIDDEN = "(hidden)"
"""What a hidden non-empty text reads as."""


def _hide(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return value
    return HIDDEN if str(value) != "" else value


def redact_frame(df: pd.DataFrame, columns: Iterable[str] = TEXT_COLUMNS) -> pd.DataFrame:
    """A copy of ``df`` whose ``columns`` read :data:`HIDDEN` wherever they hold text.

    Columns of ``columns`` that ``df`` lacks are ignored; empty strings and
    missing values stay as they are (so "no error text" still reads as such);
    every other column and the index are unchanged. ``df`` itself is never
    modified (it may come from a cache). An empty or None frame is returned
    as it is.
    """
    if df is None or df.empty:
        return df
    present = [c for c in columns if c in df.columns]
    if not present:
        return df
    out = df.copy()
    for c in present:
        out[c] = out[c].map(_hide).astype("object")
    return out


def redact_json(obj: Any, keys: Iterable[str] = TEXT_COLUMNS) -> Any:
    """``obj`` (JSON-ready dicts and lists) with the values under ``keys`` hidden, at any depth.

    A string value under one of ``keys`` becomes :data:`HIDDEN` (empty strings
    stay empty); a list or dict under one of them is hidden element by
    element; other values are copied unchanged. The input is not modified.
    """
    names = frozenset(keys)

    def walk(value: Any, hide: bool) -> Any:
        if isinstance(value, Mapping):
            return {k: walk(v, hide or k in names) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [walk(v, hide) for v in value]
        if hide and isinstance(value, str):
            return HIDDEN if value else value
        return value

    return walk(obj, False)
