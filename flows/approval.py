"""Flows `approve-and-send` and `revise-report`: publish the draft, wait (days if need be) for the Director's decision in the Prefect UI, then act.

The wait is `suspend_flow_run`: the process is freed and, on resume, the flow body runs again from
the top. Everything before the wait is therefore idempotent: the draft's state in the database says
how far the run got, artifacts are written under fixed keys, and the suspend key is the draft's id,
so the second pass gets the Director's answer instead of waiting again. The states themselves change
only through `models/drafts.py`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.client.schemas.objects import FlowRun
from prefect.exceptions import ObjectNotFound
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput
from prefect.runtime import flow_run
from pydantic import Field, create_model

from flows.common import (
    DB_RETRIES,
    DB_RETRY_DELAYS,
    SERVER_RETRIES,
    SERVER_RETRY_DELAYS,
    artifact_key,
    resolve_now,
    session,
    transient_db_error,
)
from flows.consolidate import consolidate_round
from flows.delivery import deliver_outbox
from flows.status import publish_draft_links, publish_round_status
from models import drafts
from models.rounds import round_by_key
from models.settings import get_settings
from models.tables import DraftState, Round

# The deployment that runs approve-and-send; it must be a deployment run, since a suspended run is
# resumed by whatever serves that deployment (the serving process, or a worker of the pool).
APPROVAL_DEPLOYMENT = "approve-and-send/director-approval"

DECISION_TITLE = "Quyết định"
DECISION_HELP = "approve = Phê duyệt, gửi Chủ tịch UBND tỉnh và Ban Chỉ đạo; return = Trả lại để chỉnh sửa"
DIRECTOR_TITLE = "Người quyết định"
DIRECTOR_HELP = "Họ và tên người phê duyệt hoặc trả lại"


class Approval(RunInput):
    """The Director's decision on a draft report, entered in the Prefect UI."""

    decision: drafts.Decision = Field(title=DECISION_TITLE, description=DECISION_HELP)
    comments: str = Field(default="", title="Ý kiến", description="Ý kiến của Giám đốc (bắt buộc khi trả lại)")
    director: str = Field(title=DIRECTOR_TITLE, description=DIRECTOR_HELP)


def approval_form(director: str) -> type[Approval]:
    """The form prefilled with 'approve' and the Director's name, keeping the Vietnamese labels.

    (`RunInput.with_initial_data` would drop the fields' titles and descriptions.)
    """
    return create_model(
        "Approval",
        __base__=Approval,
        decision=(
            drafts.Decision,
            Field(default="approve", title=DECISION_TITLE, description=DECISION_HELP),
        ),
        director=(str, Field(default=director, title=DIRECTOR_TITLE, description=DIRECTOR_HELP)),
    )


@dataclass(frozen=True)
class DraftInfo:
    """The draft an approval run decides on."""

    id: int
    version: int
    state: DraftState
    round_id: int
    round_key: str
    title: str
    director: str


@dataclass(frozen=True)
class ApprovalOutcome:
    """How an approval run ended: the draft's state (None when the round had no draft)."""

    round: str
    version: int | None
    state: DraftState | None


@dataclass(frozen=True)
class Revision:
    """The new draft version built after a return, and the approval run started for it."""

    round: str
    version: int | None
    approval_run: str | None


@task(
    name="prepare-draft",
    retries=DB_RETRIES,
    retry_delay_seconds=DB_RETRY_DELAYS,
    retry_condition_fn=transient_db_error,
)
def prepare_draft(round_key: str, version: int | None) -> DraftInfo | None:
    """The draft to decide on, submitted for approval if it was a fresh draft (idempotent); None if there is none."""
    with session() as s:
        rnd = round_by_key(session=s, key=round_key)
        assert rnd.id is not None
        draft = drafts.draft_version(session=s, round_id=rnd.id, version=version)
        if draft is None:
            return None
        drafts.submit_for_approval(session=s, draft=draft)
        assert draft.id is not None
        return DraftInfo(
            id=draft.id,
            version=draft.version,
            state=DraftState(draft.state),
            round_id=rnd.id,
            round_key=rnd.key,
            title=rnd.title,
            director=drafts.director_name(session=s, plan_id=rnd.plan_id),
        )


@task(name="publish-draft", retries=SERVER_RETRIES, retry_delay_seconds=SERVER_RETRY_DELAYS)
def publish_draft(draft_id: int) -> str:
    """The draft as a markdown artifact (key `approval-{round}`) with how to decide, and links to its files."""
    settings = get_settings()
    with session(settings) as s:
        draft = drafts.get_draft(session=s, draft_id=draft_id)
        rnd = s.get(Round, draft.round_id)
        assert rnd is not None
        body = ""
        if draft.markdown_path:
            path = Path(draft.markdown_path)
            path = path if path.is_absolute() else settings.data_dir / path
            if path.exists():
                body = path.read_text(encoding="utf-8")
        header = [
            f"# Chờ phê duyệt: {rnd.title} (dự thảo lần {draft.version})",
            "",
            "Giám đốc Sở mở lần chạy này, bấm **Resume**, chọn *approve* (phê duyệt và gửi) hoặc "
            "*return* (trả lại, ghi ý kiến), điền họ tên rồi xác nhận.",
            "",
        ]
        if draft.comments and draft.version > 1:
            header += [f"> Ý kiến lần trước: {draft.comments}", ""]
        key = artifact_key("approval", rnd.key)
        create_markdown_artifact(
            markdown="\n".join(header) + "\n---\n\n" + body,
            key=key,
            description=f"Dự thảo lần {draft.version} — {rnd.title}",
        )
        publish_draft_links(rnd.key, draft)
        return key


@task(
    name="record-decision",
    retries=DB_RETRIES,
    retry_delay_seconds=DB_RETRY_DELAYS,
    retry_condition_fn=transient_db_error,
)
def record_decision(
    draft_id: int, decision: drafts.Decision, comments: str, director: str, now: dt.datetime
) -> DraftState:
    """Write the Director's decision on the draft (once; a second call changes nothing)."""
    with session() as s:
        draft = drafts.get_draft(session=s, draft_id=draft_id)
        return drafts.record_decision(
            session=s, draft=draft, decision=decision, comments=comments, director=director, now=now
        )


@task(
    name="queue-report",
    retries=DB_RETRIES,
    retry_delay_seconds=DB_RETRY_DELAYS,
    retry_condition_fn=transient_db_error,
)
def queue_report(draft_id: int, now: dt.datetime) -> int:
    """Put the approved report, with its .docx, in the outbox for the Chairman and the Steering Committee."""
    from notifications.notices import enqueue_report

    settings = get_settings()
    with session(settings) as s:
        row = enqueue_report(session=s, settings=settings, draft_id=draft_id, now=now)
        assert row.id is not None
        return row.id


@task(
    name="close-round",
    retries=DB_RETRIES,
    retry_delay_seconds=DB_RETRY_DELAYS,
    retry_condition_fn=transient_db_error,
)
def close_round(draft_id: int, now: dt.datetime) -> bool:
    """Once the report has left: draft sent, round closed, both in the audit log. False while it has not left."""
    with session() as s:
        draft = drafts.get_draft(session=s, draft_id=draft_id)
        if drafts.mark_sent(session=s, draft=draft, now=now):
            return True
        get_run_logger().warning(
            "The report of round %d has not left yet (%s); the daily run will try again",
            draft.round_id,
            [str(st) for st in drafts.report_states(session=s, round_id=draft.round_id)],
        )
        return False


@task(name="start-approval", retries=SERVER_RETRIES, retry_delay_seconds=SERVER_RETRY_DELAYS)
def start_approval(round_key: str, version: int, now: dt.datetime | None = None) -> str | None:
    """Start one approve-and-send run for this draft version (the server refuses a second one); its id."""
    from prefect.deployments import run_deployment

    try:
        run: FlowRun = run_deployment(  # type: ignore[assignment]  # sync_compatible: a FlowRun when called from sync code
            APPROVAL_DEPLOYMENT,
            parameters={"round_key": round_key, "version": version, "now": now.isoformat() if now else None},
            timeout=0,
            as_subflow=False,
            idempotency_key=f"approve-{round_key}-v{version}",
            flow_run_name=f"approval {round_key} v{version}",
        )
    except ObjectNotFound:
        get_run_logger().warning(
            "Deployment %s is not registered: start approve-and-send for %s v%d by hand",
            APPROVAL_DEPLOYMENT,
            round_key,
            version,
        )
        return None
    get_run_logger().info("Approval of %s v%d waits in flow run %s", round_key, version, run.id)
    return str(run.id)


def send_approved(draft_id: int, round_id: int, now: dt.datetime) -> bool:
    """Queue, deliver and record the approved report; True once the round is closed."""
    queue_report(draft_id, now)
    deliver_outbox(now)
    closed = close_round(draft_id, now)
    publish_round_status(round_id)
    return closed


def _run_name() -> str:
    params = flow_run.parameters
    version = params.get("version")
    return f"approval {params['round_key']}" + (f" v{version}" if version else "")


@flow(name="approve-and-send", flow_run_name=_run_name)
def approve_and_send(round_key: str, version: int | None = None, now: dt.datetime | None = None) -> ApprovalOutcome:
    """Publish the draft, wait for the Director's decision (approve, or return with comments), then send or hand back."""
    log = get_run_logger()
    draft = prepare_draft(round_key, version)
    if draft is None:
        log.warning("Round %s has no draft report yet: run consolidate-round first", round_key)
        return ApprovalOutcome(round=round_key, version=None, state=None)
    if draft.state == DraftState.awaiting_approval:
        publish_draft(draft.id)
        answer = cast(
            Any,
            suspend_flow_run(wait_for_input=approval_form(draft.director), key=f"draft-{draft.id}", timeout=None),
        )
        state = record_decision(draft.id, answer.decision, answer.comments, answer.director, resolve_now(now))
        log.info("Decision on %s v%d by %s: %s", round_key, draft.version, answer.director, answer.decision)
    else:
        state = draft.state
    if state in (DraftState.approved, DraftState.sent):
        state = DraftState.sent if send_approved(draft.id, draft.round_id, resolve_now(now)) else state
    else:
        publish_round_status(draft.round_id)
    return ApprovalOutcome(round=round_key, version=draft.version, state=state)


@flow(name="revise-report", flow_run_name="revise {round_key}")
def revise_report(round_key: str, now: dt.datetime | None = None) -> Revision:
    """After the Director returned a draft: build a new version (consolidate-round) and send it back for approval.

    Refused while the newest draft awaits the decision or is approved (`models.drafts.ensure_can_revise`).
    """
    consolidate_round(round_key=round_key, now=resolve_now(now))
    version = find_latest_version(round_key)
    run_id = start_approval(round_key, version, now) if version else None
    return Revision(round=round_key, version=version, approval_run=run_id)


@task(
    name="find-latest-version",
    retries=DB_RETRIES,
    retry_delay_seconds=DB_RETRY_DELAYS,
    retry_condition_fn=transient_db_error,
)
def find_latest_version(round_key: str) -> int | None:
    """The newest draft version of a round, or None."""
    with session() as s:
        rnd = round_by_key(session=s, key=round_key)
        assert rnd.id is not None
        draft = drafts.latest_draft(session=s, round_id=rnd.id)
        return draft.version if draft else None
