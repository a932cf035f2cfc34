"""From a parsed upload form to a recorded submission, through the same file checks and recording as an email reply."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from inbound.attachments import ALLOWED_LABEL, FileRefused, FileSink, StoredFile
from models.settings import Settings
from models.submissions import ItemIn, NotOnRoster, RoundLocked
from models.tables import Task
from models.tokens import RoundAgency
from notifications.vietnamese import file_size
from portal.uploadform import UploadForm

__all__ = ["Entry", "FileRefused", "NotOnRoster", "RoundLocked", "entry_of", "record"]

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



def open_sink(settings: Settings, name: str, media_type: str) -> FileSink:
    """Start receiving one uploaded file; the shared checks refuse a disallowed name at once."""
    return FileSink(settings=settings, original_name=name)


def close_sink(sink: FileSink) -> StoredFile:
    """Finish a file: its content is checked and it is stored under its sha256."""
    return sink.finish()


def discard_sink(item: FileSink | StoredFile) -> None:
    """Drop a file of a refused form: a partial file is deleted; a stored one stays (content-addressed, maybe shared)."""
    if isinstance(item, FileSink):
        item.abort()


def discard_all(items: list) -> None:
    """Drop every file of a form that will not be recorded."""
    for item in items:
        discard_sink(item)


def refusal_status(refusal: FileRefused) -> int:
    """413 for a file over the limit, 415 for a type or content refusal."""
    return 413 if refusal.reason_code == "too_large" else 415


def refusal_message(refusal: FileRefused) -> str:
    """The Vietnamese reason given to the agency."""
    return refusal.reason_vi or "Tệp đính kèm không được chấp nhận."


def too_big_message(settings: Settings) -> str:
    """Why a body larger than any legitimate form is refused before it is read."""
    limits = settings.limits
    return (
        f"Dung lượng gửi lên vượt quá mức cho phép: tối đa {limits.max_files} tệp, "
        f"mỗi tệp không quá {file_size(limits.max_file_bytes)}."
    )


def allowed_types_label() -> str:
    """The allowed file types, as the email side states them."""
    return ALLOWED_LABEL
