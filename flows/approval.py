"""Flow `approve-and-send`: publish the draft, wait (days if need be) for the Director's decision in the Prefect UI, then act.

The wait is `suspend_flow_run`: the process is freed and, on resume, the flow body runs again from
the top. Everything before the wait is therefore idempotent: the draft's state in the database says
how far the run got, artifacts are written under fixed keys, and the suspend key is the draft's id,
so the second pass gets the Director's answer instead of waiting again.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput
from prefect.runtime import flow_run
from pydantic import Field, create_model
from sqlmodel import select

from flows.common import (
    DB_RETRY,
    SERVER_RETRIES,
    SERVER_RETRY_DELAYS,
    artifact_key,
    resolve_now,
    session,
)
from flows.cycle import start_approval
from flows.delivery import deliver_outbox
from flows.status import publish_draft_links, publish_round_status
from models.audit import audit
from models.drafts import latest_draft
from models.settings import get_settings
from models.tables import (
    DraftState,
    Official,
    OfficialRole,
    OutboundMessage,
    OutboxState,
    ReportDraft,
    Round,
    RoundState,
)

DECISION = dict(
    title="Quyết định",
    description="approve = Phê duyệt, gửi Chủ tịch UBND tỉnh và Ban Chỉ đạo; return = Trả lại để chỉnh sửa",
)
DIRECTOR = dict(title="Người quyết định", description="Họ và tên người phê duyệt hoặc trả lại")


class Approval(RunInput):
    """The Director's decision on a draft report, entered in the Prefect UI."""

    decision: Literal["approve", "return"] = Field(**DECISION)
    comments: str = Field(default="", title="Ý kiến", description="Ý kiến của Giám đốc (bắt buộc khi trả lại)")
    director: str = Field(**DIRECTOR)


def approval_form(director: str) -> type[Approval]:
    """The form prefilled with 'approve' and the Director's name, keeping the Vietnamese labels.

    (`RunInput.with_initial_data` would drop the fields' titles and descriptions.)
    """
    return create_model(
        "Approval",
        __base__=Approval,
        decision=(Literal["approve", "return"], Field(default="approve", **DECISION)),
        director=(str, Field(default=director, **DIRECTOR)),
    )


def _draft_info(s, draft: ReportDraft, rnd: Round) -> dict:
    director = s.exec(
        select(Official).where(Official.plan_id == rnd.plan_id, Official.role == OfficialRole.director)
    ).first()
    return {
        "id": draft.id,
        "version": draft.version,
        "state": DraftState(draft.state).value,
        "round_id": rnd.id,
        "round_key": rnd.key,
        "title": rnd.title,
        "director": (director.name or "") if director else "",
    }


@task(name="prepare-draft", **DB_RETRY)
def prepare_draft(round_key: str, version: int | None) -> dict | None:
    """The draft to decide on, marked awaiting approval if it was a fresh draft (idempotent); None if there is none."""
    from models.rounds import round_by_key

    with session() as s:
        rnd = round_by_key(session=s, key=round_key)
        draft = (
            s.exec(select(ReportDraft).where(ReportDraft.round_id == rnd.id, ReportDraft.version == version)).first()
            if version is not None
            else latest_draft(session=s, round_id=rnd.id)
        )
        if draft is None:
            return None
        if draft.state == DraftState.draft:
            draft.state = DraftState.awaiting_approval
            audit(
                session=s,
                actor="system",
                action="draft_submitted",
                round_id=rnd.id,
                old_status="draft",
                new_status="awaiting_approval",
                detail={"version": draft.version},
            )
        return _draft_info(s, draft, rnd)


@task(name="publish-draft", retries=SERVER_RETRIES, retry_delay_seconds=SERVER_RETRY_DELAYS)
def publish_draft(draft_id: int) -> str:
    """The draft as a markdown artifact (key `approval-{round}`) with how to decide, and links to its files."""
    settings = get_settings()
    with session(settings) as s:
        draft = s.get(ReportDraft, draft_id)
        rnd = s.get(Round, draft.round_id)
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


@task(name="record-decision", **DB_RETRY)
def record_decision(draft_id: int, decision: str, comments: str, director: str, now: dt.datetime) -> str:
    """Write the Director's decision on the draft (once; a second call changes nothing)."""
    with session() as s:
        draft = s.get(ReportDraft, draft_id)
        if draft.state != DraftState.awaiting_approval:
            return DraftState(draft.state).value
        new = DraftState.approved if decision == "approve" else DraftState.returned
        draft.state, draft.comments, draft.decided_by, draft.decided_at = new, comments or None, director, now
        rnd = s.get(Round, draft.round_id)
        audit(
            session=s,
            actor=director or "director",
            action="draft_approved" if new == DraftState.approved else "draft_returned",
            round_id=rnd.id,
            old_status="awaiting_approval",
            new_status=new.value,
            detail={"version": draft.version, "comments": comments},
        )
        return new.value


@task(name="queue-report", **DB_RETRY)
def queue_report(draft_id: int, now: dt.datetime) -> int:
    """Put the approved report, with its .docx, in the outbox for the Chairman and the Steering Committee."""
    from notifications.notices import enqueue_report

    settings = get_settings()
    with session(settings) as s:
        return enqueue_report(session=s, settings=settings, draft_id=draft_id, now=now).id


@task(name="close-round", **DB_RETRY)
def close_round(draft_id: int, now: dt.datetime) -> bool:
    """Once the report has left: draft sent, round closed, both in the audit log. False while it has not left."""
    with session() as s:
        draft = s.get(ReportDraft, draft_id)
        rnd = s.get(Round, draft.round_id)
        if draft.state == DraftState.sent:
            return True
        states = s.exec(
            select(OutboundMessage.state).where(OutboundMessage.round_id == rnd.id, OutboundMessage.kind == "report")
        ).all()
        if not states or any(st != OutboxState.sent for st in states):
            get_run_logger().warning(
                "The report of %s has not left yet (%s); the daily run will try again", rnd.key, states
            )
            return False
        draft.state = DraftState.sent
        audit(
            session=s,
            actor="system",
            action="report_sent",
            round_id=rnd.id,
            old_status="approved",
            new_status="sent",
            detail={"version": draft.version},
        )
        old = rnd.state
        rnd.state, rnd.closed_at = RoundState.closed, now
        audit(
            session=s,
            actor="system",
            action="round_closed",
            round_id=rnd.id,
            old_status=old,
            new_status=RoundState.closed,
        )
        return True


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
def approve_and_send(round_key: str, version: int | None = None, now: dt.datetime | None = None) -> dict:
    """Publish the draft, wait for the Director's decision (approve, or return with comments), then send or hand back."""
    log = get_run_logger()
    draft = prepare_draft(round_key, version)
    if draft is None:
        log.warning("Round %s has no draft report yet: run consolidate-round first", round_key)
        return {"round": round_key, "state": None}
    if draft["state"] == DraftState.awaiting_approval.value:
        publish_draft(draft["id"])
        answer = suspend_flow_run(
            wait_for_input=approval_form(draft["director"]),
            key=f"draft-{draft['id']}",
            timeout=None,
        )
        state = record_decision(draft["id"], answer.decision, answer.comments, answer.director, resolve_now(now))
        log.info("Decision on %s v%d by %s: %s", round_key, draft["version"], answer.director, answer.decision)
    else:
        state = draft["state"]
    if state in (DraftState.approved.value, DraftState.sent.value):
        state = DraftState.sent.value if send_approved(draft["id"], draft["round_id"], resolve_now(now)) else state
    else:
        publish_round_status(draft["round_id"])
    return {"round": round_key, "version": draft["version"], "state": state}


@flow(name="revise-report", flow_run_name="revise {round_key}")
def revise_report(round_key: str, now: dt.datetime | None = None) -> dict:
    """After the Director returned a draft: build a new version (consolidate-round) and send it back for approval."""
    from flows.consolidate import consolidate_round
    from models.rounds import round_by_key

    with session() as s:
        current = latest_draft(session=s, round_id=round_by_key(session=s, key=round_key).id)
        if current is not None and current.state in (
            DraftState.awaiting_approval,
            DraftState.approved,
            DraftState.sent,
        ):
            # A new version now would leave the Director deciding on an outdated one.
            raise ValueError(
                f"draft v{current.version} of {round_key} is {DraftState(current.state).value}: nothing to revise"
            )
    now_given = now
    consolidate_round(round_key=round_key, now=resolve_now(now))
    with session() as s:
        draft = latest_draft(session=s, round_id=round_by_key(session=s, key=round_key).id)
        version = draft.version if draft else None
    run_id = start_approval(round_key, version, now_given) if version else None
    return {"round": round_key, "version": version, "approval_run": run_id}
