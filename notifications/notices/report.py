"""The approved consolidated report to the Chairman and the Steering Committee: gather recipients, statistics and the .docx."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlmodel import Session

from models.rounds import roster
from models.settings import Settings
from models.statistics import tally
from models.tables import (
    OfficialRole,
    OutboundMessage,
    Plan,
    ReportDraft,
    Round,
)
from notifications import addressing, keys
from notifications.compose import DOCX, FileAttachment
from notifications.notices.common import (
    NoRecipient,
    Notice,
    base_ctx,
    fetch,
    id_of,
    official,
    round_ctx,
    write_notice,
)


def report_filename(r: Round, version: int) -> str:
    """The attachment name of the consolidated report."""
    title = r.title if len(r.title) <= 100 else r.title[:99].rstrip() + "…"
    return f"Báo cáo {title}" + (f" (bản {version})" if version > 1 else "") + ".docx"


def enqueue_report(
    *, session: Session, settings: Settings, draft_id: int, now: dt.datetime, docx: bytes | None = None
) -> OutboundMessage:
    """The consolidated report to the Chairman and the Steering Committee (officer in copy), the .docx attached."""
    draft = fetch(session, ReportDraft, draft_id)
    r = fetch(session, Round, draft.round_id)
    plan = fetch(session, Plan, r.plan_id)
    chairman = official(session, plan.id, OfficialRole.chairman)
    committee = official(session, plan.id, OfficialRole.steering_committee)
    officer = official(session, plan.id, OfficialRole.officer)
    to_people = [p for p in (chairman, committee) if p is not None]
    if not to_people:
        raise NoRecipient("the plan has neither a Chairman nor a Steering Committee address")
    if docx is None:
        docx = (Path(settings.data_dir) / draft.docx_path).read_bytes()
    counted = tally(e.status for e, _ in roster(session=session, round_id=id_of(r)))
    stats = (
        {
            "expected": counted.required,
            "reported": counted.actual,
            "on_time": counted.on_time,
            "late": counted.late,
            "nil": counted.nil,
            "missing": counted.not_reported,
        }
        if counted.required
        else None
    )
    filename = report_filename(r, draft.version)
    default_names = {
        OfficialRole.chairman: "Chủ tịch Ủy ban nhân dân tỉnh",
        OfficialRole.steering_committee: "Ban Chỉ đạo công tác thông tin đối ngoại tỉnh",
    }
    ctx = base_ctx(plan, settings, now) | {
        "round": round_ctx(r, settings),
        "version": draft.version,
        "filename": filename,
        "stats": stats,
        "recipients_names": [p.name or default_names[p.role] for p in to_people],
        "approved_by": draft.decided_by,
        "approved_at": draft.decided_at,
    }
    return write_notice(
        session=session,
        settings=settings,
        now=now,
        notice=Notice(
            key=keys.report_key(r.key, draft.version),
            kind="report",
            template="report",
            context=ctx,
            to=[addressing.mailbox(p.name, p.email) for p in to_people],
            cc=[addressing.mailbox(officer.name, officer.email)] if officer else [],
            attachments=[FileAttachment(filename, docx, *DOCX)],
            round_id=r.id,
        ),
    )
