"""Every notice rendered with the reference plan's real data, for every agency of the roster."""

from __future__ import annotations

import email
import re
from collections import Counter
from email import policy

from sqlmodel import func, select

from models.db import session_scope
from models.tables import OutboundMessage
from notifications import notices
from tests.outbound.cycle import BEFORE, enqueue_every_notice
from tests.smtpd import body

LEFTOVERS = re.compile(r"\{\{|\}\}|\{%|%\}|\bNone\b|Undefined|\[\]|\bnan\b")


def test_every_notice_for_every_agency_renders_completely(world, settings):
    rows = enqueue_every_notice(world, settings)
    kinds = Counter(r.kind for r in rows)
    n = len(world.agencies)
    assert n >= 30
    assert kinds == {
        "assignment": n,
        "request": n,
        "reminder": 3 * n,
        "escalation": n,
        "receipt": n,
        "refusal": 5,
        "digest": 1,
        "press": 1,
        "report": 1,
    }
    for row in rows:
        msg = email.message_from_bytes(row.raw, policy=policy.default)
        subject = str(msg["Subject"])
        text = body(msg, "plain")
        html = body(msg, "html")
        for part, content in (("subject", subject), ("text", text), ("html", html)):
            assert not LEFTOVERS.search(content), f"{row.idempotency_key} {part}: {LEFTOVERS.search(content)!r}"
        assert msg.get_content_type() in ("multipart/alternative", "multipart/mixed")
        assert subject == row.subject, "the RFC 2047 subject must decode to exactly what was rendered"
        assert all(a.addr_spec in row.recipients for a in msg["To"].addresses)
        assert subject.strip() and len(text) > 80
        assert "Kính gửi" in text or row.kind == "report"
        if row.agency_id and row.kind not in ("press",):
            name = next(a.name for a in world.agencies if a.id == row.agency_id)
            assert name in text, row.idempotency_key


def test_the_same_key_writes_nothing_new(world, settings):
    a = world.agencies[0]
    with session_scope(world.engine) as s:
        first = notices.enqueue_request(
            session=s, settings=settings, round_id=world.round_id, agency_id=a.id, now=BEFORE
        )
        again = notices.enqueue_request(
            session=s, settings=settings, round_id=world.round_id, agency_id=a.id, now=BEFORE
        )
        assert first.id == again.id
    with session_scope(world.engine) as s:
        assert s.exec(select(func.count()).select_from(OutboundMessage)).one() == 1


def test_digest_speaks_only_when_there_is_something_to_say(loaded_engine, settings):
    from models.tables import InboundDisposition, InboundMessage, Plan

    with session_scope(loaded_engine) as s:
        plan = s.exec(select(Plan)).one()
        assert plan.id is not None
        assert notices.enqueue_digest(session=s, settings=settings, plan_id=plan.id, now=BEFORE) is None
        s.add(
            InboundMessage(sha256="1" * 64, raw_path="mail/x.eml", size=10, disposition=InboundDisposition.quarantined)
        )
        s.flush()
        row = notices.enqueue_digest(session=s, settings=settings, plan_id=plan.id, now=BEFORE)
    assert row is not None
    text = body(email.message_from_bytes(row.raw, policy=policy.default), "plain")
    assert "Hiện không có kỳ báo cáo nào đang mở." in text and "Có 1 thư đang chờ cán bộ xem xét" in text


def test_adhoc_round_request_carries_the_instructions(loaded_engine, settings):
    import datetime as dt

    from models.rounds import create_adhoc_round, open_round
    from models.tables import Agency, Plan

    now = dt.datetime(2018, 8, 1, 2, tzinfo=dt.UTC)
    with session_scope(loaded_engine) as s:
        plan = s.exec(select(Plan)).one()
        agency = s.exec(select(Agency).where(Agency.code != "STTTT")).first()
        assert plan.id is not None and agency is not None
        rnd = create_adhoc_round(
            session=s,
            plan_id=plan.id,
            key="dot-xuat-bao-chi",
            title="Tình hình đón tiếp phóng viên nước ngoài",
            instructions="Nêu số đoàn, quốc tịch & nội dung làm việc <nếu có>.",
            agency_codes=[agency.code],
            due=dt.date(2018, 8, 10),
            now=now,
            created_by="officer",
        )
        assert rnd.id is not None
        open_round(session=s, round_id=rnd.id, now=now)
        assert agency.id is not None
        row = notices.enqueue_request(session=s, settings=settings, round_id=rnd.id, agency_id=agency.id, now=now)
    msg = email.message_from_bytes(row.raw, policy=policy.default)
    text, html = body(msg, "plain"), body(msg, "html")
    assert str(msg["Subject"]).startswith(f"[BC-DOT-XUAT-BAO-CHI/{agency.code}] Đề nghị báo cáo: Tình hình đón tiếp")
    assert "Nêu số đoàn, quốc tịch & nội dung làm việc <nếu có>." in text
    assert "quốc tịch &amp; nội dung làm việc &lt;nếu có&gt;." in html
    assert "trước ngày 10 tháng 8 năm 2018" in text and "Các nhiệm vụ" not in text
    assert not LEFTOVERS.search(text) and not LEFTOVERS.search(html)
