"""Loading a round's recorded data from the tables into plain `RoundData` for the consolidation rules."""

from __future__ import annotations

from sqlmodel import Session, select

from models.consolidation import (
    AgencyInfo,
    AttachmentInfo,
    ContentItemInfo,
    ItemInfo,
    RosterInfo,
    RoundData,
    RoundInfo,
    SubmissionInfo,
    TaskInfo,
)
from models.plan_registry import previous_round_in_series
from models.tables import (
    Agency,
    Attachment,
    ContentItem,
    Plan,
    RosterEntry,
    Round,
    Submission,
    SubmissionItem,
    Task,
)


def _value(x) -> str:
    return str(getattr(x, "value", x))


def round_info(round: Round) -> RoundInfo:
    """The plain description of a round row."""
    return RoundInfo(
        id=round.id,
        key=round.key,
        kind=_value(round.kind),
        title=round.title,
        due_at=round.due_at,
        lock_at=round.lock_at,
        state=_value(round.state),
        cutoff_start=round.cutoff_start,
        cutoff_end=round.cutoff_end,
    )


def previous_round(*, session: Session, round: Round) -> Round | None:
    """The latest earlier round of the same kind that has opened, within the round's plan series only."""
    return previous_round_in_series(session=session, round=round)


def _load(session: Session, round: Round, *, with_content: bool) -> RoundData:
    entries = session.exec(select(RosterEntry).where(RosterEntry.round_id == round.id)).all()
    agency_rows = session.exec(select(Agency).where(Agency.plan_id == round.plan_id)).all()
    agencies = {a.id: AgencyInfo(id=a.id, code=a.code, name=a.name, short_name=a.short_name) for a in agency_rows}
    # Roster agencies of another plan (should not happen) are still named.
    for missing_id in {e.agency_id for e in entries} - set(agencies):
        a = session.get(Agency, missing_id)
        agencies[a.id] = AgencyInfo(id=a.id, code=a.code, name=a.name, short_name=a.short_name)
    # Plan order of agencies (insertion order = the plan file's order) is the order of the report.
    order = {a.id: i for i, a in enumerate(sorted(agency_rows, key=lambda a: a.id))}
    roster = [
        RosterInfo(agency_id=e.agency_id, status=_value(e.status), exempt_reason=e.exempt_reason)
        for e in sorted(entries, key=lambda e: (order.get(e.agency_id, 10**9), e.agency_id))
    ]

    subs = session.exec(
        select(Submission).where(Submission.round_id == round.id).order_by(Submission.agency_id, Submission.version)
    ).all()
    items_by_sub: dict[int, list[ItemInfo]] = {}
    files_by_sub: dict[int, list[AttachmentInfo]] = {}
    tasks: dict[int, TaskInfo] = {}
    content_items: list[ContentItemInfo] = []
    if with_content and subs:
        ids = [s.id for s in subs]
        for it in session.exec(
            select(SubmissionItem).where(SubmissionItem.submission_id.in_(ids)).order_by(SubmissionItem.id)
        ):
            items_by_sub.setdefault(it.submission_id, []).append(
                ItemInfo(
                    task_id=it.task_id,
                    results=it.results or "",
                    difficulties=it.difficulties or "",
                    proposals=it.proposals or "",
                )
            )
        for f in session.exec(select(Attachment).where(Attachment.submission_id.in_(ids)).order_by(Attachment.id)):
            files_by_sub.setdefault(f.submission_id, []).append(
                AttachmentInfo(
                    id=f.id, original_name=f.original_name, media_type=f.media_type, size=f.size, sha256=f.sha256
                )
            )
    if with_content:
        for t in session.exec(select(Task).where(Task.plan_id == round.plan_id)):
            tasks[t.id] = TaskInfo(id=t.id, key=t.key, text=t.text, content_items=tuple(t.content_items or ()))
        content_items = [
            ContentItemInfo(number=c.number, title=c.title)
            for c in session.exec(
                select(ContentItem).where(ContentItem.plan_id == round.plan_id).order_by(ContentItem.number)
            )
        ]
    submissions = [
        SubmissionInfo(
            id=s.id,
            agency_id=s.agency_id,
            version=s.version,
            channel=_value(s.channel),
            received_at=s.received_at,
            is_nil=s.is_nil,
            sender=s.sender,
            body_text=s.body_text,
            items=tuple(items_by_sub.get(s.id, ())),
            attachments=tuple(files_by_sub.get(s.id, ())),
        )
        for s in subs
    ]
    plan = session.get(Plan, round.plan_id)
    return RoundData(
        round=round_info(round),
        agencies=agencies,
        roster=roster,
        submissions=submissions,
        tasks=tasks,
        content_items=content_items,
        plan=dict(plan.document) if plan else {},
    )


def collect_round_data(*, session: Session, round_id: int) -> RoundData:
    """Everything recorded for a round (every version of every submission), plus the previous round of its kind."""
    round = session.get(Round, round_id)
    if round is None:
        raise LookupError(f"no round with id {round_id}")
    data = _load(session, round, with_content=True)
    before = previous_round(session=session, round=round)
    if before is not None:
        data.previous = _load(session, before, with_content=False)
    return data
