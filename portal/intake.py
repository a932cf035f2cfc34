"""From a parsed upload form to a recorded submission, through the same file checks and recording as an email reply."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from models.submissions import ItemIn, NotOnRoster, RoundLocked
from models.tables import Task
from models.tokens import RoundAgency
from portal.uploadform import UploadForm

__all__ = ["Entry", "entry_of", "NotOnRoster", "RoundLocked"]

KINDS = ("results", "difficulties", "proposals")
NIL_LABEL = "Không có nội dung phát sinh trong kỳ báo cáo"


@dataclass
class Entry:
    """What the agency wrote, ready for recording, or the reason it cannot be recorded."""

    items: list[ItemIn] = field(default_factory=list)
    is_nil: bool = False
    contact_name: str | None = None
    contact_phone: str | None = None
    problem: str | None = None


def _clean(value: str) -> str:
    return value.strip()


def entry_of(form: UploadForm, *, tasks: list[Task], max_text_chars: int) -> Entry:
    """The items of the form for the agency's tasks (blank tasks left out), its nil choice and contact, or a problem."""
    entry = Entry(
        is_nil=form.text("nil") == "1",
        contact_name=_clean(form.text("contact_name"))[:200] or None,
        contact_phone=_clean(form.text("contact_phone"))[:40] or None,
    )
    for name, value in form.fields.items():
        if len(value) > max_text_chars:
            entry.problem = f"Nội dung một ô nhập dài quá {max_text_chars} ký tự; xin rút gọn hoặc gửi bằng tệp đính kèm."
            return entry
    for task in tasks:
        texts = {kind: _clean(form.text(f"{kind}:{task.key}")) for kind in KINDS}
        if any(texts.values()):
            entry.items.append(ItemIn(task_key=task.key, **texts))
    general = _clean(form.text("general"))
    if general:
        entry.items.append(ItemIn(task_key=None, results=general))
    if entry.is_nil and (entry.items or form.files):
        entry.problem = (
            f"Đã chọn “{NIL_LABEL}” nhưng biểu mẫu vẫn có nội dung hoặc tệp đính kèm. "
            "Xin bỏ chọn ô này, hoặc xóa nội dung rồi gửi lại."
        )
    elif not entry.is_nil and not entry.items and not form.files:
        entry.problem = f"Biểu mẫu chưa có nội dung. Xin nhập kết quả, đính kèm tệp, hoặc chọn “{NIL_LABEL}”."
    return entry


class FileRefused(Exception):
    """Placeholder until inbound.attachments exists."""


def allowed_types_label() -> str:
    """Placeholder."""
    return "PDF, DOCX"
