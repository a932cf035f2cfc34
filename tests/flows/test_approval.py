"""The Director's approval in Prefect: suspend → (invalid input refused) → return → new version → approve → report sent.

Each pass of the approval run executes in a fresh process (`python -m prefect.engine`), as the serving
process or a worker would: the first process exits when the run suspends, so the wait survives any
restart, and a later process picks the run up after the resume.
"""

from __future__ import annotations

import io
import uuid

import pytest
from docx import Document
from prefect.client.orchestration import get_client
from prefect.flow_runs import resume_flow_run
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli.main import app
from flows.approval import revise_report
from flows.consolidate import consolidate_round
from flows.cycle import start_approval
from models.rounds import open_round, round_by_key
from models.submissions import ItemIn, record_submission
from models.tables import Agency, AuditLog, Channel, DraftState, ReportDraft, RoundState
from tests.flows.conftest import at, run_flow_run_in_process
from tests.flows.test_cycle import latest_artifact


def register_approval_deployment() -> None:
    from deployments.catalog import build

    for deployment in build():
        if deployment.name == "director-approval":
            deployment.apply()


def state_of(run_id: str):
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(uuid.UUID(run_id)).state
    assert state is not None, f"flow run {run_id} has no state"
    return state


def drafts(engine) -> dict[int, ReportDraft]:
    with Session(engine) as s:
        rnd = round_by_key(session=s, key="six-month-2018")
        return {d.version: d for d in s.exec(select(ReportDraft).where(ReportDraft.round_id == rnd.id))}


def test_suspend_return_revise_approve(loaded, smtp, flow_env):
    engine = loaded
    register_approval_deployment()
    with Session(engine) as s:
        rnd = round_by_key(session=s, key="six-month-2018")
        assert rnd.id is not None
        open_round(session=s, round_id=rnd.id, now=at(2018, 5, 15))
        for code in ("SCT", "SYT"):
            agency = s.exec(select(Agency).where(Agency.code == code)).one()
            assert agency.id is not None
            record_submission(
                session=s,
                round_id=rnd.id,
                agency_id=agency.id,
                channel=Channel.email,
                received_at=at(2018, 6, 10),
                items=[ItemIn(task_key=None, results=f"{code}: đã tổ chức tuyên truyền đối ngoại.")],
                actor="test",
            )
        s.commit()
    consolidate_round(round_key="six-month-2018", now=at(2018, 6, 18, 9))
    run_id = start_approval("six-month-2018", 1)

    # First pass: publishes the draft and suspends; the process exits.
    run_flow_run_in_process(run_id, flow_env)
    assert run_id is not None
    assert state_of(run_id).is_paused()
    assert drafts(engine)[1].state == DraftState.awaiting_approval
    shown = latest_artifact("approval-six-month-2018")
    assert shown is not None and "Chờ phê duyệt" in str(shown.data)

    # A decision that is not one of the two choices is refused; the run stays suspended.
    with pytest.raises(RuntimeError, match="decision"):
        resume_flow_run(uuid.UUID(run_id), run_input={"decision": "maybe", "comments": "", "director": "Nguyễn Văn A"})
    assert state_of(run_id).is_paused()

    # While the Director has not decided, there is nothing to revise.
    with pytest.raises(ValueError, match="awaiting_approval"):
        revise_report(round_key="six-month-2018", now=at(2018, 6, 18, 10))
    assert set(drafts(engine)) == {1}

    # Returned with comments: the run finishes, the draft goes back, nothing is sent.
    resume_flow_run(
        uuid.UUID(run_id),
        run_input={"decision": "return", "comments": "Bổ sung số liệu quý II.", "director": "Nguyễn Văn A"},
    )
    run_flow_run_in_process(run_id, flow_env)
    assert state_of(run_id).is_completed()
    v1 = drafts(engine)[1]
    assert (v1.state, v1.comments, v1.decided_by) == (DraftState.returned, "Bổ sung số liệu quý II.", "Nguyễn Văn A")
    assert smtp.count("report") == 0
    assert start_approval("six-month-2018", 1) == run_id  # the server refuses a second approval run of one version

    # The officer revises: version 2 goes back for approval, and is approved.
    revised = revise_report(round_key="six-month-2018", now=at(2018, 6, 19, 9))
    assert revised["version"] == 2 and revised["approval_run"] not in (None, run_id)
    second = revised["approval_run"]
    run_flow_run_in_process(second, flow_env)
    assert state_of(second).is_paused() and drafts(engine)[2].state == DraftState.awaiting_approval
    # This time the answer comes from the command line (`planflow approve`), which finds the waiting run.
    answered = CliRunner().invoke(
        app,
        ["approve", "six-month-2018", "--decision", "approve", "--director", "Nguyễn Văn A", "--comments", "Đồng ý."],
    )
    assert answered.exit_code == 0 and second in answered.output, answered.output
    run_flow_run_in_process(second, flow_env)
    assert state_of(second).is_completed()

    v2 = drafts(engine)[2]
    assert v2.state == DraftState.sent and v2.decided_by == "Nguyễn Văn A"
    with Session(engine) as s:
        rnd = round_by_key(session=s, key="six-month-2018")
        actions = [a.action for a in s.exec(select(AuditLog).where(AuditLog.round_id == rnd.id))]
    assert rnd.state == RoundState.closed and rnd.closed_at is not None
    assert {"draft_returned", "draft_approved", "report_sent", "round_closed"} <= set(actions)

    # The report went once, to the Chairman and the Steering Committee, the Word file attached.
    assert smtp.count("report") == 1
    report = next(m for m in smtp.messages if m["X-Planflow-Kind"] == "report")
    assert len(report["To"].addresses) == 2
    attached = [p for p in report.iter_attachments() if p.get_filename().endswith(".docx")]
    assert len(attached) == 1
    text = "\n".join(p.text for p in Document(io.BytesIO(attached[0].get_content())).paragraphs)
    assert "6 tháng đầu năm 2018" in text
