"""The assignment notice: gather an agency's tasks and the year's reporting calendar."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from models.plan import RoundKind
from models.plandoc import PlanDocument
from models.rounds import task_order
from models.settings import Settings
from models.tables import (
    Agency,
    OutboundMessage,
    Plan,
    Round,
    Task,
    TaskAgency,
)
from notifications import addressing, keys
from notifications.notices.common import (
    Notice,
    agency_ctx,
    base_ctx,
    deadline_text,
    fetch,
    focal_points,
    tasks_ctx,
    write_notice,
)


def enqueue_assignment(
    *, session: Session, settings: Settings, plan_id: int, agency_id: int, now: dt.datetime
) -> OutboundMessage:
    """The assignment notice: the agency's tasks and the year's reporting calendar."""
    plan = fetch(session, Plan, plan_id)
    agency = fetch(session, Agency, agency_id)
    tasks = list(
        session.exec(
            select(Task)
            .join(TaskAgency, col(TaskAgency.task_id) == Task.id)
            .where(TaskAgency.agency_id == agency.id, Task.active)
        )
    )
    rounds = [
        r
        for r in session.exec(select(Round).where(Round.plan_id == plan.id).order_by(col(Round.due_at)))
        if r.kind != RoundKind.ad_hoc and (r.roster_codes is None or agency.code in r.roster_codes)
    ]
    ctx = base_ctx(plan, settings, now) | {
        "agency": agency_ctx(agency),
        "tasks": tasks_ctx(sorted(tasks, key=lambda t: task_order(t.key))),
        "rounds": [
            {
                "title": r.title,
                "deadline_text": deadline_text(r.due_at, settings.timezone),
                "cutoff_start": r.cutoff_start,
                "cutoff_end": r.cutoff_end,
            }
            for r in rounds
        ],
        # Section III (funding) is usually one of the agency's tasks already; repeat it only when it is not.
        "funding_text": None
        if any(t.section.startswith("III") for t in tasks)
        else (funding.text if (funding := PlanDocument.of(plan).funding) else None),
    }
    return write_notice(
        session=session,
        settings=settings,
        now=now,
        notice=Notice(
            key=keys.assignment_key(plan.key, agency.code),
            kind="assignment",
            template="assignment",
            context=ctx,
            to=focal_points(session, agency),
            reply_to=addressing.general_reply_address(settings=settings),
            agency_id=agency.id,
        ),
    )
