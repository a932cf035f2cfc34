"""The shape of the house: inner layers never import outer ones, only the wiring imports Prefect, and no import circles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# folder -> planflow packages it must not import
FORBIDDEN = {
    "models": {
        "prefect",
        "notifications",
        "inbound",
        "portal",
        "reports",
        "flows",
        "deployments",
        "cli",
        "devstack",
        "simulation",
        "drafting",
    },
    "drafting": {
        "prefect",
        "notifications",
        "inbound",
        "portal",
        "reports",
        "flows",
        "deployments",
        "cli",
        "devstack",
        "simulation",
    },
    "notifications": {"prefect", "inbound", "portal", "reports", "flows", "deployments", "cli", "simulation"},
    "inbound": {"prefect", "portal", "reports", "flows", "deployments", "cli", "simulation"},
    "portal": {"prefect", "reports", "flows", "deployments", "cli", "simulation"},
    "reports": {"prefect", "inbound", "portal", "flows", "deployments", "cli", "simulation"},
    "flows": {"deployments", "cli", "simulation"},
}


# Only the wiring may import Prefect: flows, their deployments, the command line, the local stack and
# the simulation. Every rule lives where it can run without it.
PREFECT_ALLOWED = {"flows", "deployments", "cli", "devstack", "simulation", "tests", "bench"}
PACKAGES = (
    "models",
    "notifications",
    "inbound",
    "portal",
    "reports",
    "flows",
    "deployments",
    "cli",
    "simulation",
    "plans",
)


def imported_modules(path: Path) -> set[str]:
    """Dotted names of every module a file imports (at any depth: function-level imports count too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def imported_roots(path: Path) -> set[str]:
    """Top-level names of every module a file imports."""
    return {name.split(".")[0] for name in imported_modules(path)}


def module_name(path: Path) -> str:
    """`flows/approval.py` -> `flows.approval`; a package's `__init__.py` is the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(packages: tuple[str, ...] = PACKAGES) -> dict[str, set[str]]:
    """Module -> the planflow modules it imports, for every module of the given packages."""
    modules = {module_name(p): p for pkg in packages for p in sorted((ROOT / pkg).rglob("*.py"))}
    return {name: {m for m in imported_modules(path) if m in modules and m != name} for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of the graph (its modules in order, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


CASES = [(folder, path) for folder in FORBIDDEN for path in sorted((ROOT / folder).rglob("*.py"))]


@pytest.mark.parametrize("folder,path", CASES, ids=[str(p.relative_to(ROOT)) for _, p in CASES])
def test_layering(folder: str, path: Path) -> None:
    bad = imported_roots(path) & FORBIDDEN[folder]
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_the_check_sees_files() -> None:
    assert any(folder == "models" for folder, _ in CASES)


PREFECT_CASES = [
    path
    for path in sorted(ROOT.rglob("*.py"))
    if ".venv" not in path.parts and path.relative_to(ROOT).parts[0] not in PREFECT_ALLOWED
]


@pytest.mark.parametrize("path", PREFECT_CASES, ids=[str(p.relative_to(ROOT)) for p in PREFECT_CASES])
def test_only_the_wiring_imports_prefect(path: Path) -> None:
    assert "prefect" not in imported_roots(path), f"{path.relative_to(ROOT)} imports prefect"


def test_no_import_circle_between_planflow_modules() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


def test_the_cycle_check_finds_a_circle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_the_prefect_check_sees_the_pure_layers() -> None:
    seen = {p.relative_to(ROOT).parts[0] for p in PREFECT_CASES}
    assert {"models", "notifications", "inbound", "portal", "reports"} <= seen
