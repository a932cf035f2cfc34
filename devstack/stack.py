"""The local stack as child processes: each in its own process group, waited on until it answers, all stopped cleanly.

A child is started with `start_new_session=True`, so a Ctrl-C in the terminal reaches only the
parent, which then stops the children itself, last started first: SIGTERM to each process group,
SIGKILL after a grace period. On Linux each child also asks the kernel for SIGTERM should the
parent die without cleaning up (prctl PR_SET_PDEATHSIG), so a killed parent leaves no orphans.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask Linux to send SIGTERM to this child when its parent exits."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except OSError:
        pass


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now: the one helper every server of the devstack and the tests picks ports with.

    aiosmtpd's Controller cannot start on port 0 (its readiness check connects to it), so the port is chosen first.
    """
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def http_ok(url: str) -> Callable[[], bool]:
    """A readiness check: GET `url` answers 200."""

    def check() -> bool:
        try:
            return httpx.get(url, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    return check


def tcp_open(host: str, port: int) -> Callable[[], bool]:
    """A readiness check: something accepts connections on host:port."""

    def check() -> bool:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            return False

    return check


class ChildFailed(RuntimeError):
    """A child exited before it was ready, or did not get ready in time."""


@dataclass
class Child:
    """A started child process of the stack."""

    name: str
    process: subprocess.Popen
    log_path: Path | None = None
    stop_timeout: float = 15.0

    @property
    def pid(self) -> int:
        """The child's process id (also its process group id)."""
        return self.process.pid

    def alive(self) -> bool:
        """Whether the child is still running."""
        return self.process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        """The end of the child's log, for a failure message."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Stack:
    """The children of one `planflow up` (or simulation), stopped together, last started first."""

    log_dir: Path
    children: list[Child] = field(default_factory=list)
    cancelled: Callable[[], bool] = lambda: False

    def spawn(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        ready: Callable[[], bool] | None = None,
        timeout: float = 90.0,
        stop_timeout: float = 15.0,
    ) -> Child:
        """Start `argv` in its own process group with its output in LOG_DIR/NAME.log; wait until `ready()` is true."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                list(argv),
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        child = Child(name=name, process=process, log_path=log_path, stop_timeout=stop_timeout)
        self.children.append(child)
        if ready is not None:
            self.wait_ready(child, ready, timeout)
        return child

    def adopt(
        self, name: str, process: subprocess.Popen, *, log_path: Path | None = None, stop_timeout: float = 15.0
    ) -> Child:
        """Track a process started elsewhere (in its own session) so that `stop()` stops it too."""
        child = Child(name=name, process=process, log_path=log_path, stop_timeout=stop_timeout)
        self.children.append(child)
        return child

    def wait_ready(self, child: Child, ready: Callable[[], bool], timeout: float) -> None:
        """Poll `ready()` until true; raise `ChildFailed` if the child exits, time runs out or a stop is asked for."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.cancelled():
                raise ChildFailed(f"stop requested while {child.name} was starting")
            if not child.alive():
                raise ChildFailed(f"{child.name} exited with {child.process.returncode}:\n{child.log_tail()}")
            if ready():
                return
            time.sleep(0.2)
        raise ChildFailed(f"{child.name} did not get ready within {timeout:.0f} s:\n{child.log_tail()}")

    def exited(self) -> list[Child]:
        """Children that have stopped on their own."""
        return [c for c in self.children if not c.alive()]

    def stop(self) -> list[tuple[str, int | None]]:
        """Stop every child, last started first (SIGTERM to its group, then SIGKILL); returns (name, exit code)."""
        results = []
        for child in reversed(self.children):
            results.append((child.name, stop_group(child.process, child.stop_timeout)))
        self.children.clear()
        return list(reversed(results))

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def stop_group(process: subprocess.Popen, timeout: float = 15.0) -> int | None:
    """SIGTERM the process group led by `process`, wait, SIGKILL what is left; return the exit code."""
    try:
        pgid = os.getpgid(process.pid)
    except ProcessLookupError:
        pgid = None
    if process.poll() is None and pgid is not None:
        _signal_group(pgid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal_group(pgid, signal.SIGKILL)
            process.wait(5)
    if pgid is not None:
        # Grandchildren left in the group (a server's workers) go too.
        _signal_group(pgid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and _group_alive(pgid):
            time.sleep(0.1)
        if _group_alive(pgid):
            _signal_group(pgid, signal.SIGKILL)
    return process.returncode


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still counts for killpg(0); look for a live member.
    return any(_state(pid) not in ("Z", None) for pid in _group_members(pgid))


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getpgid(int(entry)) == pgid:
                    members.append(int(entry))
            except (ProcessLookupError, PermissionError):
                pass
    return members


def _state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


class Stopper:
    """SIGINT and SIGTERM set a flag instead of killing the parent mid-start, so the stack stops in order."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous: dict[int, Callable[[int, FrameType | None], Any] | int | None] = {}

    def install(self) -> Stopper:
        """Catch SIGINT and SIGTERM from now on."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def restore(self) -> None:
        """Give the signals back to their previous handlers."""
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    def _handle(self, signum, _frame) -> None:
        self.signum = signum

    @property
    def requested(self) -> bool:
        """Whether a stop was asked for."""
        return self.signum is not None

    def sleep(self, seconds: float) -> bool:
        """Sleep up to `seconds`, waking early on a stop request; True when a stop was asked for."""
        deadline = time.monotonic() + seconds
        while not self.requested and time.monotonic() < deadline:
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
        return self.requested
