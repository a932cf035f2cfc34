"""The hashed lock files cover pyproject.toml: every declared dependency is pinned, with hashes, in the right file.

`devstack/bootstrap.sh` installs the locks and then planflow with `--no-deps`, so a dependency added to
`pyproject.toml` without `make lock` would be missing from every fresh install.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
PIN = re.compile(r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^ ;\\]+)")


def pins(lock: str) -> dict[str, str]:
    """Package name → pinned version in one lock file."""
    found = {}
    for line in (ROOT / "requirements" / lock).read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            found[canonicalize_name(match[1])] = match[2]
    return found


def declared(requirements: list[str]) -> list[Requirement]:
    """The requirements of a pyproject list, parsed."""
    return [Requirement(r) for r in requirements]


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [
        ("runtime.txt", PROJECT["dependencies"]),
        ("test.txt", PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]),
    ],
)
def test_every_declared_dependency_is_pinned_within_its_range(lock, requirements):
    locked = pins(lock)
    for req in declared(requirements):
        name = canonicalize_name(req.name)
        assert name in locked, f"{req.name} is declared in pyproject.toml but not in requirements/{lock}: run make lock"
        assert req.specifier.contains(locked[name], prereleases=True), f"{req} but {lock} pins {locked[name]}"


def test_the_test_lock_keeps_the_runtime_pins():
    runtime, test = pins("runtime.txt"), pins("test.txt")
    assert {name: test.get(name) for name in runtime} == runtime


@pytest.mark.parametrize("lock", ["runtime.txt", "test.txt"])
def test_every_pin_carries_a_hash(lock):
    hashed: dict[str, bool] = {}
    current = None
    for line in (ROOT / "requirements" / lock).read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            current = match[1]
            hashed[current] = False
        if current and "--hash=sha256:" in line:
            hashed[current] = True
    assert hashed and [name for name, ok in hashed.items() if not ok] == []
