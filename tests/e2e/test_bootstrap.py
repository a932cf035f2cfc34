"""The README's first step on a fresh copy: `devstack/bootstrap.sh` (what `make run` runs) sets up a working venv.

A green suite once hid a broken `make run`: the suite's own bootstrap takes the `--test` branch, so
the plain branch is run here on a fresh copy of the tracked files, with a venv of its own.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def tracked_files() -> list[str]:
    """The repository's tracked files as they are in the work tree (what a clone would hold, edits included)."""
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [name for name in out.decode().split("\0") if name and (ROOT / name).exists()]


def shell_scripts() -> list[Path]:
    """Every shell script in the repository: `*.sh` files and the extension-less ones with a shell shebang."""
    scripts = []
    for name in tracked_files():
        path = ROOT / name
        if name.endswith(".sh"):
            scripts.append(path)
        elif "." not in path.name and path.is_file():
            first = path.read_bytes()[:64]
            if first.startswith(b"#!") and (b"bash" in first or b"/sh" in first):
                scripts.append(path)
    return scripts


def test_bootstrap_without_test_flag_leaves_a_working_planflow(tmp_path: Path) -> None:
    copy = tmp_path / "planflow"
    for name in tracked_files():
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    assert not (copy / ".venv").exists()

    run = subprocess.run(["bash", "devstack/bootstrap.sh"], cwd=copy, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, f"bootstrap exited {run.returncode}:\n{run.stdout}\n{run.stderr}"
    assert "creating .venv" in run.stdout

    planflow = copy / ".venv" / "bin" / "planflow"
    assert planflow.is_file()
    help_text = subprocess.run([str(planflow), "--help"], cwd=copy, capture_output=True, text=True, timeout=120)
    assert help_text.returncode == 0, help_text.stderr
    assert "plan" in help_text.stdout and "up" in help_text.stdout

    # A second run finds everything in place and changes nothing.
    again = subprocess.run(["bash", "devstack/bootstrap.sh"], cwd=copy, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "installing" not in again.stdout


def test_every_shell_script_is_shellcheck_clean() -> None:
    scripts = shell_scripts()
    assert ROOT / "devstack" / "bootstrap.sh" in scripts and ROOT / ".ci" / "run" in scripts
    checker = shutil.which("shellcheck")
    assert checker, "shellcheck is missing: devstack/bootstrap.sh --test installs it"
    run = subprocess.run([checker, "--shell=bash", *map(str, scripts)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
