"""Decide whether a sender may speak for an agency: one of its contacts' addresses, or one of its allowed domains."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from models.tables import Agency, Contact


def sender_allowed(*, session, agency_id: int, address: str | None) -> bool:
    """True when `address` is an active contact of the agency (any role) or is in one of its allowed domains."""
    if not address or "@" not in address:
        return False
    address = address.strip().lower()
    known = session.exec(
        select(Contact.id).where(
            Contact.agency_id == agency_id,
            Contact.active == True,  # noqa: E712 (a SQL expression, not a truth test)
            func.lower(Contact.email) == address,
        )
    ).first()
    if known is not None:
        return True
    agency = session.get(Agency, agency_id)
    domain = address.rsplit("@", 1)[1]
    return agency is not None and domain in {d.strip().lower().lstrip("@") for d in agency.allowed_domains or []}


def contact_for(*, session, agency_id: int, address: str | None) -> Contact | None:
    """The agency's contact row with this address, if any (for the reporter's name and phone)."""
    if not address:
        return None
    return session.exec(
        select(Contact).where(Contact.agency_id == agency_id, func.lower(Contact.email) == address.strip().lower())
    ).first()
