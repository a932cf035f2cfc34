"""The report request of a round: gather the tasks, deadline, reply address, upload link, .ics and prefilled form."""

from __future__ import annotations

import datetime as dt
import mimetypes
from collections.abc import Sequence
from pathlib import Path

from sqlmodel import Session

from models.rounds import tasks_for
from models.settings import Settings
from models.tables import (
    Agency,
    OutboundMessage,
    Plan,
    Round,
)
from notifications import keys
from notifications.calendar_invite import deadline_attachment, deadline_calendar
from notifications.compose import DOCX, FileAttachment
from notifications.notices.common import (
    ICS_FILENAME,
    Notice,
    agency_ctx,
    base_ctx,
    existing,
    fetch,
    focal_points,
    id_of,
    issuer,
    reply_ctx,
    round_ctx,
    round_timing,
    tasks_ctx,
    write_notice,
)
from notifications.reportform import FormTask, build_form


def enqueue_request(
    *,
    session: Session,
    settings: Settings,
    round_id: int,
    agency_id: int,
    now: dt.datetime,
    extra_files: Sequence[Path] = (),
) -> OutboundMessage:
    """The report request of a round: tasks, deadline, reply address, upload link, .ics, prefilled .docx, and any extra files."""
    r = fetch(session, Round, round_id)
    plan = fetch(session, Plan, r.plan_id)
    agency = fetch(session, Agency, agency_id)
    written = existing(session=session, key=keys.request_key(r.key, agency.code))
    if written is not None:  # the form and calendar entry are not built again for nothing
        return written
    tasks = tasks_for(session=session, round_id=id_of(r), agency_id=id_of(agency))
    reply = reply_ctx(session, settings, r, agency)
    timing = round_timing(r, settings, now)
    ctx = (
        base_ctx(plan, settings, now)
        | reply
        | timing
        | {
            "agency": agency_ctx(agency),
            "round": round_ctx(r, settings),
            "tasks": tasks_ctx(tasks),
            "cutoff_start": r.cutoff_start,
            "cutoff_end": r.cutoff_end,
            "instructions": r.instructions,
            "ics_filename": ICS_FILENAME,
        }
    )
    key = keys.request_key(r.key, agency.code)
    ics = deadline_calendar(
        uid=f"{r.key}.{agency.code}@{settings.smtp.reply_domain}",
        summary=f"Hạn gửi báo cáo: {r.title}",
        description=f"{agency.name}: gửi báo cáo {timing['deadline_text']}.\nTrả lời tới: {reply['reply_address']}\nTải lên: {reply['upload_url']}",
        due_at=r.due_at,
        tz=settings.timezone,
        now=now,
        url=reply["upload_url"],
        organizer=settings.smtp.from_address,
    )
    form = build_form(
        round_key=r.key,
        round_title=r.title,
        agency_code=agency.code,
        agency_name=agency.name,
        due_text=timing["deadline_text"],
        tasks=[FormTask(t.key, t.section, t.text) for t in tasks],
        issuer=issuer(plan),
    )
    return write_notice(
        session=session,
        settings=settings,
        now=now,
        notice=Notice(
            key=key,
            kind="request",
            template="request",
            context=ctx,
            to=focal_points(session, agency),
            reply_to=reply["reply_address"],
            attachments=[
                FileAttachment(reply["form_filename"], form, *DOCX),
                deadline_attachment(ics, filename=ICS_FILENAME),
            ]
            + [file_attachment(path) for path in extra_files],
            round_id=r.id,
            agency_id=agency.id,
        ),
    )


def file_attachment(path: Path) -> FileAttachment:
    """A file from disk (e.g. the officer's attachment to an ad-hoc request), typed by its name."""
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    maintype, subtype = media_type.split("/", 1)
    return FileAttachment(path.name, Path(path).read_bytes(), maintype, subtype)
