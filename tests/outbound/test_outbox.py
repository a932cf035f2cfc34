"""The outbox: idempotent on the key, raw MIME stored, envelope recipients from To, Cc and Bcc."""

from __future__ import annotations

import datetime as dt
import email
from email import policy

import pytest
from sqlmodel import func, select

from models.db import session_scope
from models.tables import OutboundMessage, OutboxState
from notifications import outbox
from notifications.compose import compose
from notifications.render import Rendered
from notifications.sender import backoff
from tests.smtpd import body

NOW = dt.datetime(2018, 6, 1, 1, tzinfo=dt.UTC)


def _message(to="Nguyễn Văn A <a@example.vn>", bcc=None):
    msg = compose(
        sender="Sở TT&TT <s@example.vn>",
        to=[to],
        cc=["c@example.vn"],
        message_id="<m1@example.vn>",
        date=NOW,
        rendered=Rendered("Thư thử — tiếng Việt", "nội dung", "<p>nội dung</p>"),
    )
    if bcc:
        msg["Bcc"] = bcc
    return msg


def test_enqueue_is_idempotent_and_stores_the_raw_message(engine):
    with session_scope(engine) as s:
        first = outbox.enqueue(session=s, key="test:1", kind="test", message=_message(bcc="b@example.vn"), now=NOW)
        again = outbox.enqueue(session=s, key="test:1", kind="test", message=_message(to="other@example.vn"), now=NOW)
        other = outbox.enqueue(session=s, key="test:2", kind="test", message=_message(), now=NOW)
        assert first.id == again.id != other.id
    with session_scope(engine) as s:
        assert s.exec(select(func.count()).select_from(OutboundMessage)).one() == 2
        row = outbox.find(session=s, key="test:1")
    assert row is not None
    assert row.recipients == ["a@example.vn", "c@example.vn", "b@example.vn"]
    assert row.state == OutboxState.queued and row.attempts == 0 and row.created_at == NOW
    parsed = email.message_from_bytes(row.raw, policy=policy.default)
    assert parsed["Bcc"] is None, "Bcc never travels in the headers"
    assert str(parsed["Subject"]) == row.subject == "Thư thử — tiếng Việt"
    assert body(parsed, "plain").strip() == "nội dung"
    assert b"\r\n" in row.raw


def test_requeue_puts_a_failed_message_back(engine):
    with session_scope(engine) as s:
        row = outbox.enqueue(session=s, key="test:f", kind="test", message=_message(), now=NOW)
        row.state, row.attempts, row.last_error = OutboxState.failed, 3, "554 no"
        s.add(row)
    with session_scope(engine) as s:
        assert row.id is not None
        again = outbox.requeue(session=s, message_id=row.id, now=NOW)
        assert (again.state, again.attempts, again.next_attempt_at) == (OutboxState.queued, 0, NOW)
        again.state = OutboxState.sent
        s.add(again)
        s.flush()
        with pytest.raises(ValueError):
            outbox.requeue(session=s, message_id=row.id, now=NOW)


def test_backoff_doubles_and_is_capped():
    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert backoff(20) == dt.timedelta(hours=2)


async def test_rate_limit_spaces_the_messages(engine, settings):
    """20 messages at 40/s cannot all leave in less than 19/40 s (a lower bound, so load cannot make it flaky)."""
    import time

    from notifications.sender import deliver_pending
    from tests.outbound.conftest import smtp_settings
    from tests.smtpd import RecordingHandler, start

    handler = RecordingHandler()
    ctl = start(handler)
    try:
        s = smtp_settings(settings, ctl.port, rate_per_second=40, concurrency=4)
        with session_scope(engine) as session:
            for i in range(20):
                msg = compose(
                    sender="s@example.vn",
                    to=[f"u{i}@example.vn"],
                    message_id=f"<r{i}@example.vn>",
                    date=NOW,
                    rendered=Rendered("Nhắc", "nội dung", "<p>nội dung</p>"),
                )
                outbox.enqueue(session=session, key=f"rate:{i}", kind="test", message=msg, now=NOW)
        t0 = time.monotonic()
        report = await deliver_pending(engine=engine, settings=s, now=NOW)
        elapsed = time.monotonic() - t0
    finally:
        ctl.stop()
    assert report.sent == 20 and len(handler.received) == 20
    assert elapsed >= 19 / 40
