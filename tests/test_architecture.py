"""The layout holds: no import cycle among the project's modules, no SQL text outside the library's
SQL home, the library never imports streamlit, and pages import the UI and the library only."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("analytics", "ui")
SQL_WORDS = re.compile(r"\b(SELECT|INSERT INTO|TRUNCATE TABLE|OPTIMIZE TABLE|DELETE FROM|ALTER TABLE)\b")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_files() -> list[Path]:
    files = [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")]
    return files + sorted((ROOT / "pages").glob("*.py")) + [ROOT / "streamlit_app.py"]


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The project modules ``path`` imports, wherever the import statement stands."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        found |= {n for n in names if n in known}
    return found


def import_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in project_files()}
    known = set(files)
    return {name: imports_of(path, known) - {name} for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` (a list of modules, first == last), None without any."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = 2
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_among_the_projects_modules():
    graph = import_graph()
    assert {"analytics.api", "analytics.monitor", "ui.cache", "pages.costs"} <= set(graph)
    assert find_cycle(graph) is None


def test_the_library_never_imports_streamlit_or_the_ui():
    for path in (ROOT / "analytics").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not [n for n in names if n.split(".")[0] in ("streamlit", "ui", "pages")], path


def test_no_sql_text_in_pages_ui_the_router_or_pricing():
    paths = [*sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]
    paths += [ROOT / "streamlit_app.py", ROOT / "analytics" / "pricing.py"]
    offenders = [
        f"{p.relative_to(ROOT)}: {m.group(0)}" for p in paths for m in SQL_WORDS.finditer(p.read_text())
    ]
    assert offenders == []


def test_sql_words_are_recognised():
    assert SQL_WORDS.search('store.rows_sql("SELECT count() FROM telemetry")')
    assert not SQL_WORDS.search("Select a model to compare")


PAGE_LINES = 200
"""A page reads as one short narrative; longer sections move into ``ui`` (``ui/sections.py``, ``ui/outcomes.py``)."""


def test_every_page_stays_short():
    long = {
        p.name: n
        for p in sorted((ROOT / "pages").glob("*.py"))
        if (n := len(p.read_text().splitlines())) > PAGE_LINES
    }
    assert long == {}
