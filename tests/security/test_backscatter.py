"""No backscatter (issue #13, point 4, findings 4 and 5): planflow mails known contacts only, a few times a day.

Finding 4: a message from an unknown sender carrying a valid token, or only a subject tag, got an
official refusal sent to its forgeable From, naming the agency and repeating the attacker's subject,
one per message, with no limit. Finding 5: a forged bounce from `MAILER-DAEMON@<our reply domain>`
with no link to a message we sent flagged a real contact as failed.
"""

from __future__ import annotations

from email import message_from_bytes, policy

from sqlmodel import Session, select

from inbound.ingest import ingest_raw
from inbound.quarantine import quarantine_digest
from inbound.refusals import NOT_A_CONTACT, RATE_LIMITED
from models.tables import Contact, OutboundMessage
from notifications import addressing, notices
from tests.inbound.conftest import ON_TIME
from tests.security.hostile import reply

SIX = "six-month-2018"
CONTACT = "vanthu@skhdt.vinhlong.example"
EXE = b"MZ\x90\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode" + b"%PDF-1.4" + b"\x00" * 300


def _to(world, code="SKHDT"):
    round_id, agency_id = world.ids[(SIX, code)]
    return addressing.reply_address(settings=world.settings, round_id=round_id, agency_id=agency_id)


def _refusals(world) -> list[OutboundMessage]:
    with Session(world.engine) as s:
        return list(s.exec(select(OutboundMessage).where(OutboundMessage.kind == "refusal")).all())


def _text(message: OutboundMessage) -> str:
    parsed = message_from_bytes(message.raw, policy=policy.default)
    return "\n".join(
        str(parsed["Subject"]) if i == 0 else part.get_content()
        for i, part in enumerate([parsed, *[p for p in parsed.walk() if p.get_content_type() == "text/plain"]])
    )


def test_unknown_sender_with_a_valid_token_gets_no_mail_and_the_officer_is_told(world):
    raw = reply(sender="ke-gia-mao@mail.example.com", to=_to(world), subject="Khẩn: chuyển khoản ngay", at=ON_TIME)
    result = ingest_raw(engine=world.engine, settings=world.settings, raw=raw, now=ON_TIME)
    assert result.disposition == "quarantined" and "unknown sender" in str(result.reason)
    assert _refusals(world) == []
    with Session(world.engine) as s:
        digest = quarantine_digest(session=s, now=ON_TIME)
    assert [e.label_vi for e in digest.waiting] == ["Người gửi chưa đăng ký"]
    assert digest.by_label() == {"Người gửi chưa đăng ký": 1}
    assert [(w.reason, w.why) for w in digest.withheld] == [("unknown_sender", NOT_A_CONTACT)]
    assert "không gửi thư từ chối" in digest.withheld[0].why_vi


def test_stranger_with_only_a_subject_tag_gets_no_mail(world):
    raw = reply(
        sender="ai-do@mail.example.com",
        to="baocao@vinhlong.example.gov.vn",
        subject="[BC-SIX-MONTH-2018/SKHDT] xem tệp",
        at=ON_TIME,
    )
    assert ingest_raw(engine=world.engine, settings=world.settings, raw=raw, now=ON_TIME).disposition == "quarantined"
    assert _refusals(world) == []


def test_refusals_to_a_known_contact_are_rate_limited_and_never_quote_the_subject(world):
    limit = world.settings.trust.notices_per_contact_per_day
    for n in range(limit + 3):
        raw = reply(
            sender=CONTACT,
            to=_to(world),
            subject=f"Lời nhắn bí mật số {n}",
            body=f"Nội dung riêng {n}",
            at=ON_TIME,
            attachments=[(f"bao-cao-{n}.pdf", EXE, "application/pdf")],
        )
        assert (
            ingest_raw(engine=world.engine, settings=world.settings, raw=raw, now=ON_TIME).disposition == "quarantined"
        )
    refusals = _refusals(world)
    assert len(refusals) == limit
    for message in refusals:
        text = _text(message)
        assert "Lời nhắn bí mật" not in text and "Nội dung riêng" not in text
        # finding 7: the content is said to be a fake PDF, not PDF to be refused as a type
        assert "không phải là tệp PDF thật" in text and "không thuộc các loại tệp được chấp nhận" not in text
    with Session(world.engine) as s:
        withheld = quarantine_digest(session=s, now=ON_TIME).withheld
    assert [w.why for w in withheld] == [RATE_LIMITED] * 3


def _dsn(*, recipient: str, original_message_id: str | None, sender="MAILER-DAEMON@vinhlong.example.gov.vn") -> bytes:
    returned = "From: sotttt@vinhlong.example.gov.vn\r\nTo: " + recipient + "\r\nSubject: Yeu cau bao cao\r\n"
    if original_message_id:
        returned += f"Message-ID: {original_message_id}\r\n"
    return (
        f"From: {sender}\r\nTo: baocao@vinhlong.example.gov.vn\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Date: Sun, 10 Jun 2018 08:00:05 +0700\r\nMessage-ID: <dsn-" + recipient + ">\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nUndeliverable.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.vinhlong.example.gov.vn\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n" + returned + "\r\n--B--\r\n"
    ).encode()


def _failed(world, address: str) -> bool:
    with Session(world.engine) as s:
        return s.exec(select(Contact).where(Contact.email == address)).one().failed_at is not None


def test_forged_bounce_from_our_own_domain_flags_nobody(world):
    result = ingest_raw(
        engine=world.engine, settings=world.settings, raw=_dsn(recipient=CONTACT, original_message_id=None), now=ON_TIME
    )
    assert result.disposition == "bounce" and "not linked" in str(result.reason)
    assert not _failed(world, CONTACT)


def test_bounce_with_a_guessed_unkeyed_message_id_flags_nobody(world):
    import hashlib

    guess = f"<{hashlib.sha256(notices.request_key(SIX, 'SKHDT').encode()).hexdigest()[:24]}.planflow@vinhlong.example.gov.vn>"
    ingest_raw(
        engine=world.engine,
        settings=world.settings,
        raw=_dsn(recipient=CONTACT, original_message_id=guess),
        now=ON_TIME,
    )
    assert not _failed(world, CONTACT)


def test_bounce_of_a_message_we_sent_flags_its_recipient_only(world):
    sent = notices.request_message_id(settings=world.settings, round_key=SIX, agency_code="SKHDT")
    other = "vanthu@sct.vinhlong.example"  # a real contact, but not a recipient of that message
    ingest_raw(
        engine=world.engine, settings=world.settings, raw=_dsn(recipient=other, original_message_id=sent), now=ON_TIME
    )
    assert not _failed(world, other)
    result = ingest_raw(
        engine=world.engine, settings=world.settings, raw=_dsn(recipient=CONTACT, original_message_id=sent), now=ON_TIME
    )
    assert result.disposition == "bounce" and "1 contact(s) flagged" in str(result.reason)
    assert _failed(world, CONTACT)


def test_receipt_of_a_token_reply_from_an_unlisted_address_goes_to_the_focal_points(world):
    """Issue #13 point 4: a token reply from an address that is no contact (here a colleague in the agency's
    domain) is recorded, but its receipt goes to the registered focal point, never to the unlisted address."""
    colleague = "thu-ky@skhdt.vinhlong.example"
    raw = reply(sender=colleague, to=_to(world), subject="Báo cáo 6 tháng", at=ON_TIME)
    result = ingest_raw(engine=world.engine, settings=world.settings, raw=raw, now=ON_TIME)
    assert result.disposition == "recorded", result.reason
    with Session(world.engine) as s:
        receipts = list(s.exec(select(OutboundMessage).where(OutboundMessage.kind == "receipt")).all())
    assert len(receipts) == 1
    recipients = " ".join(receipts[0].recipients).lower()
    assert colleague not in recipients
    assert CONTACT in recipients


def test_receipt_of_a_reply_from_the_focal_point_goes_back_to_it(world):
    raw = reply(sender=CONTACT, to=_to(world), subject="Báo cáo 6 tháng", at=ON_TIME)
    result = ingest_raw(engine=world.engine, settings=world.settings, raw=raw, now=ON_TIME)
    assert result.disposition == "recorded", result.reason
    with Session(world.engine) as s:
        receipts = list(s.exec(select(OutboundMessage).where(OutboundMessage.kind == "receipt")).all())
    assert [r.lower() for r in receipts[0].recipients] == [CONTACT]
