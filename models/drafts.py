"""Drafts of the consolidated report: the newest version of a round's draft, and the Director's decisions on it."""

from __future__ import annotations

from sqlmodel import Session, col, select

from models.tables import ReportDraft


def latest_draft(*, session: Session, round_id: int) -> ReportDraft | None:
    """The newest version of a round's consolidated report, or None before the first."""
    return session.exec(
        select(ReportDraft).where(ReportDraft.round_id == round_id).order_by(col(ReportDraft.version).desc())
    ).first()
