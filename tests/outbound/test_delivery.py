"""Delivery to a real aiosmtpd server on loopback: headers, threading, parts and attachments as they arrive."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage

import docx
import pytest
from icalendar import Calendar
from sqlmodel import select

from models.db import make_engine, session_scope, upgrade
from models.rounds import tasks_for
from models.settings import Settings
from models.submissions import ItemIn
from models.tables import (
    Agency,
    Contact,
    ContactRole,
    Official,
    OfficialRole,
    OutboundMessage,
    OutboxState,
    Round,
)
from models.tokens import read_reply_token, read_upload_token, token_from_address
from notifications import addressing, notices
from notifications.reportform import read_form
from notifications.sender import DeliveryReport, deliver_pending
from tests.conftest import load_reference_plan, make_settings
from tests.outbound.conftest import open_six_month, smtp_settings
from tests.outbound.cycle import AFTER, BEFORE, record
from tests.smtpd import Received, RecordingHandler, body, start

CODE = "SVHTTDL"  # Sở Văn hóa, Thể thao và Du lịch: several tasks in the reference plan


@dataclass
class DeliveredRequest:
    """One request enqueued for SVHTTDL and delivered to a real SMTP server, with what the test needs to judge it."""

    settings: Settings
    agency: Agency
    round: Round
    round_id: int
    row: OutboundMessage
    focal: list[Contact]
    tasks: list
    first: DeliveryReport
    got: Received
    stored: OutboundMessage
    again: DeliveryReport
    received_after_again: int

    @property
    def msg(self) -> EmailMessage:
        """The message as the server received it, parsed."""
        return self.got.message()

    def body(self, kind: str) -> str:
        """The plain or html body."""
        return body(self.msg, kind)

    def attachments(self) -> dict[str, EmailMessage]:
        """The attached parts by file name."""
        return {str(p.get_filename()): p for p in self.msg.iter_attachments() if isinstance(p, EmailMessage)}


@pytest.fixture(scope="module")
def delivered(tmp_path_factory, reference_plan) -> Iterator[DeliveredRequest]:
    """The request of one agency, enqueued before the due date and delivered once; then a second delivery run."""
    base = make_settings(tmp_path_factory.mktemp("request"))
    upgrade(base.database_url)
    engine = load_reference_plan(make_engine(base.database_url), reference_plan)
    world = open_six_month(engine)
    smtp = RecordingHandler()
    controller = start(smtp)
    try:
        settings = smtp_settings(base, smtp.port)
        agency = world.agency(CODE)
        assert agency.id is not None
        with session_scope(engine) as s:
            row = notices.enqueue_request(
                session=s, settings=settings, round_id=world.round_id, agency_id=agency.id, now=BEFORE
            )
            focal = list(
                s.exec(
                    select(Contact).where(Contact.agency_id == agency.id, Contact.role == ContactRole.focal_point)
                ).all()
            )
            tasks = tasks_for(session=s, round_id=world.round_id, agency_id=agency.id)
            rnd = s.get(Round, world.round_id)
            assert rnd is not None
        first = asyncio.run(deliver_pending(engine=engine, settings=settings, now=BEFORE))
        [got] = smtp.received
        with session_scope(engine) as s:
            stored = s.get(OutboundMessage, row.id)
            assert stored is not None
        again = asyncio.run(deliver_pending(engine=engine, settings=settings, now=AFTER))
        yield DeliveredRequest(
            settings, agency, rnd, world.round_id, row, focal, tasks, first, got, stored, again, len(smtp.received)
        )
    finally:
        controller.stop()
        engine.dispose()


def test_a_request_is_delivered_once(delivered):
    assert (delivered.first.sent, delivered.first.failed, delivered.first.retried) == (1, 0, 0)


def test_a_request_goes_to_the_agencys_focal_points_from_the_office(delivered):
    got, msg, smtp = delivered.got, delivered.msg, delivered.settings.smtp
    assert sorted(got.rcpt_tos) == sorted(c.email for c in delivered.focal)
    assert got.mail_from == smtp.from_address
    assert msg["From"].addresses[0].display_name == smtp.from_name
    assert msg["From"].addresses[0].addr_spec == smtp.from_address
    assert {a.addr_spec for a in msg["To"].addresses} == {c.email for c in delivered.focal}
    assert {a.display_name for a in msg["To"].addresses} == {c.name for c in delivered.focal}


def test_a_request_subject_carries_the_round_and_agency_tag_the_reader_parses(delivered):
    subject = str(delivered.msg["Subject"])
    assert subject.startswith(
        f"[BC-SIX-MONTH-2018/{CODE}] Đề nghị báo cáo: Kết quả thực hiện công tác thông tin đối ngoại 6 tháng đầu năm 2018"
    )
    assert "hạn trước ngày 15 tháng 6 năm 2018" in subject
    assert addressing.parse_subject_tag("Re: " + subject) == ("BC-SIX-MONTH-2018", CODE)


def test_a_request_message_id_is_the_one_replies_thread_under(delivered):
    assert (
        str(delivered.msg["Message-ID"])
        == delivered.row.message_id
        == notices.request_message_id(settings=delivered.settings, round_key=delivered.round.key, agency_code=CODE)
    )


def test_the_personal_reply_address_names_the_round_and_the_agency(delivered):
    settings = delivered.settings
    reply_to = delivered.msg["Reply-To"].addresses[0].addr_spec
    token = token_from_address(reply_to, local_part=settings.smtp.reply_local_part)
    assert token is not None
    named = read_reply_token(settings.secret_key.get_secret_value(), token)
    assert named is not None
    assert (named.round_id, named.agency_id) == (delivered.round_id, delivered.agency.id)


def test_both_bodies_name_the_agency_its_tasks_the_due_date_and_the_reply_address(delivered):
    reply_to = delivered.msg["Reply-To"].addresses[0].addr_spec
    for text in (delivered.body("plain"), delivered.body("html")):
        assert delivered.agency.name in text and "Hạn gửi báo cáo" in text and reply_to in text
        assert all(t.key in text for t in delivered.tasks)
        assert "thứ Sáu, ngày 15 tháng 6 năm 2018" in text


def test_the_upload_link_opens_until_the_set_days_after_the_lock(delivered):
    settings = delivered.settings
    upload_url = next(w for w in delivered.body("plain").split() if "/u/" in w)
    link = upload_url.rsplit("/u/", 1)[1]
    assert upload_url.startswith(f"{settings.portal.public_url}/u/")
    opened = read_upload_token(settings.secret_key.get_secret_value(), link, now=AFTER)
    assert opened is not None and opened.agency_id == delivered.agency.id
    expires = delivered.round.lock_at + dt.timedelta(days=settings.portal.link_days_after_lock)
    assert read_upload_token(settings.secret_key.get_secret_value(), link, now=expires) is None


def test_a_request_attaches_the_form_and_a_calendar_entry_under_rfc2231_names(delivered):
    assert set(delivered.attachments()) == {notices.form_filename(delivered.agency), notices.ICS_FILENAME}
    assert "filename*=utf-8''" in delivered.got.data.decode("ascii"), "Vietnamese file names go in RFC 2231 parameters"


def test_the_calendar_entry_ends_at_the_due_time_with_an_alarm_a_day_before(delivered):
    cal = Calendar.from_ical(delivered.attachments()[notices.ICS_FILENAME].get_content())
    [event] = cal.walk("VEVENT")
    assert event.decoded("dtend") == delivered.round.due_at
    assert event.decoded("dtstart") < delivered.round.due_at
    [alarm] = event.walk("VALARM")
    assert alarm.decoded("trigger") == -dt.timedelta(days=1)
    assert "Kết quả thực hiện công tác thông tin đối ngoại" in str(event["summary"])


def test_the_attached_form_filled_in_word_reads_back(delivered):
    agency, tasks, rnd = delivered.agency, delivered.tasks, delivered.round
    form_bytes = delivered.attachments()[notices.form_filename(agency)].get_content()
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


def test_a_delivered_request_is_marked_sent_and_never_sent_again(delivered):
    stored = delivered.stored
    assert stored.state == OutboxState.sent and stored.attempts == 1 and stored.sent_at == BEFORE
    assert delivered.again.sent == 0 and delivered.received_after_again == 1


@dataclass
class FollowUps:
    """A request, then a reminder, an escalation and a late report's receipt, delivered together."""

    request: OutboundMessage
    reminder: OutboundMessage
    escalation: OutboundMessage
    receipt: OutboundMessage
    sent: int
    got: dict[str, Received]
    head: Contact
    officer: Official


@pytest.fixture(scope="module")
def follow_ups(tmp_path_factory, reference_plan) -> Iterator[FollowUps]:
    """SVHTTDL's request (11/6), its overdue reminder and escalation, and the receipt of its late report (19/6)."""
    base = make_settings(tmp_path_factory.mktemp("follow-ups"))
    upgrade(base.database_url)
    engine = load_reference_plan(make_engine(base.database_url), reference_plan)
    world = open_six_month(engine)
    smtp = RecordingHandler()
    controller = start(smtp)
    try:
        settings = smtp_settings(base, smtp.port)
        agency = world.agency(CODE)
        assert agency.id is not None
        with session_scope(engine) as s:
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
                s,
                world,
                agency,
                received_at=AFTER,
                sender="vanthu@svhttdl.vinhlong.example",
                files=["Báo cáo sơ kết 6 tháng.pdf"],
            )
            receipt = notices.enqueue_receipt(session=s, settings=settings, submission_id=sid, now=AFTER)
            head = s.exec(select(Contact).where(Contact.agency_id == agency.id, Contact.role == ContactRole.head)).one()
            officer = s.exec(select(Official).where(Official.role == OfficialRole.officer)).one()
        report = asyncio.run(deliver_pending(engine=engine, settings=settings, now=AFTER))
        yield FollowUps(request, reminder, escalation, receipt, report.sent, smtp.by_message_id(), head, officer)
    finally:
        controller.stop()
        engine.dispose()


def test_the_request_and_its_follow_ups_are_all_delivered(follow_ups):
    assert follow_ups.sent == 4


def test_reminders_escalations_and_receipts_thread_under_the_request(follow_ups):
    root = follow_ups.request.message_id
    for row in (follow_ups.reminder, follow_ups.escalation, follow_ups.receipt):
        msg = follow_ups.got[row.message_id].message()
        assert str(msg["In-Reply-To"]) == root
        assert root in str(msg["References"]).split()
        assert str(msg["Subject"]).startswith(f"[BC-SIX-MONTH-2018/{CODE}] ")
        assert msg.get_body(("plain",)) is not None and msg.get_body(("html",)) is not None


def test_an_escalation_goes_to_the_agency_head_with_the_officer_in_copy(follow_ups):
    head, officer = follow_ups.head, follow_ups.officer
    esc = follow_ups.got[follow_ups.escalation.message_id]
    assert [a.addr_spec for a in esc.message()["To"].addresses] == [head.email]
    assert [a.addr_spec for a in esc.message()["Cc"].addresses] == [officer.email]
    assert set(esc.rcpt_tos) == {head.email, officer.email}


def test_a_receipt_answers_the_sender_and_names_the_files_and_the_late_status(follow_ups):
    rec = follow_ups.got[follow_ups.receipt.message_id].message()
    assert [a.addr_spec for a in rec["To"].addresses] == ["vanthu@svhttdl.vinhlong.example"]
    text = body(rec, "plain")
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
    html = body(msg, "html")
    text = body(msg, "plain")
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
