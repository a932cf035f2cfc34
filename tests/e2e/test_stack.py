"""The process stack under `planflow up`: children stop with their whole group, and die with a parent killed outright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devstack.stack import ChildFailed, Stack, tcp_open


def alive(pid: int) -> bool:
    """True when the process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_gone(pids: list[int], timeout: float = 10) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.1)
    return [p for p in pids if alive(p)]


def group_pids(pgid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getpgid(int(entry)) == pgid and alive(int(entry)):
                    out.append(int(entry))
            except (ProcessLookupError, PermissionError):
                pass
    return out


def test_stop_takes_grandchildren_and_a_child_that_ignores_sigterm(tmp_path: Path) -> None:
    stack = Stack(log_dir=tmp_path)
    # A shell whose own child is a grandchild of ours, and a child that shrugs off SIGTERM.
    shell = stack.spawn("shell", ["sh", "-c", "sleep 300 & sleep 300; wait"])
    stubborn = stack.spawn(
        "stubborn",
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(300)",
        ],
        stop_timeout=1,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (
        len(group_pids(shell.pid)) < 3 or "ready" not in (tmp_path / "stubborn.log").read_text()
    ):
        time.sleep(0.05)
    members = group_pids(shell.pid) + group_pids(stubborn.pid)
    assert len(members) >= 4
    results = dict(stack.stop())
    assert results["stubborn"] == -signal.SIGKILL
    assert results["shell"] is not None
    assert wait_gone(members) == []
    assert stack.children == []


def test_children_die_with_a_parent_killed_outright(tmp_path: Path) -> None:
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from devstack.stack import Stack\n"
        f"stack = Stack(log_dir=Path({str(tmp_path)!r}))\n"
        "child = stack.spawn('sleeper', ['sleep', '300'])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(300)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2]
    )
    assert parent.stdout is not None
    child_pid = int(parent.stdout.readline())
    assert alive(child_pid)
    parent.kill()  # SIGKILL: no chance to clean up
    parent.wait(10)
    assert wait_gone([child_pid]) == [], "the child outlived its killed parent"


def test_a_child_that_exits_early_is_reported_with_its_log(tmp_path: Path) -> None:
    stack = Stack(log_dir=tmp_path)
    with pytest.raises(ChildFailed) as failure:
        stack.spawn(
            "broken", ["sh", "-c", "echo cannot bind port >&2; exit 3"], ready=tcp_open("127.0.0.1", 9), timeout=10
        )
    assert "exited with 3" in str(failure.value) and "cannot bind port" in str(failure.value)
    stack.stop()


def test_a_stop_request_cancels_the_wait(tmp_path: Path) -> None:
    asked = {"stop": False}
    stack = Stack(log_dir=tmp_path, cancelled=lambda: asked["stop"])
    child = stack.spawn("slow", ["sleep", "300"])
    asked["stop"] = True
    with pytest.raises(ChildFailed, match="stop requested"):
        stack.wait_ready(child, lambda: False, timeout=60)
    stack.stop()
    assert not alive(child.pid)
