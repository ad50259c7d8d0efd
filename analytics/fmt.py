"""Numbers the way analysts read them: $1,234.56, 12.3K tokens, 0.16%, 8.2 s."""

from __future__ import annotations

import math


def finite(x) -> float | None:
    """``x`` as a finite float; None for None, NaN, infinity and anything that is not a number."""
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def money(x: float | None, unpriced: str = "unpriced") -> str:
    """$1,234.56; whole dollars from $100,000; ``unpriced`` for None/NaN (never $0)."""
    if x is None or math.isnan(x):
        return unpriced
    if abs(x) >= 100_000:
        return f"${x:,.0f}"
    if 0 < abs(x) < 0.01:
        return f"${x:.4f}"
    return f"${x:,.2f}"


def unit_cost(x: float | None) -> str:
    """The cost of one outcome: money; "nothing produced" for infinity (spent, no outcome); "–" for
    None/NaN (no such outcome or no priced cost; never $0)."""
    if x is None or math.isnan(x):
        return "–"
    return "nothing produced" if math.isinf(x) else money(x)


def tokens(n: float | None) -> str:
    """12.3K, 4.56M, 1.2B; plain below 1,000."""
    if n is None or math.isnan(n):
        return "–"
    n = float(n)
    for unit, size in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(n) >= size:
            v = n / size
            return f"{v:.3g}{unit}" if v < 100 else f"{v:.0f}{unit}"
    return f"{n:,.0f}"


def pct(x: float | None, digits: int = 2) -> str:
    """A share (0.0016) as 0.16%."""
    if x is None or math.isnan(x):
        return "–"
    return f"{x * 100:.{digits}f}%"


def duration_ms(ms: float | None) -> str:
    """8.2 s, 950 ms, 3.5 min, 2.1 h."""
    if ms is None or math.isnan(ms):
        return "–"
    if ms < 1000:
        return f"{ms:.0f} ms"
    s = ms / 1000
    if s < 60:
        return f"{s:.1f} s"
    if s < 3600:
        return f"{s / 60:.1f} min"
    return f"{s / 3600:.1f} h"
