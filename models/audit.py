"""The audit log: one row for every status change, with who or what made it."""

from __future__ import annotations

from sqlmodel import Session, select

from models.tables import AuditLog


def audit(
    *,
    session: Session,
    actor: str,
    action: str,
    round_id: int | None = None,
    agency_id: int | None = None,
    old_status: str | None = None,
    new_status: str | None = None,
    detail: dict | None = None,
) -> AuditLog:
    """Append one entry to the audit log (in the caller's transaction)."""
    entry = AuditLog(
        actor=actor,
        action=action,
        round_id=round_id,
        agency_id=agency_id,
        old_status=str(old_status) if old_status is not None else None,
        new_status=str(new_status) if new_status is not None else None,
        detail=detail or {},
    )
    session.add(entry)
    return entry


# The audit action that records a reminder step passed over (out of date when the run caught up).
SKIPPED_REMINDER = "reminder_skipped"


def skipped_reminders(*, session: Session, round_id: int) -> set[tuple[str, str]]:
    """(agency code, step) of every reminder of a round recorded as skipped."""
    rows = session.exec(
        select(AuditLog).where(AuditLog.round_id == round_id, AuditLog.action == SKIPPED_REMINDER)
    ).all()
    return {(str(r.detail.get("agency")), str(r.detail.get("step"))) for r in rows}


def record_skipped_reminder(
    *, session: Session, round_id: int, agency_id: int, agency_code: str, step: str, reason: str | None
) -> AuditLog:
    """Record that a reminder step was passed over, so that it is never sent late."""
    return audit(
        session=session,
        actor="system",
        action=SKIPPED_REMINDER,
        round_id=round_id,
        agency_id=agency_id,
        detail={"agency": agency_code, "step": step, "reason": reason},
    )
