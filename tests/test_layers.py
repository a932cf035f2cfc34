"""The shape of the house: pure layers never import Prefect, and inner layers never import outer ones."""

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


def imported_roots(path: Path) -> set[str]:
    """Top-level names of every module a file imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


CASES = [(folder, path) for folder in FORBIDDEN for path in sorted((ROOT / folder).rglob("*.py"))]


@pytest.mark.parametrize("folder,path", CASES, ids=[str(p.relative_to(ROOT)) for _, p in CASES])
def test_layering(folder: str, path: Path) -> None:
    bad = imported_roots(path) & FORBIDDEN[folder]
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_the_check_sees_files() -> None:
    assert any(folder == "models" for folder, _ in CASES)
