"""Shared timing for the benchmark scripts."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """Run ``fn`` once to warm up, then ``repeat`` times: (fastest s, median s, last result)."""
    result = fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), result


def size(result: object) -> str:
    """A short description of what a step returned (rows, matches, items)."""
    if result is None:
        return "None"
    if hasattr(result, "shape"):
        return f"{result.shape[0]:,} rows"
    if hasattr(result, "total") and hasattr(result, "hits"):  # search results
        return f"{result.total:,} matches, {len(result.hits)} hits"
    if isinstance(result, list | tuple):
        return f"{len(result)} items"
    for attr in ("ngrams", "table", "repeats"):
        if hasattr(result, attr):
            return f"{getattr(result, attr).shape[0]:,} rows"
    return type(result).__name__


def print_steps(steps: list[tuple[str, Callable[[], object]]], repeat: int) -> None:
    """Time each (name, fn) with :func:`timed` and print a table: fastest, median, what it returned."""
    width = max(len(name) for name, _ in steps)
    print(f"{'step':<{width}}  {'min s':>8}  {'median s':>8}  result")
    total = 0.0
    for name, fn in steps:
        best, med, result = timed(fn, repeat)
        total += med
        print(f"{name:<{width}}  {best:8.3f}  {med:8.3f}  {size(result)}")
    print(f"{'sum of medians':<{width}}  {'':>8}  {total:8.3f}")
