"""The serving process (`python -m deployments.serve`) stopped and started again: a pending approval is still pending, then completes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import httpx
import pytest
from prefect.client.orchestration import get_client
from prefect.flow_runs import resume_flow_run
from prefect.settings import PREFECT_API_URL
from sqlmodel import Session, select

from flows.approval import start_approval
from flows.consolidate import consolidate_round
from models.rounds import open_round, round_by_key
from models.tables import DraftState, ReportDraft, RoundState
from tests.flows.conftest import ROOT, at


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


class Serving:
    """`python -m deployments.serve` as a child process talking to the test's Prefect server."""

    def __init__(self, env: dict[str, str], log_path):
        self.env = {
            **os.environ,
            **env,
            "PREFECT_API_URL": PREFECT_API_URL.value(),
            "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        }
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def child(self) -> subprocess.Popen[bytes]:
        """The serving process (once started)."""
        assert self.process is not None, "not started"
        return self.process

    def start(self) -> Serving:
        with open(self.log_path, "ab") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [sys.executable, "-m", "deployments.serve"],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        api = PREFECT_API_URL.value()
        wait_for(
            lambda: (
                httpx.get(f"{api}/deployments/name/approve-and-send/director-approval").status_code == 200
                and self.child.poll() is None
            ),
            60,
            "deployments",
        )
        time.sleep(2)  # the runner's first poll
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(30)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (read from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return found


def run_state(run_id: str):
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(uuid.UUID(run_id)).state
    assert state is not None, f"flow run {run_id} has no state"
    return state


@pytest.mark.slow
def test_restart_of_the_serving_process_keeps_the_approval(loaded, smtp, flow_env, tmp_path):
    engine = loaded
    with Session(engine) as s:
        rnd = round_by_key(session=s, key="annual-2018")
        assert rnd.id is not None
        open_round(session=s, round_id=rnd.id, now=at(2018, 10, 15))
        s.commit()
    consolidate_round(round_key="annual-2018", now=at(2018, 11, 20, 9))

    serving = Serving(flow_env, tmp_path / "serve.log").start()
    try:
        run_id = start_approval("annual-2018", 1)
        assert run_id is not None
        wait_for(lambda: run_state(run_id).is_paused(), 90, "the served approval run to suspend")
        # The suspended run's process exits; only then does the serving process stop tracking it
        # (stopped earlier, Prefect's runner would cancel the run it still tracks).
        wait_for(lambda: not children(serving.child.pid), 30, "the suspended run's process to exit")
    finally:
        serving.stop()
    assert serving.child.returncode is not None
    assert run_state(run_id).is_paused(), (run_state(run_id), serving.log())

    # While nothing serves the deployment, the Director approves; the run waits to be picked up.
    resume_flow_run(uuid.UUID(run_id), run_input={"decision": "approve", "comments": "", "director": "Nguyễn Văn A"})
    time.sleep(2)
    assert run_state(run_id).is_scheduled()
    with Session(engine) as s:
        assert s.exec(select(ReportDraft.state)).one() == DraftState.awaiting_approval

    serving = Serving(flow_env, tmp_path / "serve.log").start()
    try:
        wait_for(lambda: run_state(run_id).is_completed(), 90, "the resumed run to complete after the restart")
    finally:
        serving.stop()
    with Session(engine) as s:
        assert s.exec(select(ReportDraft.state)).one() == DraftState.sent
        assert round_by_key(session=s, key="annual-2018").state == RoundState.closed
    assert smtp.count("report") == 1, serving.log()
