"""`planflow up` as a newcomer runs it: every service answers, mail is caught, and Ctrl-C or SIGTERM leaves no process behind."""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import sqlite3
import subprocess
import sys
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from devstack.stack import free_port

ROOT = Path(__file__).resolve().parents[2]
PLANFLOW = [sys.executable, "-m", "cli.main"]

pytestmark = pytest.mark.slow


def descendants(pid: int) -> set[int]:
    """Every live process whose ancestry leads to `pid` (read from /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        children = {p for p, parent in parents.items() if parent in frontier and p not in found}
        found |= children
        frontier = children
    return found


def alive(pid: int) -> bool:
    """True when the process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_for(check, timeout: float, what: str, process: subprocess.Popen, log: Path) -> None:
    """Poll `check()` until true; fail with the command's output if it exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"planflow up exited ({process.returncode}) before {what}:\n{log.read_text(errors='replace')}")
        if check():
            return
        time.sleep(0.3)
    pytest.fail(f"{what} not within {timeout} s:\n{log.read_text(errors='replace')}")


def http_ok(url: str):
    def check() -> bool:
        try:
            return httpx.get(url, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    return check


def port_closed(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) != 0


def start_up(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen, dict, Path]:
    ports = {"prefect": free_port(), "portal": free_port(), "smtp": free_port()}
    data = tmp_path / "data"
    log = tmp_path / "up.log"
    env = dict(os.environ)
    for name in [k for k in env if k.startswith(("PLANFLOW_", "PREFECT_"))]:
        env.pop(name)
    env.update(DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false", PYTHONUNBUFFERED="1")
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                *PLANFLOW,
                "up",
                "--data-dir",
                str(data),
                "--prefect-port",
                str(ports["prefect"]),
                "--portal-port",
                str(ports["portal"]),
                "--smtp-port",
                str(ports["smtp"]),
                *extra,
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return process, ports, data


def stop_and_check(process: subprocess.Popen, sig: int, ports: dict, log: Path) -> None:
    """Send `sig`, wait for a clean exit, and assert no child is left and every port is free."""
    children = descendants(process.pid)
    assert children, "planflow up started no child process"
    process.send_signal(sig)
    try:
        code = process.wait(90)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(
            f"planflow up did not stop within 90 s of {signal.Signals(sig).name}:\n{log.read_text(errors='replace')}"
        )
    assert code == 0, log.read_text(errors="replace")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(p) for p in children):
        time.sleep(0.2)
    left = [p for p in children if alive(p)]
    for pid in left:  # never leave them to the next test
        os.kill(pid, signal.SIGKILL)
    assert not left, f"processes left running after {signal.Signals(sig).name}: {left}"
    for name, port in ports.items():
        assert port_closed(port), f"{name} still listening on {port}"
    assert "stopping" in log.read_text()


def test_up_starts_everything_and_ctrl_c_stops_it(tmp_path: Path) -> None:
    process, ports, data = start_up(tmp_path)
    log = tmp_path / "up.log"
    try:
        wait_for(lambda: "planflow is up" in log.read_text(errors="replace"), 240, "the stack was up", process, log)
        assert http_ok(f"http://127.0.0.1:{ports['prefect']}/api/health")()
        assert http_ok(f"http://127.0.0.1:{ports['portal']}/healthz")()
        text = log.read_text()
        mailbox = data.resolve() / "mailcatcher"
        for shown in (
            f"http://127.0.0.1:{ports['prefect']}",
            f"http://127.0.0.1:{ports['portal']}",
            str(mailbox),
            str(data.resolve()),
        ):
            assert shown in text, f"{shown} not printed:\n{text}"

        # The reference plan is loaded into the data folder's database.
        with sqlite3.connect(data / "planflow.db") as db:
            assert db.execute("select key from plan").fetchall() == [("vinhlong-2018",)]
            assert db.execute("select count(*) from round").fetchone()[0] == 3

        # The served deployments are registered with the server.
        r = httpx.post(f"http://127.0.0.1:{ports['prefect']}/api/deployments/filter", json={}, timeout=10)
        names = {d["name"] for d in r.json()}
        assert r.status_code == 200 and names, f"no deployment served: {r.text}"

        # The load-plan run started at once sends each agency its assignment notice, caught as .eml files.
        def kinds() -> list[str]:
            return [
                str(message_from_bytes(p.read_bytes(), policy=policy.default)["X-Planflow-Kind"])
                for p in mailbox.glob("*.eml")
            ]

        with sqlite3.connect(data / "planflow.db") as db:
            agencies = db.execute(
                "select count(distinct agency_id) from contact where role = 'focal_point'"
            ).fetchone()[0]
        wait_for(lambda: kinds().count("assignment") == agencies, 180, "the assignment notices", process, log)
        assert agencies >= 30

        # The mail catcher takes any message and writes it as an .eml file.
        msg = EmailMessage()
        msg["From"] = "sotttt@vinhlong.example.gov.vn"
        msg["To"] = "vanthu@svhttdl.vinhlong.example"
        msg["Subject"] = "Thử hộp thư: báo cáo 6 tháng"
        msg.set_content("Nội dung có dấu tiếng Việt.")
        with smtplib.SMTP("127.0.0.1", ports["smtp"], timeout=10) as smtp:
            smtp.send_message(msg)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(kinds()) == agencies:
            time.sleep(0.1)
        caught = [
            p
            for p in mailbox.glob("*.eml")
            if "X-Planflow-Kind" not in message_from_bytes(p.read_bytes(), policy=policy.default)
        ]
        assert len(caught) == 1 and len(kinds()) == agencies + 1
        back = message_from_bytes(caught[0].read_bytes(), policy=policy.default)
        assert back["Subject"] == "Thử hộp thư: báo cáo 6 tháng"
        assert back.get_content().strip() == "Nội dung có dấu tiếng Việt."

        stop_and_check(process, signal.SIGINT, ports, log)
    finally:
        if process.poll() is None:
            for pid in descendants(process.pid):
                os.kill(pid, signal.SIGKILL)
            process.kill()


def test_up_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    process, ports, _data = start_up(tmp_path, "--no-serve")
    log = tmp_path / "up.log"
    try:
        wait_for(lambda: "planflow is up" in log.read_text(errors="replace"), 240, "the stack was up", process, log)
        stop_and_check(process, signal.SIGTERM, ports, log)
    finally:
        if process.poll() is None:
            for pid in descendants(process.pid):
                os.kill(pid, signal.SIGKILL)
            process.kill()


def test_ctrl_c_while_starting_stops_at_once(tmp_path: Path) -> None:
    process, ports, _data = start_up(tmp_path, "--no-load-plan")
    log = tmp_path / "up.log"
    try:
        # Wait until the Prefect server process exists (its first start takes several seconds), then interrupt.
        wait_for(
            lambda: any("prefect" in _cmdline(p) for p in descendants(process.pid)),
            60,
            "the Prefect server started",
            process,
            log,
        )
        children = descendants(process.pid)
        process.send_signal(signal.SIGINT)
        code = process.wait(60)
        assert code == 0, log.read_text(errors="replace")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(p) for p in children):
            time.sleep(0.2)
        left = [p for p in children if alive(p)]
        assert not left, f"processes left running: {left}"
        assert "planflow is up" not in log.read_text()
        assert port_closed(ports["prefect"])
    finally:
        if process.poll() is None:
            for pid in descendants(process.pid):
                os.kill(pid, signal.SIGKILL)
            process.kill()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""
