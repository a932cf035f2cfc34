"""Read a returned planflow report form (.docx) back into per-task items; anything else stays a plain attachment."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from inbound.parsing import storable
from models.submissions import ItemIn
from notifications.reportform import FormContent, NotAForm, read_form


@dataclass
class ReturnedForm:
    """The items of every planflow form found in one reply, with the round and agency its markers name."""

    round_key: str | None = None
    agency_code: str | None = None
    items: list[ItemIn] = field(default_factory=list)
    contact_name: str | None = None
    contact_phone: str | None = None


def read_returned_form(data: bytes | Path) -> FormContent | None:
    """The filled form in a .docx, or None when it is not a planflow form or cannot be read (never raises).

    The reader is bounded (two parts only, streamed, size- and depth-capped): see `read_form`.
    """
    try:
        return read_form(data)
    except NotAForm:
        return None
    except Exception:  # a damaged document is kept as an attachment, not read
        return None


def merge_forms(forms: list[FormContent]) -> ReturnedForm | None:
    """One set of items from the forms of a reply (usually one), or None when there is none."""
    if not forms:
        return None
    merged = ReturnedForm(round_key=forms[0].round_key, agency_code=forms[0].agency_code)
    for form in forms:
        merged.contact_name = merged.contact_name or (storable(form.contact_name)[:200] or None)
        merged.contact_phone = merged.contact_phone or (storable(form.contact_phone)[:40] or None)
        for item in form.items:
            merged.items.append(
                ItemIn(
                    task_key=storable(item.task_key)[:100] if item.task_key else None,
                    results=storable(item.results),
                    difficulties=storable(item.difficulties),
                    proposals=storable(item.proposals),
                )
            )
    return merged
