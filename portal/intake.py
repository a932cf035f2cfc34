"""From a parsed upload form to a recorded submission, through the same file checks and recording as an email reply."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from inbound.attachments import (
    ALLOWED_LABEL,
    MEDIA_TYPES,
    FileRefused,
    FileSink,
    StoredFile,
    kind_from_name,
    save_attachment,
    stored_path,
)
from inbound.files import remove_if_unreferenced
from inbound.formreader import ReturnedForm, merge_forms, read_returned_form
from inbound.parsing import storable
from inbound.recording import ReplyIn, record_reply
from models.db import session_scope
from models.settings import Settings
from models.submissions import ItemIn, NotOnRoster, RoundLocked
from models.tables import Agency, Attachment, Channel, Round, Submission, SubmissionItem, Task
from models.tokens import RoundAgency
from portal.uploadform import UploadForm
from portal.wording import size_label

__all__ = ["Entry", "FileRefused", "NotOnRoster", "RoundLocked", "entry_of", "record"]

KINDS = ("results", "difficulties", "proposals")
NIL_LABEL = "Không có nội dung phát sinh trong kỳ báo cáo"
RECORD_ATTEMPTS = 3


@dataclass
class Entry:
    """What the agency wrote, ready for recording, or the reason it cannot be recorded."""

    items: list[ItemIn] = field(default_factory=list)
    general: str = ""
    is_nil: bool = False
    contact_name: str | None = None
    contact_phone: str | None = None
    problem: str | None = None


def _clean(value: str) -> str:
    return storable(value).strip()


def entry_of(form: UploadForm, *, tasks: list[Task], max_text_chars: int) -> Entry:
    """The items of the form for the agency's tasks (blank tasks left out), its nil choice and contact, or a problem."""
    entry = Entry(
        is_nil=form.text("nil") == "1",
        contact_name=_clean(form.text("contact_name"))[:200] or None,
        contact_phone=_clean(form.text("contact_phone"))[:40] or None,
    )
    for value in form.fields.values():
        if len(value) > max_text_chars:
            entry.problem = (
                f"Nội dung một ô nhập dài quá {max_text_chars} ký tự; xin rút gọn hoặc gửi bằng tệp đính kèm."
            )
            return entry
    for task in tasks:
        texts = {kind: _clean(form.text(f"{kind}:{task.key}")) for kind in KINDS}
        if any(texts.values()):
            entry.items.append(ItemIn(task_key=task.key, **texts))
    entry.general = _clean(form.text("general"))
    if entry.is_nil and (entry.items or entry.general or form.files):
        entry.problem = (
            f"Đã chọn “{NIL_LABEL}” nhưng biểu mẫu vẫn có nội dung hoặc tệp đính kèm. "
            "Xin bỏ chọn ô này, hoặc xóa nội dung rồi gửi lại."
        )
    elif not entry.is_nil and not entry.items and not entry.general and not form.files:
        entry.problem = f"Biểu mẫu chưa có nội dung. Xin nhập kết quả, đính kèm tệp, hoặc chọn “{NIL_LABEL}”."
    return entry


def open_sink(settings: Settings, name: str, media_type: str) -> FileSink:
    """Start receiving one uploaded file; the shared checks refuse a disallowed name at once."""
    return FileSink(settings=settings, original_name=name)


def close_sink(sink: FileSink) -> StoredFile:
    """Finish a file: its content is checked and it is stored under its sha256."""
    return sink.finish()


def discard_sink(item: FileSink | StoredFile, *, settings: Settings, engine: sa.Engine) -> None:
    """Drop a file of a refused form at once: a partial file, or a stored one no attachment row refers to."""
    if isinstance(item, FileSink):
        item.abort()
        return
    remove_if_unreferenced(settings=settings, engine=engine, stored=item)


def discard_all(items: list, *, settings: Settings, engine: sa.Engine) -> None:
    """Drop every file of a form that will not be recorded."""
    for item in items:
        discard_sink(item, settings=settings, engine=engine)


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
        f"mỗi tệp không quá {size_label(limits.max_file_bytes)}."
    )


def allowed_extensions() -> str:
    """The file name extensions the shared rules accept, comma-separated (for the page's own check)."""
    candidates = [*MEDIA_TYPES, "jpeg", "jpe"]
    return ",".join(ext for ext in candidates if kind_from_name(f"x.{ext}"))


def allowed_types_label() -> str:
    """The allowed file types, as the email side states them."""
    return ALLOWED_LABEL


def _forms_in(settings: Settings, files: list[StoredFile], *, round_key: str, agency_code: str) -> ReturnedForm | None:
    """The planflow report forms among the uploaded .docx files that name this round and agency."""
    forms = []
    for stored in files:
        if stored.kind != "docx":
            continue
        form = read_returned_form(stored_path(settings=settings, stored=stored))
        if form is None:
            continue
        if form.round_key is not None and (form.round_key.lower(), (form.agency_code or "").upper()) != (
            round_key.lower(),
            agency_code.upper(),
        ):
            continue  # another round's or agency's form: kept as a plain attachment
        forms.append(form)
    return merge_forms(forms)


def items_of(entry: Entry, form: ReturnedForm | None) -> tuple[list[ItemIn], str | None, str | None]:
    """Items, contact name and phone as the email side would derive them.

    Typed task items win; tasks left blank on the page take an uploaded planflow form's text. The
    general text is the body of the report: kept as `body_text`, and an item of its own only when no
    form was uploaded (an email reply with a form likewise records the form's items, not its body).
    """
    items = list(entry.items)
    if form is not None and not entry.is_nil:
        typed = {item.task_key for item in items}
        items += [item for item in form.items if item.task_key not in typed]
    elif entry.general:
        items.append(ItemIn(task_key=None, results=entry.general))
    name = entry.contact_name or (form.contact_name if form else None)
    phone = entry.contact_phone or (form.contact_phone if form else None)
    return items, name, phone


@dataclass(frozen=True)
class Recorded:
    """The version an upload became, or `locked` when the round refused it."""

    version: int | None
    locked: bool = False
    replay: bool = False  # identical to the latest version: nothing new recorded, no receipt


def record(
    *,
    settings: Settings,
    engine: sa.Engine,
    link: RoundAgency,
    entry: Entry,
    files: list[StoredFile],
    received_at: dt.datetime,
) -> Recorded:
    """Save the files as attachments and record the reply through the channel-independent `record_reply` (receipt queued)."""
    attempts_left = RECORD_ATTEMPTS
    while True:
        try:
            return _record_once(
                settings=settings, engine=engine, link=link, entry=entry, files=files, received_at=received_at
            )
        except IntegrityError:
            # Two versions of one agency recorded at the same instant collide on the version number: take the next one.
            attempts_left -= 1
            if not attempts_left:
                raise


def _record_once(
    *,
    settings: Settings,
    engine: sa.Engine,
    link: RoundAgency,
    entry: Entry,
    files: list[StoredFile],
    received_at: dt.datetime,
) -> Recorded:
    with session_scope(engine) as session:
        round = session.get(Round, link.round_id)
        agency = session.get(Agency, link.agency_id)
        if round is None or agency is None:  # the link was checked against the roster a moment ago
            raise NotOnRoster(f"round {link.round_id} or agency {link.agency_id} is gone")
        items, contact_name, contact_phone = items_of(
            entry, _forms_in(settings, files, round_key=round.key, agency_code=agency.code)
        )
        latest = _same_as_latest(session, link=link, plan_id=round.plan_id, entry=entry, items=items, files=files)
        if latest is not None:
            return Recorded(version=latest, replay=True)
        attachments = [save_attachment(session=session, stored=stored) for stored in files]
        attachment_ids: list[int] = []
        for row in attachments:
            assert row.id is not None  # save_attachment flushes, so each row has its id
            attachment_ids.append(row.id)
        reply = ReplyIn(
            round_id=link.round_id,
            agency_id=link.agency_id,
            channel=Channel.upload,
            received_at=received_at,
            items=items,
            is_nil=entry.is_nil,
            body_text=entry.general or None,
            contact_name=contact_name,
            contact_phone=contact_phone,
            attachment_ids=attachment_ids,
            actor="upload",
        )
        outcome = record_reply(session=session, settings=settings, reply_in=reply, now=received_at)
        if outcome.locked:
            for row in attachments:
                session.delete(row)
            return Recorded(version=None, locked=True)
        assert outcome.recorded is not None  # a reply outcome that is not locked always carries the recorded version
        return Recorded(version=outcome.recorded.version)


def _same_as_latest(
    session, *, link: RoundAgency, plan_id: int, entry: Entry, items: list[ItemIn], files: list[StoredFile]
) -> int | None:
    """The latest version's number when this upload is an exact replay of it (same text, choice and files)."""
    latest = session.exec(
        select(Submission)
        .where(Submission.round_id == link.round_id, Submission.agency_id == link.agency_id)
        .order_by(col(Submission.version).desc())
    ).first()
    if latest is None or latest.channel != Channel.upload:
        return None
    if (latest.is_nil, latest.body_text or None) != (entry.is_nil, entry.general or None):
        return None
    task_ids = {t.key: t.id for t in session.exec(select(Task).where(Task.plan_id == plan_id))}
    wanted = sorted(
        ((task_ids.get(i.task_key) or 0) if i.task_key else 0, i.results or "", i.difficulties or "", i.proposals or "")
        for i in items
    )
    stored_items = session.exec(select(SubmissionItem).where(SubmissionItem.submission_id == latest.id)).all()
    have = sorted((i.task_id or 0, i.results or "", i.difficulties or "", i.proposals or "") for i in stored_items)
    if wanted != have:
        return None
    shas = session.exec(select(Attachment.sha256).where(Attachment.submission_id == latest.id)).all()
    if sorted(shas) != sorted(f.sha256 for f in files):
        return None
    return latest.version
