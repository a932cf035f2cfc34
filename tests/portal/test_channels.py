"""One recording for every channel: the same report sent by email and uploaded through the portal is stored the same way."""

from __future__ import annotations

import email.utils
from email.message import EmailMessage

import httpx
from sqlmodel import col, select

from inbound.ingest import ingest_raw
from models.db import session_scope
from models.rounds import tasks_for
from models.submissions import versions
from models.tables import Attachment, Channel, Contact, ContactRole, OutboundMessage, Submission, SubmissionItem, Task
from notifications import addressing
from notifications.reportform import FormTask, build_form
from portal.wording import deadline_phrase
from tests.portal.documents import filled_form, pdf_bytes
from tests.portal.harness import Portal

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BODY = "Kính gửi Sở Thông tin và Truyền thông,\nĐơn vị gửi báo cáo 6 tháng đầu năm 2018 kèm theo thư này."


def _essence(session, submission: Submission) -> dict:
    items = session.exec(
        select(SubmissionItem, Task)
        .join(Task, col(Task.id) == col(SubmissionItem.task_id), isouter=True)
        .where(SubmissionItem.submission_id == submission.id)
    ).all()
    files = session.exec(select(Attachment).where(Attachment.submission_id == submission.id)).all()
    receipt = session.exec(
        select(OutboundMessage).where(OutboundMessage.idempotency_key == f"receipt:{submission.id}")
    ).one()
    return {
        "status": submission.status,
        "is_nil": submission.is_nil,
        "received_at": submission.received_at,
        "body_text": submission.body_text,
        "contact": (submission.contact_name, submission.contact_phone),
        "items": sorted((t.key if t else None, i.results, i.difficulties, i.proposals) for i, t in items),
        "files": sorted((a.original_name, a.safe_name, a.sha256, a.size, a.media_type) for a in files),
        "receipt_to": sorted(receipt.recipients),
    }


def test_an_upload_and_an_email_reply_with_the_same_content_are_recorded_alike(portal: Portal, client: httpx.Client):
    with session_scope(portal.engine) as session:
        tasks = tasks_for(session=session, round_id=portal.round_id, agency_id=portal.agency_id)
        focal = session.exec(
            select(Contact).where(
                Contact.agency_id == portal.agency_id, Contact.role == ContactRole.focal_point, Contact.active
            )
        ).first()
        assert focal is not None
        reply_to = addressing.reply_address(
            settings=portal.settings, round_id=portal.round_id, agency_id=portal.agency_id
        )
    form = build_form(
        round_key=portal.round.key,
        round_title=portal.round.title,
        agency_code=portal.agency.code,
        agency_name=portal.agency.name,
        due_text=deadline_phrase(portal.round.due_at, portal.settings.timezone),
        tasks=[FormTask(key=t.key, section=t.section, text=t.text) for t in tasks],
        issuer="Sở Thông tin và Truyền thông",
    )
    k0, k1 = portal.task_keys[:2]
    filled = filled_form(
        form,
        {
            k0: {
                "results": "Đã tổ chức 3 hội nghị; đăng 45 tin, bài.",
                "difficulties": "Thiếu cán bộ.",
                "proposals": "Mở lớp tập huấn.",
            },
            k1: {"results": "Theo dõi 12 đoàn phóng viên nước ngoài."},
        },
        contact=("Nguyễn Thị Lan", "0270 3822 123"),
    )
    pdf = pdf_bytes()

    message = EmailMessage()
    message["From"] = focal.email
    message["To"] = reply_to
    message["Subject"] = f"Re: {addressing.subject_tag(portal.round.key, portal.agency.code)} Báo cáo 6 tháng"
    message["Date"] = email.utils.format_datetime(portal.clock.now)
    message["Message-ID"] = email.utils.make_msgid(domain="ca.vinhlong.example")
    message.set_content(BODY)
    message.add_attachment(filled, maintype="application", subtype=DOCX.split("/")[1], filename="bao-cao.docx")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename="phu-luc.pdf")
    result = ingest_raw(
        engine=portal.engine,
        settings=portal.settings,
        raw=message.as_bytes(),
        now=portal.clock.now,
        server_received_at=portal.clock.now,
    )
    assert result.disposition == "recorded", result

    response = client.post(
        f"/u/{portal.token()}",
        data={"csrf": portal.csrf(), "general": BODY},
        files=[("files", ("bao-cao.docx", filled, DOCX)), ("files", ("phu-luc.pdf", pdf, "application/pdf"))],
    )
    assert response.status_code == 200, response.text

    with session_scope(portal.engine) as session:
        by_email, by_upload = versions(session=session, round_id=portal.round_id, agency_id=portal.agency_id)
        assert (by_email.channel, by_upload.channel) == (Channel.email, Channel.upload)
        assert (by_email.version, by_upload.version) == (1, 2)
        email_essence, upload_essence = _essence(session, by_email), _essence(session, by_upload)
    assert email_essence == upload_essence
    assert len(email_essence["items"]) == 2 and len(email_essence["files"]) == 2  # the comparison is not vacuous
