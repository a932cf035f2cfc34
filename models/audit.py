"""The audit log: one row for every status change, with who or what made it."""

from __future__ import annotations

from sqlmodel import Session

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
