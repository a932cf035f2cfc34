"""The simulated Director: answers each suspended `approve-and-send` run through the Prefect API, as the UI form would.

The first draft of the chosen kind of round is returned once with comments (then the officer's
`revise-report` builds the next version, which goes back for approval); every other draft is
approved. Between ticks only what is ready is done, so the approval runs proceed in the serving
process while the year goes on; `settle(final=True)` waits until every draft is decided.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from simulation.servers import SimClock

RETURN_COMMENTS = "Đề nghị bổ sung số liệu của các cơ quan báo cáo trễ hạn và làm rõ phần khó khăn, vướng mắc."
APPROVE_COMMENTS = "Đồng ý ban hành."
DIRECTOR = "Giám đốc Sở Thông tin và Truyền thông"


class Director:
    """Decisions on the consolidated reports, and their history."""

    def __init__(
        self, *, clock: SimClock, log: Callable[[str], None], run_flow: Callable, return_kind: str = "six_month"
    ):
        self.clock = clock
        self.log = log
        self.run_flow = run_flow
        self.return_kind = return_kind
        self.decisions: list[dict] = []
        self._approvals: dict[tuple[str, int], dict] = {}
        self._returned: set[str] = set()
        self._deployment_id = None

    def settle(self, *, final: bool = False, timeout: float = 300.0) -> None:
        """Answer every approval that waits; with `final`, keep at it until none is left (or `timeout`)."""
        deadline = time.monotonic() + timeout
        while True:
            for (round_key, version), kind in self._waiting_drafts():
                self._approvals.setdefault((round_key, version), {"kind": kind, "step": "waiting"})
            for (round_key, version), approval in list(self._approvals.items()):
                if approval["step"] != "done":
                    self._advance(round_key, version, approval)
            still_open = [k for k, v in self._approvals.items() if v["step"] != "done"]
            if not final or not still_open:
                return
            if time.monotonic() > deadline:
                for round_key, version in still_open:
                    self.log(f"  ! approval of {round_key} v{version} did not finish in time")
                    self.decisions.append(
                        {"round": round_key, "version": version, "decision": None, "error": "timeout"}
                    )
                return
            time.sleep(0.5)

    def _waiting_drafts(self) -> list[tuple[tuple[str, int], str]]:
        """((round key, version), round kind) of each draft not yet decided, from the database."""
        from flows.common import session
        from models.drafts import undecided_drafts

        with session() as s:
            return [((key, version), kind) for key, kind, version in undecided_drafts(session=s)]

    def _advance(self, round_key: str, version: int, approval: dict) -> None:
        """One step of one draft's approval: resume the paused run with the decision, or note that it finished."""
        from prefect.flow_runs import resume_flow_run

        run = self._approval_run(round_key, version)
        if run is None or run.state is None:
            return
        if approval["step"] == "waiting":
            if run.state.is_final():
                self.log(
                    f"  ! approval run of {round_key} v{version} ended {run.state.type.value} before the Director answered"
                )
                self.decisions.append(
                    {"round": round_key, "version": version, "decision": None, "error": run.state.type.value}
                )
                approval["step"] = "done"
                return
            if not run.state.is_paused():
                return
            returning = approval["kind"] == self.return_kind and round_key not in self._returned
            answer = {
                "decision": "return" if returning else "approve",
                "comments": RETURN_COMMENTS if returning else APPROVE_COMMENTS,
                "director": DIRECTOR,
            }
            if returning:
                self._returned.add(round_key)
            resume_flow_run(run.id, run_input=answer)
            approval.update(step="resumed", answer=answer, at=self.clock.now().isoformat())
            return
        if approval["step"] == "resumed" and run.state.is_final():
            answer = approval["answer"]
            approval["step"] = "done"
            state = run.state.type.value
            self.decisions.append(
                {
                    "round": round_key,
                    "version": version,
                    "decision": answer["decision"],
                    "run_state": state,
                    "at": approval["at"],
                }
            )
            self.log(f"    director: {answer['decision']} {round_key} v{version} -> run {state}")
            if answer["decision"] == "return":
                from flows.approval import revise_report

                self.run_flow("revise-report", lambda: revise_report(round_key=round_key, now=self.clock.now()))

    def _approval_run(self, round_key: str, version: int):
        """The newest flow run of the approval deployment for this draft (matched by its parameters), or None."""
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
        from prefect.client.schemas.sorting import FlowRunSort

        from flows.approval import APPROVAL_DEPLOYMENT

        with get_client(sync_client=True) as client:
            if self._deployment_id is None:
                self._deployment_id = client.read_deployment_by_name(APPROVAL_DEPLOYMENT).id
            runs = client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[self._deployment_id])),
                sort=FlowRunSort.EXPECTED_START_TIME_DESC,
            )
        for run in runs:
            params = run.parameters or {}
            if params.get("round_key") == round_key and params.get("version") == version:
                return run
        return None
