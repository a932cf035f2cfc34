"""The Director's approval in Prefect: suspend → (invalid input refused) → return → new version → approve → report sent.

Each pass of the approval run executes in a fresh process (`python -m prefect.engine`), as the serving
process or a worker would: the first process exits when the run suspends, so the wait survives any
restart, and a later process picks the run up after the resume.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from docx import Document
from prefect.client.orchestration import get_client
from prefect.flow_runs import resume_flow_run
from sqlmodel import Session, select
from typer.testing import CliRunner, Result

from cli.main import app
from flows.approval import Revision, revise_report, start_approval
from flows.consolidate import consolidate_round
from models.rounds import open_round, round_by_key
from models.submissions import ItemIn, SubmissionIn, record_submission
from models.tables import Agency, AuditLog, Channel, DraftState, ReportDraft, Round, RoundState
from tests.flows.conftest import at, flow_world, run_flow_run_in_process
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


def raised(call: Callable[[], object]) -> Exception | None:
    """The exception `call` raised, or None."""
    try:
        call()
    except Exception as error:  # the test inspects what it was
        return error
    return None


@dataclass
class Approval:
    """What the six-month round's approval left behind at each step (the draft rows as they stood then)."""

    run_id: str = ""
    paused_after_first_pass: bool = False
    v1_after_first_pass: ReportDraft | None = None
    shown: str = ""
    invalid_decision: Exception | None = None
    paused_after_invalid_decision: bool = False
    early_revision: Exception | None = None
    versions_after_early_revision: set[int] = field(default_factory=set)
    completed_after_return: bool = False
    v1_after_return: ReportDraft | None = None
    reports_after_return: int = 0
    second_start: str | None = None
    revised: Revision | None = None
    paused_after_revision: bool = False
    v2_after_revision: ReportDraft | None = None
    answered: Result | None = None
    completed_after_approval: bool = False
    v2: ReportDraft | None = None
    round: Round | None = None
    actions: list[str] = field(default_factory=list)
    reports: list[EmailMessage] = field(default_factory=list)


@pytest.fixture(scope="module")
def approval(tmp_path_factory, reference_plan, prefect_harness) -> Iterator[Approval]:
    """Two agencies report; draft v1 is returned by the Director in the UI, v2 approved from the command line."""
    with flow_world(tmp_path_factory.mktemp("approval"), reference_plan) as world:
        engine, smtp, flow_env, seen = world.engine, world.smtp, world.env, Approval()
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
                    submission_in=SubmissionIn(
                        round_id=rnd.id,
                        agency_id=agency.id,
                        channel=Channel.email,
                        received_at=at(2018, 6, 10),
                        items=[ItemIn(task_key=None, results=f"{code}: đã tổ chức tuyên truyền đối ngoại.")],
                        actor="test",
                    ),
                )
            s.commit()
        consolidate_round(round_key="six-month-2018", now=at(2018, 6, 18, 9))
        run_id = start_approval("six-month-2018", 1)
        assert run_id is not None
        seen.run_id = run_id

        # First pass: publishes the draft and suspends; the process exits.
        run_flow_run_in_process(run_id, flow_env)
        seen.paused_after_first_pass = state_of(run_id).is_paused()
        seen.v1_after_first_pass = drafts(engine)[1]
        shown = latest_artifact("approval-six-month-2018")
        seen.shown = str(shown.data) if shown is not None else ""

        # A decision that is not one of the two choices.
        seen.invalid_decision = raised(
            lambda: resume_flow_run(
                uuid.UUID(run_id), run_input={"decision": "maybe", "comments": "", "director": "Nguyễn Văn A"}
            )
        )
        seen.paused_after_invalid_decision = state_of(run_id).is_paused()

        # A revision while the Director has not decided.
        seen.early_revision = raised(lambda: revise_report(round_key="six-month-2018", now=at(2018, 6, 18, 10)))
        seen.versions_after_early_revision = set(drafts(engine))

        # Returned with comments.
        resume_flow_run(
            uuid.UUID(run_id),
            run_input={"decision": "return", "comments": "Bổ sung số liệu quý II.", "director": "Nguyễn Văn A"},
        )
        run_flow_run_in_process(run_id, flow_env)
        seen.completed_after_return = state_of(run_id).is_completed()
        seen.v1_after_return = drafts(engine)[1]
        seen.reports_after_return = smtp.count("report")
        seen.second_start = start_approval("six-month-2018", 1)

        # The officer revises: version 2 goes back for approval; the Director approves from the command line.
        seen.revised = revise_report(round_key="six-month-2018", now=at(2018, 6, 19, 9))
        second = seen.revised.approval_run
        assert second is not None, "the revision started no approval run"
        run_flow_run_in_process(second, flow_env)
        seen.paused_after_revision = state_of(second).is_paused()
        seen.v2_after_revision = drafts(engine)[2]
        seen.answered = CliRunner().invoke(
            app,
            [
                "approve",
                "six-month-2018",
                "--decision",
                "approve",
                "--director",
                "Nguyễn Văn A",
                "--comments",
                "Đồng ý.",
            ],
        )
        run_flow_run_in_process(second, flow_env)
        seen.completed_after_approval = state_of(second).is_completed()
        seen.v2 = drafts(engine)[2]
        with Session(engine) as s:
            seen.round = round_by_key(session=s, key="six-month-2018")
            seen.actions = [a.action for a in s.exec(select(AuditLog).where(AuditLog.round_id == seen.round.id))]
        seen.reports = [m for m in smtp.messages if m["X-Planflow-Kind"] == "report"]
        yield seen


def test_the_approval_run_publishes_the_draft_and_suspends(approval):
    assert approval.paused_after_first_pass
    assert approval.v1_after_first_pass is not None
    assert approval.v1_after_first_pass.state == DraftState.awaiting_approval
    assert "Chờ phê duyệt" in approval.shown


def test_a_decision_that_is_neither_choice_is_refused_and_the_run_stays_suspended(approval):
    assert isinstance(approval.invalid_decision, RuntimeError) and "decision" in str(approval.invalid_decision)
    assert approval.paused_after_invalid_decision


def test_there_is_nothing_to_revise_while_the_director_has_not_decided(approval):
    assert isinstance(approval.early_revision, ValueError) and "awaiting_approval" in str(approval.early_revision)
    assert approval.versions_after_early_revision == {1}


def test_a_returned_draft_keeps_the_directors_comments_and_nothing_is_sent(approval):
    assert approval.completed_after_return
    v1 = approval.v1_after_return
    assert v1 is not None
    assert (v1.state, v1.comments, v1.decided_by) == (DraftState.returned, "Bổ sung số liệu quý II.", "Nguyễn Văn A")
    assert approval.reports_after_return == 0


def test_one_version_gets_one_approval_run(approval):
    assert approval.second_start == approval.run_id  # the server refuses a second approval run of one version


def test_a_revision_is_a_new_version_with_its_own_approval_run(approval):
    assert approval.revised.version == 2 and approval.revised.approval_run not in (None, approval.run_id)
    assert approval.paused_after_revision
    assert approval.v2_after_revision is not None
    assert approval.v2_after_revision.state == DraftState.awaiting_approval


def test_planflow_approve_answers_the_waiting_run(approval):
    answered = approval.answered
    assert answered is not None
    assert answered.exit_code == 0 and approval.revised.approval_run in answered.output, answered.output
    assert approval.completed_after_approval


def test_an_approved_draft_is_sent_and_the_round_closes_with_every_step_audited(approval):
    v2, rnd = approval.v2, approval.round
    assert v2 is not None and rnd is not None
    assert v2.state == DraftState.sent and v2.decided_by == "Nguyễn Văn A"
    assert rnd.state == RoundState.closed and rnd.closed_at is not None
    assert {"draft_returned", "draft_approved", "report_sent", "round_closed"} <= set(approval.actions)


def test_the_report_goes_once_to_the_chairman_and_the_steering_committee_with_the_word_file(approval):
    [report] = approval.reports
    assert len(report["To"].addresses) == 2
    attached = [p for p in report.iter_attachments() if str(p.get_filename()).endswith(".docx")]
    assert len(attached) == 1
    text = "\n".join(p.text for p in Document(io.BytesIO(attached[0].get_content())).paragraphs)
    assert "6 tháng đầu năm 2018" in text
