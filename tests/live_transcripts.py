"""Transcripts that grow while they are read, as Claude Code writes them, and readers that watch the store.

:class:`LiveWriter` appends to a few session files in bursts: a prompt, the
content blocks of each response (repeating ``message.id`` and ``requestId``
with growing output tokens), tool uses and their results, and sidechain
replays in ``<session>/subagents/agent-*.jsonl``. A burst may stop half way
through a line (a torn tail) that the next burst to that file completes.
Everything is seeded: the same seed writes the same bytes.

:func:`run_live` drives one ingest loop, a writer and reader threads on one
store and returns what happened (:class:`LiveRun`); ``tests/`` and
``bench/bench_concurrency.py`` share it.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jsonl_fixtures import HAIKU, SONNET, assistant, dumps, tool_result, tool_use, usage, user_prompt

from analytics import costs, search
from analytics.filters import Filters
from analytics.ingest.jsonl import ingest_jsonl
from analytics.usage import usage_report

TOOLS = (
    ("Read", "file_path", "/src/cart.py"),
    ("Bash", "command", "pytest -q"),
    ("Grep", "pattern", "def pay"),
)


@dataclass
class _Session:
    name: str
    path: Path
    lines: list[str] = field(default_factory=list)  # queued, not yet written
    torn: str = ""  # the part of a line still to be written
    replays: int = 0


class LiveWriter:
    """Seeded appender of Claude Code lines to ``sessions`` session files under ``root``."""

    def __init__(self, root: Path, sessions: int = 4, seed: int = 0, start: datetime | None = None):
        self.rng = random.Random(seed)
        self.clock = start or datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
        self.sessions = [
            _Session(f"s{i}", root / f"-home-dev-proj{i % 2}" / f"s{i}.jsonl") for i in range(sessions)
        ]
        for s in self.sessions:
            s.path.parent.mkdir(parents=True, exist_ok=True)
        self.messages = 0
        self.lines_written = 0
        self.last_response: dict[str, dict] = {}

    def _ts(self) -> str:
        self.clock += timedelta(seconds=self.rng.randint(1, 40), milliseconds=self.rng.randint(0, 999))
        return self.clock.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.clock.microsecond // 1000:03d}Z"

    def _turn(self, s: _Session) -> list[str]:
        """A prompt and one to three responses, each written as 2-4 content-block lines."""
        out = [
            dumps(
                user_prompt(
                    self._ts(), f"fix the {self.rng.choice(['cart', 'pay', 'auth'])} tests", session=s.name
                )
            )
        ]
        for _ in range(self.rng.randint(1, 3)):
            self.messages += 1
            msg, req = f"msg_{self.messages:05d}", f"req_{self.messages:05d}"
            model = self.rng.choice((SONNET, SONNET, HAIKU))
            inp, read, write = (
                self.rng.randint(1, 500),
                self.rng.randint(0, 40_000),
                self.rng.randint(0, 4000),
            )
            output = 0
            blocks = self.rng.randint(2, 4)
            tool = self.rng.choice(TOOLS) if self.rng.random() < 0.6 else None
            for b in range(blocks):
                output += self.rng.randint(1, 400)  # strictly growing: one largest block per response
                content = None
                if tool and b == blocks - 1:
                    content = [tool_use(f"tu_{msg}", tool[0], {tool[1]: tool[2]})]
                line = assistant(
                    self._ts(),
                    msg,
                    req,
                    usage(inp, output, read, write),
                    content=content,
                    model=model,
                    session=s.name,
                )
                out.append(dumps(line, spaced=self.rng.random() < 0.3))
            self.last_response[s.name] = line
            if tool:
                out.append(
                    dumps(
                        tool_result(
                            self._ts(), f"tu_{msg}", "ok", is_error=self.rng.random() < 0.2, session=s.name
                        )
                    )
                )
        return out

    def _replay(self, s: _Session) -> None:
        """A subagent file replaying the session's last response under a new request id."""
        parent = self.last_response.get(s.name)
        if parent is None:
            return
        s.replays += 1
        rec = assistant(
            self._ts(),
            parent["message"]["id"],
            f"{parent['requestId']}_replay{s.replays}",
            dict(parent["message"]["usage"]),
            model=parent["message"]["model"],
            session=s.name,
            sidechain=True,
            agent=f"a{s.replays}",
        )
        path = s.path.parent / s.name / "subagents" / f"agent-a{s.replays}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as fh:
            fh.write(dumps(rec) + "\n")
        self.lines_written += 1

    def burst(self, lines: tuple[int, int] = (1, 12)) -> None:
        """Append to one session: finish its torn line, add ``lines`` (a range) complete lines, maybe
        leave a new torn one."""
        s = self.rng.choice(self.sessions)
        n = self.rng.randint(*lines)
        chunk = ""
        if s.torn:
            chunk += s.torn + "\n"
            s.torn = ""
            self.lines_written += 1
        for _ in range(n):
            if not s.lines:
                s.lines = self._turn(s)
            chunk += s.lines.pop(0) + "\n"
            self.lines_written += 1
        if self.rng.random() < 0.4:
            if not s.lines:
                s.lines = self._turn(s)
            line = s.lines.pop(0)
            cut = self.rng.randint(1, len(line) - 1)
            chunk += line[:cut]
            s.torn = line[cut:]
        with s.path.open("a") as fh:
            fh.write(chunk)
        if self.rng.random() < 0.15:
            self._replay(s)

    def finish(self) -> None:
        """Complete every torn line."""
        for s in self.sessions:
            if s.torn:
                with s.path.open("a") as fh:
                    fh.write(s.torn + "\n")
                s.torn = ""
                self.lines_written += 1


# -- one live run ----------------------------------------------------------------------------------


def default_readers(store) -> list[tuple[str, Callable[[], int]]]:
    """Real analytics calls the pages make; each returns a count that can only grow (requests, hits)."""
    f = Filters(tz="Europe/Berlin")

    def report() -> int:
        return usage_report(store, "day", tz="Europe/Berlin")["totals"]["requests"]

    def cost_series() -> int:
        series = costs.load_cost_series(store, f, "day")
        return int(series["requests"].sum()) if not series.empty else 0

    def find() -> int:
        return search.search(store, "pytest cart", f).total

    def requests_by_model() -> int:
        return usage_report(store, "model", tz="UTC")["totals"]["requests"]

    return [
        ("usage_report", report),
        ("load_cost_series", cost_series),
        ("search", find),
        ("by_model", requests_by_model),
    ]


@dataclass
class LiveRun:
    """What one live run did: ingest runs, read calls and their latencies, errors."""

    # (start, end, lines, seconds of ingest work) per run; (reader, start, end) per read call
    ingests: list[tuple[float, float, int, float]] = field(default_factory=list)
    reads: list[tuple[str, float, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    shrinking: list[str] = field(default_factory=list)  # a reader saw a smaller count than before
    skipped: dict[str, int] = field(default_factory=dict)
    lines_written: int = 0
    wall: float = 0.0

    @property
    def lines_ingested(self) -> int:
        return sum(n for _, _, n, _ in self.ingests)

    def throughput(self) -> float:
        """Lines ingested per second of ingest work while the readers ran."""
        work = sum(w for *_, w in self.ingests)
        return self.lines_ingested / work if work else 0.0

    def read_latencies(self, during_ingest: bool = True) -> list[float]:
        """Read call durations (s); with ``during_ingest`` only those overlapping an ingest run."""
        out = []
        for _name, a, b in self.reads:
            if not during_ingest or any(a < e and b > s for s, e, _, _ in self.ingests):
                out.append(b - a)
        return out

    def summary(self) -> str:
        lat = sorted(self.read_latencies())
        p = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000) if lat else (lambda q: float("nan"))
        return (
            f"{len(self.ingests)} ingest runs, {self.lines_ingested:,} lines in {self.wall:.1f} s "
            f"({self.throughput():,.0f} lines/s of ingest work); {len(self.reads)} reads by "
            f"{len({r[0] for r in self.reads})} readers, {len(lat)} during an ingest: "
            f"p50 {statistics.median(lat) * 1000 if lat else float('nan'):.0f} ms, p95 {p(0.95):.0f} ms, "
            f"max {max(lat) * 1000 if lat else float('nan'):.0f} ms; errors {len(self.errors)}; "
            f"reads that saw a smaller count than before: {len(self.shrinking)}"
        )


def run_live(
    store,
    root: Path,
    bursts: int,
    readers: int = 4,
    seed: int = 0,
    sessions: int = 4,
    burst_lines: tuple[int, int] = (1, 12),
    deadline_s: float = 120.0,
) -> LiveRun:
    """Write ``bursts`` bursts while one thread ingests in a loop and ``readers`` threads query.

    The writer waits (on a condition, with a deadline) for one ingest run to
    finish after each burst, so every torn tail is seen by some run; it never
    sleeps. After the last burst the torn lines are completed and one final
    ingest runs once the loop has stopped.
    """
    run = LiveRun()
    writer = LiveWriter(root, sessions=sessions, seed=seed)
    cond = threading.Condition()
    done_runs = [0]
    stop_ingest = threading.Event()
    stop_readers = threading.Event()
    deadline = time.monotonic() + deadline_s
    lock = threading.Lock()

    def ingest_loop():
        while not stop_ingest.is_set() and time.monotonic() < deadline:
            t0 = time.perf_counter()
            try:
                rep = ingest_jsonl(store, [root])
            except Exception as exc:  # noqa: BLE001 - every failure is a finding
                with lock:
                    run.errors.append(f"ingest: {type(exc).__name__}: {exc}")
                stop_ingest.set()
                break
            t1 = time.perf_counter()
            with lock:
                run.ingests.append((t0, t1, rep.lines, rep.seconds))
                for k, v in rep.skipped.items():
                    run.skipped[k] = run.skipped.get(k, 0) + v
            with cond:
                done_runs[0] += 1
                cond.notify_all()

    def read_loop(name: str, fn: Callable[[], int]):
        seen = 0
        while not stop_readers.is_set() and time.monotonic() < deadline:
            t0 = time.perf_counter()
            try:
                n = fn()
            except Exception as exc:  # noqa: BLE001 - every failure is a finding
                with lock:
                    run.errors.append(f"{name}: {type(exc).__name__}: {exc}")
                continue
            t1 = time.perf_counter()
            with lock:
                run.reads.append((name, t0, t1))
                if n < seen:
                    run.shrinking.append(f"{name}: {seen} -> {n}")
            seen = max(seen, n)

    pool = default_readers(store)
    threads = [threading.Thread(target=ingest_loop, name="ingest")]
    threads += [
        threading.Thread(target=read_loop, args=pool[i % len(pool)], name=f"reader-{i}")
        for i in range(readers)
    ]
    t_start = time.perf_counter()
    for t in threads:
        t.start()
    try:
        for _ in range(bursts):
            with cond:
                before = done_runs[0]
            writer.burst(burst_lines)
            with cond:
                if not cond.wait_for(
                    lambda b=before: done_runs[0] > b + 1 or stop_ingest.is_set(),
                    timeout=max(0.0, deadline - time.monotonic()),
                ):
                    run.errors.append("writer: no ingest run finished before the deadline")
                    break
            if stop_ingest.is_set():
                break
        writer.finish()
    finally:
        stop_ingest.set()
        threads[0].join()
        stop_readers.set()
        for t in threads[1:]:
            t.join()
    t0 = time.perf_counter()
    rep = ingest_jsonl(store, [root])
    run.ingests.append((t0, time.perf_counter(), rep.lines, rep.seconds))
    for k, v in rep.skipped.items():
        run.skipped[k] = run.skipped.get(k, 0) + v
    run.wall = time.perf_counter() - t_start
    run.lines_written = writer.lines_written
    return run
