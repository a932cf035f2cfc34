"""Drafts of the consolidated report: their states, the Director's decision, and the questions the daily run asks.

A draft moves draft → awaiting_approval (`submit_for_approval`) → approved or returned
(`record_decision`) → sent (`mark_sent`, which also closes the round). A returned draft is revised
by building the next version; `ensure_can_revise` refuses a new version while the newest one awaits
the Director or has been approved, so the Director never decides on an outdated text. Each
transition writes the audit log and is idempotent: doing it twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from sqlmodel import Session, col, select

from models.audit import audit
from models.rounds import ACTIVE_STATES, close_round
from models.tables import DraftState, Official, OfficialRole, OutboundMessage, OutboxState, ReportDraft, Round

Decision = Literal["approve", "return"]

# States of the newest draft in which a new version may be built.
REVISABLE = (DraftState.draft, DraftState.returned)
# The outbox kind of the approved report.
REPORT_KIND = "report"


class DraftNotRevisable(ValueError):
    """A new draft version was asked for while the newest one awaits the Director or has been approved."""


class UnknownDraft(LookupError):
    """No draft with that id or version."""


def latest_draft(*, session: Session, round_id: int) -> ReportDraft | None:
    """The newest version of a round's consolidated report, or None before the first."""
    return session.exec(
        select(ReportDraft).where(ReportDraft.round_id == round_id).order_by(col(ReportDraft.version).desc())
    ).first()


def draft_version(*, session: Session, round_id: int, version: int | None) -> ReportDraft | None:
    """A given version of a round's draft, or the newest when `version` is None."""
    if version is None:
        return latest_draft(session=session, round_id=round_id)
    return session.exec(
        select(ReportDraft).where(ReportDraft.round_id == round_id, ReportDraft.version == version)
    ).first()


def get_draft(*, session: Session, draft_id: int) -> ReportDraft:
    """The draft with this id."""
    draft = session.get(ReportDraft, draft_id)
    if draft is None:
        raise UnknownDraft(f"no draft with id {draft_id}")
    return draft


def can_revise(draft: ReportDraft | None) -> bool:
    """Whether a new version may be built after `draft` (the newest one, or None when there is none)."""
    return draft is None or DraftState(draft.state) in REVISABLE


def ensure_can_revise(*, session: Session, round_id: int, round_key: str) -> None:
    """Raise `DraftNotRevisable` while the newest draft of the round awaits a decision, is approved or was sent."""
    current = latest_draft(session=session, round_id=round_id)
    if not can_revise(current):
        assert current is not None
        # A new version now would leave the Director deciding on an outdated one.
        raise DraftNotRevisable(f"draft v{current.version} of {round_key} is {current.state}: nothing to revise")


def submit_for_approval(*, session: Session, draft: ReportDraft) -> bool:
    """A fresh draft goes to the Director: awaiting approval (True); any other state is left as it is."""
    if draft.state != DraftState.draft:
        return False
    draft.state = DraftState.awaiting_approval
    audit(
        session=session,
        actor="system",
        action="draft_submitted",
        round_id=draft.round_id,
        old_status=DraftState.draft,
        new_status=DraftState.awaiting_approval,
        detail={"version": draft.version},
    )
    return True


def record_decision(
    *, session: Session, draft: ReportDraft, decision: Decision, comments: str, director: str, now: dt.datetime
) -> DraftState:
    """Write the Director's decision on a draft awaiting it (once; afterwards the draft's state is returned unchanged)."""
    if draft.state != DraftState.awaiting_approval:
        return DraftState(draft.state)
    new = DraftState.approved if decision == "approve" else DraftState.returned
    draft.state, draft.comments, draft.decided_by, draft.decided_at = new, comments or None, director, now
    audit(
        session=session,
        actor=director or "director",
        action="draft_approved" if new == DraftState.approved else "draft_returned",
        round_id=draft.round_id,
        old_status=DraftState.awaiting_approval,
        new_status=new,
        detail={"version": draft.version, "comments": comments},
    )
    return new


def report_states(*, session: Session, round_id: int) -> list[OutboxState]:
    """The outbox state of every message carrying the round's approved report."""
    return [
        OutboxState(s)
        for s in session.exec(
            select(OutboundMessage.state).where(
                OutboundMessage.round_id == round_id, OutboundMessage.kind == REPORT_KIND
            )
        ).all()
    ]


def mark_sent(*, session: Session, draft: ReportDraft, now: dt.datetime) -> bool:
    """Once every message carrying the approved report has left: draft sent, round closed (True).

    False, changing nothing, while a message has not left (the daily run tries again).
    """
    if draft.state == DraftState.sent:
        return True
    states = report_states(session=session, round_id=draft.round_id)
    if not states or any(s != OutboxState.sent for s in states):
        return False
    old = draft.state
    draft.state = DraftState.sent
    audit(
        session=session,
        actor="system",
        action="report_sent",
        round_id=draft.round_id,
        old_status=old,
        new_status=DraftState.sent,
        detail={"version": draft.version},
    )
    close_round(session=session, round_id=draft.round_id, now=now)
    return True


def drafts_to_approve(*, session: Session) -> list[tuple[str, int]]:
    """(round key, version) of each round in motion whose newest draft has not yet gone to the Director."""
    out = []
    for round in session.exec(select(Round).where(col(Round.state).in_(ACTIVE_STATES)).order_by(col(Round.id))):
        assert round.id is not None
        draft = latest_draft(session=session, round_id=round.id)
        if draft is not None and draft.state == DraftState.draft:
            out.append((round.key, draft.version))
    return out


def undecided_drafts(*, session: Session) -> list[tuple[str, str, int]]:
    """(round key, round kind, version) of every draft the Director has not decided on yet (fresh or awaiting)."""
    rows = session.exec(
        select(Round.key, Round.kind, ReportDraft.version)
        .join(ReportDraft, col(ReportDraft.round_id) == Round.id)
        .where(col(ReportDraft.state).in_([DraftState.draft, DraftState.awaiting_approval]))
        .order_by(col(ReportDraft.id))
    ).all()
    return [(key, str(kind), version) for key, kind, version in rows]


def approved_drafts(*, session: Session) -> list[tuple[int, int]]:
    """(draft id, round id) of approved drafts whose report has not yet left (e.g. the mail server was down)."""
    rows = session.exec(
        select(ReportDraft.id, ReportDraft.round_id)
        .where(ReportDraft.state == DraftState.approved)
        .order_by(col(ReportDraft.id))
    ).all()
    return [(int(draft_id), round_id) for draft_id, round_id in rows if draft_id is not None]


def director_name(*, session: Session, plan_id: int) -> str:
    """The name of the plan's Director (who decides on drafts), or '' when the contacts do not give one."""
    director = session.exec(
        select(Official).where(Official.plan_id == plan_id, Official.role == OfficialRole.director)
    ).first()
    return (director.name or "") if director else ""
