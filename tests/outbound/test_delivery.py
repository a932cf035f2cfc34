"""Delivery to a real aiosmtpd server on loopback: headers, threading, parts and attachments as they arrive."""

from __future__ import annotations

import asyncio
import datetime as dt
import io

import docx
from icalendar import Calendar
from sqlmodel import select

from models.db import session_scope
from models.rounds import tasks_for
from models.submissions import ItemIn
from models.tables import Contact, ContactRole, Official, OfficialRole, OutboundMessage, OutboxState, Round
from models.tokens import read_reply_token, read_upload_token, token_from_address
from notifications import addressing, notices
from notifications.reportform import read_form
from notifications.sender import deliver_pending
from tests.outbound.conftest import smtp_settings
from tests.outbound.cycle import AFTER, BEFORE, record

CODE = "SVHTTDL"  # Sở Văn hóa, Thể thao và Du lịch: several tasks in the reference plan


async def test_request_arrives_complete_and_answerable(world, settings, smtp):
    settings = smtp_settings(settings, smtp.port)
    agency = world.agency(CODE)
    with session_scope(world.engine) as s:
        row = notices.enqueue_request(
            session=s, settings=settings, round_id=world.round_id, agency_id=agency.id, now=BEFORE
        )
        focal = s.exec(
            select(Contact).where(Contact.agency_id == agency.id, Contact.role == ContactRole.focal_point)
        ).all()
        tasks = tasks_for(session=s, round_id=world.round_id, agency_id=agency.id)
        rnd = s.get(Round, world.round_id)
    report = await deliver_pending(engine=world.engine, settings=settings, now=BEFORE)
    assert (report.sent, report.failed, report.retried) == (1, 0, 0)

    [got] = smtp.received
    msg = got.message()
    assert sorted(got.rcpt_tos) == sorted(c.email for c in focal)
    assert got.mail_from == settings.smtp.from_address
    assert msg["From"].addresses[0].display_name == settings.smtp.from_name
    assert msg["From"].addresses[0].addr_spec == settings.smtp.from_address
    assert {a.addr_spec for a in msg["To"].addresses} == {c.email for c in focal}
    assert {a.display_name for a in msg["To"].addresses} == {c.name for c in focal}
    subject = str(msg["Subject"])
    assert subject.startswith(
        f"[BC-SIX-MONTH-2018/{CODE}] Đề nghị báo cáo: Kết quả thực hiện công tác thông tin đối ngoại 6 tháng đầu năm 2018"
    )
    assert "hạn trước ngày 15 tháng 6 năm 2018" in subject
    assert addressing.parse_subject_tag("Re: " + subject) == ("BC-SIX-MONTH-2018", CODE)
    assert (
        str(msg["Message-ID"])
        == row.message_id
        == notices.request_message_id(settings=settings, round_key=rnd.key, agency_code=CODE)
    )

    # The personal reply address carries a token naming this round and this agency.
    reply_to = msg["Reply-To"].addresses[0].addr_spec
    token = token_from_address(reply_to, local_part=settings.smtp.reply_local_part)
    named = read_reply_token(settings.secret_key.get_secret_value(), token)
    assert (named.round_id, named.agency_id) == (world.round_id, agency.id)

    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    for body in (text, html):
        assert agency.name in body and "Hạn gửi báo cáo" in body and reply_to in body
        assert all(t.key in body for t in tasks)
        assert "thứ Sáu, ngày 15 tháng 6 năm 2018" in body
    upload_url = next(w for w in text.split() if "/u/" in w)
    link = upload_url.rsplit("/u/", 1)[1]
    assert upload_url.startswith(f"{settings.portal.public_url}/u/")
    assert read_upload_token(settings.secret_key.get_secret_value(), link, now=AFTER).agency_id == agency.id
    expires = rnd.lock_at + dt.timedelta(days=settings.portal.link_days_after_lock)
    assert read_upload_token(settings.secret_key.get_secret_value(), link, now=expires) is None

    attachments = {p.get_filename(): p for p in msg.iter_attachments()}
    form_name = notices.form_filename(agency)
    assert set(attachments) == {form_name, notices.ICS_FILENAME}
    assert "filename*=utf-8''" in got.data.decode("ascii"), "Vietnamese file names go in RFC 2231 parameters"

    cal = Calendar.from_ical(attachments[notices.ICS_FILENAME].get_content())
    [event] = cal.walk("VEVENT")
    assert event.decoded("dtend") == rnd.due_at
    assert event.decoded("dtstart") < rnd.due_at
    [alarm] = event.walk("VALARM")
    assert alarm.decoded("trigger") == -dt.timedelta(days=1)
    assert "Kết quả thực hiện công tác thông tin đối ngoại" in str(event["summary"])

    form_bytes = attachments[form_name].get_content()
    document = docx.Document(io.BytesIO(form_bytes))
    assert any(agency.name in p.text for p in document.paragraphs)
    # The agency fills the form in Word; the inbound side reads it back.
    for table in document.tables:
        if table.cell(0, 0).text == "Mã nhiệm vụ" and table.cell(0, 1).text == tasks[0].key:
            table.cell(1, 1).text = "Tổ chức 3 đoàn công tác quảng bá du lịch; đón 12 đoàn khách quốc tế."
            table.cell(2, 1).text = "Kinh phí còn hạn chế."
        if table.cell(0, 0).text == "Người báo cáo":
            table.cell(0, 1).text = "Nguyễn Thị Lan"
            table.cell(1, 1).text = "0270 3822 123"
    out = io.BytesIO()
    document.save(out)
    content = read_form(out.getvalue())
    assert (content.round_key, content.agency_code) == (rnd.key, CODE)
    assert content.contact_name == "Nguyễn Thị Lan" and content.contact_phone == "0270 3822 123"
    [item] = content.items
    assert content.item_ins()[0] == ItemIn(task_key=tasks[0].key, results=item.results, difficulties=item.difficulties)
    assert item.task_key == tasks[0].key
    assert (
        item.results.startswith("Tổ chức 3 đoàn")
        and item.difficulties == "Kinh phí còn hạn chế."
        and item.proposals == ""
    )

    with session_scope(world.engine) as s:
        stored = s.get(OutboundMessage, row.id)
        assert stored.state == OutboxState.sent and stored.attempts == 1 and stored.sent_at == BEFORE
    again = await deliver_pending(engine=world.engine, settings=settings, now=AFTER)
    assert again.sent == 0 and len(smtp.received) == 1


async def test_reminders_escalation_and_receipt_thread_under_the_request(world, settings, smtp):
    settings = smtp_settings(settings, smtp.port)
    agency = world.agency(CODE)
    with session_scope(world.engine) as s:
        request = notices.enqueue_request(
            session=s, settings=settings, round_id=world.round_id, agency_id=agency.id, now=BEFORE
        )
        reminder = notices.enqueue_reminder(
            session=s,
            settings=settings,
            round_id=world.round_id,
            agency_id=agency.id,
            step="overdue-1",
            kind="after",
            now=AFTER,
        )
        escalation = notices.enqueue_escalation(
            session=s, settings=settings, round_id=world.round_id, agency_id=agency.id, step="overdue-3", now=AFTER
        )
        sid = record(
            s, world, agency, received_at=AFTER, sender="vanthu@svhttdl.example", files=["Báo cáo sơ kết 6 tháng.pdf"]
        )
        receipt = notices.enqueue_receipt(session=s, settings=settings, submission_id=sid, now=AFTER)
        head = s.exec(select(Contact).where(Contact.agency_id == agency.id, Contact.role == ContactRole.head)).one()
        officer = s.exec(select(Official).where(Official.role == OfficialRole.officer)).one()
    report = await deliver_pending(engine=world.engine, settings=settings, now=AFTER)
    assert report.sent == 4
    got = smtp.by_message_id()
    root = request.message_id
    for row in (reminder, escalation, receipt):
        msg = got[row.message_id].message()
        assert str(msg["In-Reply-To"]) == root
        assert root in str(msg["References"]).split()
        assert str(msg["Subject"]).startswith(f"[BC-SIX-MONTH-2018/{CODE}] ")
        assert msg.get_body(("plain",)) is not None and msg.get_body(("html",)) is not None
    esc = got[escalation.message_id]
    assert [a.addr_spec for a in esc.message()["To"].addresses] == [head.email]
    assert [a.addr_spec for a in esc.message()["Cc"].addresses] == [officer.email]
    assert set(esc.rcpt_tos) == {head.email, officer.email}
    rec = got[receipt.message_id].message()
    assert [a.addr_spec for a in rec["To"].addresses] == ["vanthu@svhttdl.example"]
    text = rec.get_body(("plain",)).get_content()
    assert "trễ hạn" in str(rec["Subject"]) and "Báo cáo sơ kết 6 tháng.pdf" in text and "Tình trạng: trễ hạn" in text


async def test_receipt_escapes_what_the_agency_wrote(world, settings, smtp):
    from models.submissions import ItemIn

    settings = smtp_settings(settings, smtp.port)
    agency = world.agency(CODE)
    with session_scope(world.engine) as s:
        sid = record(
            s,
            world,
            agency,
            received_at=BEFORE,
            sender="a@b.vn",
            items=[ItemIn(task_key=None, results='<img src=x onerror="alert(1)"> Kết quả & "tốt"')],
            files=["<b>bad</b>.pdf"],
        )
        row = notices.enqueue_receipt(session=s, settings=settings, submission_id=sid, now=BEFORE)
    await deliver_pending(engine=world.engine, settings=settings, now=BEFORE)
    msg = smtp.by_message_id()[row.message_id].message()
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    assert "<img" not in html and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "&lt;b&gt;bad&lt;/b&gt;.pdf" in html and "<b>bad</b>" not in html
    assert '<img src=x onerror="alert(1)"> Kết quả & "tốt"' in text
    assert "đúng hạn" in text


async def test_two_workers_never_send_the_same_message(world, settings, smtp):
    settings = smtp_settings(settings, smtp.port, concurrency=3)
    with session_scope(world.engine) as s:
        rows = [
            notices.enqueue_request(session=s, settings=settings, round_id=world.round_id, agency_id=a.id, now=BEFORE)
            for a in world.agencies
        ]
    reports = await asyncio.gather(
        deliver_pending(engine=world.engine, settings=settings, now=BEFORE),
        deliver_pending(engine=world.engine, settings=settings, now=BEFORE),
    )
    assert sum(r.sent for r in reports) == len(rows)
    assert sorted(smtp.attempts.values()) == [1] * len(rows)
    assert smtp.accepted() == {r.message_id: 1 for r in rows}
    assert smtp.connections <= 6, "connections are reused across messages"
