"""The packages' import graph, read from the source with ast: no package imports one that imports it back,
domain/ imports none of ours, and the CLI never loads the worker's graph (activities, workflows)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("activities", "channels", "cli", "domain", "ops", "service", "store", "strategies", "web", "workflows")
Graph = dict[str, dict[str, list[str]]]
"""package -> imported package -> where (`path:line module`)."""


def import_graph(root: Path = ROOT) -> Graph:
    """Every import of one of our packages by another, lazy ones in functions included."""
    graph: Graph = {package: {} for package in PACKAGES}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    target = module.split(".")[0]
                    if target in PACKAGES and target != package:
                        where = f"{path.relative_to(root)}:{node.lineno} {module}"
                        graph[package].setdefault(target, []).append(where)
    return graph


def cycle(graph: Graph) -> list[str]:
    """One cycle between packages (its packages in order, the first repeated last), or []."""
    done: set[str] = set()

    def visit(package: str, path: list[str]) -> list[str]:
        if package in path:
            return path[path.index(package) :] + [package]
        if package in done:
            return []
        for target in sorted(graph[package]):
            if found := visit(target, [*path, package]):
                return found
        done.add(package)
        return []

    for package in PACKAGES:
        if found := visit(package, []):
            return found
    return []


def test_no_package_imports_one_that_imports_it_back() -> None:
    graph = import_graph()
    found = cycle(graph)
    edges = [f"{a} -> {b}: {graph[a][b][0]}" for a, b in zip(found, found[1:], strict=False)]
    assert found == [], "import cycle between packages:\n" + "\n".join(edges)


def test_domain_imports_no_other_package_of_ours() -> None:
    assert import_graph()["domain"] == {}


def test_the_cli_imports_neither_activities_nor_workflows() -> None:
    """The CLI talks to the workflow by name through the client; the worker's graph is worker_wiring.py's."""
    graph = import_graph()
    assert {bad: graph["cli"].get(bad) for bad in ("activities", "workflows")} == {
        "activities": None,
        "workflows": None,
    }


def test_starting_the_cli_loads_no_activity_workflow_or_channel() -> None:
    """What `collections --help` loads, through ops, web, store and service (only `simulate` runs a worker)."""
    code = "import sys, starter; print(sorted({m.split('.')[0] for m in sys.modules}))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert {"activities", "workflows", "channels", "worker_wiring"} & set(ast.literal_eval(done.stdout)) == set()


def test_a_cycle_is_found_and_named() -> None:
    """The check itself: a two-package loop is reported with both packages."""
    graph: Graph = {package: {} for package in PACKAGES}
    graph["ops"]["web"] = ["ops/demo.py:1 web.tokens"]
    graph["web"]["ops"] = ["web/api.py:1 ops"]
    assert cycle(graph) == ["ops", "web", "ops"]
