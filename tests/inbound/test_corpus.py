"""The .eml corpus through a real Dovecot: every reply shaped like a real client's ends with the outcome it must have."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata

import pytest
from sqlmodel import Session, col, select

from inbound.collector import collect_replies
from models.tables import (
    Agency,
    AgencyStatus,
    Attachment,
    Contact,
    InboundMessage,
    OutboundMessage,
    RosterEntry,
    Round,
    Submission,
    SubmissionItem,
    Task,
)
from tests.inbound.conftest import NOW, ON_TIME, VN, append, folder_count, imap_settings, make_world

pytestmark = pytest.mark.dovecot

LATE = dt.datetime(2018, 6, 16, 9, 0, tzinfo=VN)
AFTER_LOCK = dt.datetime(2018, 6, 1, 9, 0, tzinfo=VN)
INTERNALDATE = {"late_by_internaldate.eml": LATE, "locked_round.eml": AFTER_LOCK}
SIX = "six-month-2018"

# A name ending in "+auth" is that file as our receiving server hands it over after checking it: with its
# Authentication-Results header on top (the authserv-id the test world trusts). Without it, a reply
# matched only by subject tag or thread cannot be counted: it waits for the officer as unauthenticated
# (tests/security/test_who_may_count.py).
AUTH = "+auth"
AUTHSERV_ID = "mx.stttt.vinhlong.example"

# file → (disposition, agency, round, agency status afterwards or None, how it was matched or None)
CASES = {
    "outlook_thread_index.eml": ("recorded", "SVHTTDL", SIX, "on_time", "token"),
    "gmail_rfc2231_name.eml": ("recorded", "SKHDT", SIX, "on_time", "token"),
    "thunderbird_docx.eml": ("recorded", "SCT", SIX, "on_time", "token"),
    "webmail_no_threading.eml" + AUTH: ("recorded", "SNNPTNT", SIX, "on_time", "subject"),
    "thread_only.eml" + AUTH: ("recorded", "STC", SIX, "on_time", "thread"),
    "forwarded_reply.eml" + AUTH: ("recorded", "SNV", SIX, "on_time", "subject"),
    "colleague_same_domain.eml": ("recorded", "STP", SIX, "on_time", "token"),
    "many_prefixes.eml" + AUTH: ("recorded", "CTTDT", SIX, "on_time", "subject"),
    "raw_utf8_filename.eml": ("recorded", "SKHCN", SIX, "on_time", "token"),
    "returned_form.eml" + AUTH: ("recorded", "SGDDT", SIX, "on_time", "form"),
    "forged_bounce.eml": ("bounce", None, None, None, None),
    "windows1258_body.eml": ("recorded", "CA", SIX, "on_time", "token"),
    "late_by_internaldate.eml": ("recorded", "VPUBND", SIX, "late", "token"),
    "stranger.eml": ("quarantined", "SGTVT", SIX, "pending", None),
    "refused_exe_as_pdf.eml": ("quarantined", "SYT", SIX, "pending", None),
    "huge_file.eml": ("quarantined", "TTT", SIX, "pending", None),
    "locked_round.eml": ("quarantined", "BDT", "budget-2018", "pending", None),
    "out_of_office.eml": ("ignored", None, None, None, None),
    "out_of_office_subject_only.eml": ("ignored", None, None, None, None),
    "bounce.eml": ("bounce", None, None, None, None),
    "hostile_broken_boundary.eml": ("quarantined", None, None, None, None),
    "hostile_missing_headers.eml": ("quarantined", None, None, None, None),
    "hostile_header_injection.eml": ("quarantined", None, None, None, None),
    "hostile_nested_200.eml": ("quarantined", None, None, None, None),
    "hostile_zip_bomb_docx.eml": ("quarantined", None, None, None, None),
    "hostile_huge_base64_part.eml": ("quarantined", None, None, None, None),
}


def corpus_bytes(world, name: str) -> bytes:
    """A corpus file as the reader gets it; "+auth" prepends our server's passing Authentication-Results."""
    if not name.endswith(AUTH):
        return world.corpus(name)
    raw = world.corpus(name.removesuffix(AUTH))
    sender = re.search(rb"^From:.*?([\w.+-]+@([\w.-]+))", raw, re.MULTILINE | re.IGNORECASE)
    assert sender, name
    domain = sender.group(2).decode()
    header = f"Authentication-Results: {AUTHSERV_ID}; spf=pass smtp.mailfrom={domain}; dkim=pass header.d={domain}; dmarc=pass header.from={domain}\r\n"
    return header.encode() + raw


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory, reference_plan):
    """The whole corpus appended to one Dovecot mailbox and read by one run of the reader."""
    from devstack.dovecot import start_dovecot

    server = start_dovecot()
    try:
        world = make_world(
            tmp_path_factory.mktemp("corpus"), reference_plan, imap=imap_settings(server), authserv_ids=[AUTHSERV_ID]
        )
        sha_of = {}
        messages = []
        for name in CASES:
            raw = corpus_bytes(world, name)

            sha_of[name] = hashlib.sha256(raw).hexdigest()
            messages.append((raw, INTERNALDATE.get(name, ON_TIME)))
        append(server, messages)
        report = collect_replies(engine=world.engine, settings=world.settings, now=NOW)
        yield world, report, sha_of, server
    finally:
        server.stop()


def test_one_run_reads_everything_and_moves_it(corpus_run):
    _, report, _, server = corpus_run
    assert report.read == len(CASES)
    assert report.errors == 0
    assert report.recorded == sum(1 for c in CASES.values() if c[0] == "recorded")
    assert report.quarantined == sum(1 for c in CASES.values() if c[0] == "quarantined")
    assert report.ignored == 2 and report.bounces == 2
    assert folder_count(server, "INBOX") == 0
    assert folder_count(server, "planflow/processed") == len(CASES)


@pytest.mark.parametrize("name", list(CASES))
def test_corpus_outcome(corpus_run, name):
    world, _, sha_of, _ = corpus_run
    disposition, code, round_key, status, method = CASES[name]
    with Session(world.engine) as s:
        row = s.exec(select(InboundMessage).where(InboundMessage.sha256 == sha_of[name])).one()
        assert (world.settings.data_dir / row.raw_path).read_bytes() == corpus_bytes(world, name)  # stored raw
        assert row.disposition.value == disposition, row.reason
        assert row.reason
        if code is None:
            return
        agency = s.exec(select(Agency).where(Agency.code == code)).one()
        r = s.exec(select(Round).where(Round.key == round_key)).one()
        assert (row.agency_id, row.round_id) == (agency.id, r.id)
        entry = s.exec(
            select(RosterEntry).where(RosterEntry.round_id == r.id, RosterEntry.agency_id == agency.id)
        ).one()
        assert entry.status.value == status
        subs = s.exec(select(Submission).where(Submission.inbound_message_id == row.id)).all()
        if disposition == "recorded":
            assert len(subs) == 1 and subs[0].version == 1
            assert f"({method})" in row.reason
            receipts = s.exec(
                select(OutboundMessage).where(OutboundMessage.kind == "receipt", OutboundMessage.agency_id == agency.id)
            ).all()
            assert len(receipts) == 1
        else:
            assert subs == []


def _row(world, sha):
    with Session(world.engine) as s:
        return s.exec(select(InboundMessage).where(InboundMessage.sha256 == sha)).one()


def test_vietnamese_file_names_survive(corpus_run):
    world, _, sha_of, _ = corpus_run
    with Session(world.engine) as s:
        names = {
            a.original_name: a
            for a in s.exec(
                select(Attachment).where(
                    col(Attachment.inbound_message_id).in_(
                        [_row(world, sha_of[n]).id for n in ("gmail_rfc2231_name.eml", "raw_utf8_filename.eml")]
                    )
                )
            )
        }
    assert set(names) == {"Báo cáo 6 tháng đầu năm 2018.pdf", "Báo cáo tổng hợp SKHCN.pdf"}
    for a in names.values():
        assert a.submission_id is not None and a.media_type == "application/pdf"
        assert a.safe_name == a.original_name
        assert (world.settings.data_dir / a.storage_path).read_bytes().startswith(b"%PDF-")


def test_returned_form_is_read_into_task_items(corpus_run):
    world, _, sha_of, _ = corpus_run
    with Session(world.engine) as s:
        sub = s.exec(
            select(Submission).where(
                Submission.inbound_message_id == _row(world, sha_of["returned_form.eml" + AUTH]).id
            )
        ).one()
        items = s.exec(
            select(SubmissionItem, Task)
            .join(Task, col(Task.id) == col(SubmissionItem.task_id), isouter=True)
            .where(SubmissionItem.submission_id == sub.id)
        ).all()
        assert sub.contact_name == "Nguyễn Thị Hương" and sub.contact_phone == "0270 3822 111"
        assert [(t.key if t else None, i.results, i.difficulties, i.proposals) for i, t in items] == [
            (
                "IV.12.1",
                "Đã đăng 45 tin, bài về thông tin đối ngoại trên cổng thông tin của Sở.",
                "Thiếu biên tập viên tiếng Anh.",
                "Đề nghị tập huấn kỹ năng viết tin đối ngoại.",
            ),
        ]
        files = s.exec(select(Attachment).where(Attachment.submission_id == sub.id)).all()
        assert [f.original_name for f in files] == ["Biểu mẫu SGDDT.docx"]  # the form is also kept as a file


def test_body_text_without_quoted_history(corpus_run):
    world, _, sha_of, _ = corpus_run
    with Session(world.engine) as s:

        def body(name) -> str:
            text = (
                s.exec(select(Submission).where(Submission.inbound_message_id == _row(world, sha_of[name]).id))
                .one()
                .body_text
            )
            assert text is not None, name
            return text

        outlook = body("outlook_thread_index.eml")
        assert "12 sự kiện quảng bá du lịch" in outlook and "Nội dung thư gốc" not in outlook and "Sent:" not in outlook
        gmail = body("gmail_rfc2231_name.eml")
        assert gmail.startswith("Sở KH&ĐT gửi báo cáo 6 tháng") and "đã viết" not in gmail and ">" not in gmail
        thunderbird = body("thunderbird_docx.eml")
        assert "wrote:" not in thunderbird and "Yêu cầu báo cáo 6 tháng" not in thunderbird
        assert body("windows1258_body.eml") == unicodedata.normalize(
            "NFC", "Công an tỉnh báo cáo: đã phối hợp bảo đảm an ninh các đoàn khách quốc tế."
        )


def test_refusals_go_to_known_contacts_only(corpus_run):
    """Finding 4 (backscatter): strangers get no mail; known contacts get the reason."""
    world, *_ = corpus_run
    with Session(world.engine) as s:
        refusals = s.exec(select(OutboundMessage).where(OutboundMessage.kind == "refusal")).all()
        by_to = {tuple(r.recipients): r for r in refusals}
    assert ("vanthu@syt.vinhlong.example",) in by_to  # .exe named .pdf
    assert ("vanthu@ttt.vinhlong.example",) in by_to  # too large
    assert ("vanthu@bdt.vinhlong.example",) in by_to  # round locked
    assert ("nguoila@mail.example.com",) not in by_to  # unknown sender: the officer is told instead
    assert ("attacker@evil.example",) not in by_to
    for r in refusals:
        assert b"\r\nBcc:" not in r.raw.split(b"\r\n\r\n", 1)[0]


def test_bounce_flags_the_contact(corpus_run):
    world, *_ = corpus_run
    with Session(world.engine) as s:
        contact = s.exec(select(Contact).where(Contact.email == "vanthu@stc.vinhlong.example")).one()
        assert contact.failed_at is not None and "5.1.1" in (contact.failure or "")


def test_forged_bounce_flags_nobody(corpus_run):
    """Finding 5: a report from MAILER-DAEMON@ that names no message planflow sent flags no contact."""
    world, _, sha_of, _ = corpus_run
    row = _row(world, sha_of["forged_bounce.eml"])
    assert row.disposition.value == "bounce" and "not linked" in str(row.reason)
    with Session(world.engine) as s:
        contact = s.exec(select(Contact).where(Contact.email == "vanthu@sldtbxh.vinhlong.example")).one()
        assert contact.failed_at is None


def test_header_injection_is_neutralised(corpus_run):
    world, _, sha_of, _ = corpus_run
    row = _row(world, sha_of["hostile_header_injection.eml"])
    assert row.from_address == "attacker@evil.example"
    assert row.subject is not None and "\r" not in row.subject and "\n" not in row.subject


def test_late_is_decided_by_the_server_time_not_the_date_header(corpus_run):
    world, _, sha_of, _ = corpus_run
    with Session(world.engine) as s:
        row = _row(world, sha_of["late_by_internaldate.eml"])
        sub = s.exec(select(Submission).where(Submission.inbound_message_id == row.id)).one()
        assert sub.received_at == LATE and sub.status == AgencyStatus.late
