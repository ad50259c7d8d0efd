"""Smoke run of the load benchmark: the real app on a small demo store answers concurrent API calls.

``bench/bench_load.py`` end to end (store made by the CLI, ``streamlit run``,
2 threads x 5 requests per route, then all routes at once): no request fails
and the app is still up afterwards. The figures themselves come from the
full-size runs recorded in BENCHMARKS.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.e2e
def test_the_app_answers_concurrent_api_calls_without_errors(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "bench/bench_load.py",
            "--db",
            str(tmp_path / "db"),
            "--events",
            "20000",
            "--threads",
            "2",
            "--requests",
            "5",
            "--cap",
            "60",
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout
    out = json.loads(proc.stdout)
    assert out["app_alive"] is True
    assert set(out["routes"]) == {"widgets", "cost-burnrate", "error-monitor", "health", "all routes at once"}
    for name, r in out["routes"].items():
        assert (r["requests"], r["errors"]) == (10, 0), name
        assert 0 < r["p50_ms"] <= r["p95_ms"] <= r["max_ms"]
    assert 0 < out["app_memory_mib"]["VmRSS"] <= out["app_memory_mib"]["VmHWM"]
