"""What a personal link shows: the agency, the round, its tasks, earlier versions and whom to contact."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from models.plandoc import PlanDocument
from models.rounds import tasks_for
from models.submissions import versions
from models.tables import (
    Agency,
    Attachment,
    Official,
    OfficialRole,
    Plan,
    RosterEntry,
    Round,
    RoundState,
    Submission,
    SubmissionItem,
    Task,
)
from models.tokens import RoundAgency


@dataclass(frozen=True)
class Consolidator:
    """Who an agency contacts about a round: the consolidating body and its officer."""

    body: str
    name: str | None
    email: str | None
    phone: str | None


@dataclass(frozen=True)
class ItemView:
    """One task's text in a stored version."""

    task_key: str | None
    task_text: str | None
    results: str
    difficulties: str
    proposals: str


@dataclass(frozen=True)
class VersionView:
    """One stored version of the agency's report, with its items and files."""

    submission: Submission
    items: list[ItemView]
    files: list[Attachment]


@dataclass(frozen=True)
class LinkView:
    """Everything a personal link's page shows."""

    round: Round
    agency: Agency
    entry: RosterEntry
    tasks: list[Task]
    history: list[VersionView]
    consolidator: Consolidator
    locked: bool


def is_locked(round: Round, now: dt.datetime) -> bool:
    """Whether a round no longer accepts reports at `now`: from its lock instant (late reports before it are taken)."""
    return now >= round.lock_at or round.state == RoundState.locked


def consolidator(*, session: Session, plan_id: int) -> Consolidator:
    """The consolidating body of a plan and its officer's contact details."""
    plan = session.get(Plan, plan_id)
    assert plan is not None  # plan_id comes from a round, whose foreign key guarantees the plan
    party = PlanDocument.of(plan).consolidator
    body = (party.name if party else "") or "Sở Thông tin và Truyền thông"
    officer = session.exec(
        select(Official).where(Official.plan_id == plan_id, Official.role == OfficialRole.officer)
    ).first()
    if officer is None:
        return Consolidator(body=body, name=None, email=None, phone=None)
    return Consolidator(body=body, name=officer.name, email=officer.email, phone=officer.phone)


def version_view(*, session: Session, submission: Submission) -> VersionView:
    """A stored version with its items (in task order) and its files."""
    rows = session.exec(
        select(SubmissionItem, Task)
        .join(Task, col(Task.id) == SubmissionItem.task_id, isouter=True)
        .where(SubmissionItem.submission_id == submission.id)
        .order_by(col(SubmissionItem.id))
    ).all()
    items = [
        ItemView(
            task_key=task.key if task else None,
            task_text=task.text if task else None,
            results=item.results,
            difficulties=item.difficulties,
            proposals=item.proposals,
        )
        for item, task in rows
    ]
    files = session.exec(
        select(Attachment).where(Attachment.submission_id == submission.id).order_by(col(Attachment.id))
    ).all()
    return VersionView(submission=submission, items=items, files=list(files))


def load_link(*, session: Session, link: RoundAgency, now: dt.datetime) -> LinkView | None:
    """The page of a personal link, or None when its round and agency are not a roster entry."""
    round = session.get(Round, link.round_id)
    agency = session.get(Agency, link.agency_id)
    if round is None or agency is None:
        return None
    assert round.id is not None and agency.id is not None  # both were read from the database
    entry = session.exec(
        select(RosterEntry).where(RosterEntry.round_id == round.id, RosterEntry.agency_id == agency.id)
    ).first()
    if entry is None or round.state == RoundState.planned:
        return None
    history = [
        version_view(session=session, submission=s)
        for s in versions(session=session, round_id=round.id, agency_id=agency.id)
    ]
    return LinkView(
        round=round,
        agency=agency,
        entry=entry,
        tasks=tasks_for(session=session, round_id=round.id, agency_id=agency.id),
        history=history,
        consolidator=consolidator(session=session, plan_id=round.plan_id),
        locked=is_locked(round, now),
    )
