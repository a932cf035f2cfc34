"""A server that answers 421 / 451 / 554 or drops the connection mid-message: every message ends sent once or failed."""

from __future__ import annotations

import datetime as dt

from sqlmodel import col, select

from devstack.stack import free_port
from models.db import session_scope
from models.tables import Contact, ContactRole, OutboundMessage, OutboxState
from notifications import notices
from notifications.sender import INTERRUPTED, LEASE, RETRY_BASE, deliver_pending
from tests.outbound.conftest import smtp_settings
from tests.outbound.cycle import AFTER
from tests.smtpd import FaultyHandler, RcptRefusingHandler, RecordingHandler, start


def _reminders(world, settings, agencies=None) -> list[OutboundMessage]:
    with session_scope(world.engine) as s:
        return [
            notices.enqueue_reminder(
                session=s,
                settings=settings,
                round_id=world.round_id,
                agency_id=a.id,
                step="overdue-1",
                kind="after",
                now=AFTER,
            )
            for a in (agencies or world.agencies)
        ]


def _rows(world) -> dict[int | None, OutboundMessage]:
    with session_scope(world.engine) as s:
        return {r.id: r for r in s.exec(select(OutboundMessage))}


async def test_faults_end_in_exactly_one_delivery_or_a_reasoned_failure(world, settings):
    behaviour: dict[str, list[str]] = {}
    always: dict[str, str] = {}

    def script(message_id: str, attempt: int) -> str:
        if message_id in always:
            return always[message_id]
        answers = behaviour.get(message_id, [])
        return answers[attempt - 1] if attempt <= len(answers) else "250"

    handler = FaultyHandler(script)
    ctl = start(handler)
    try:
        settings = smtp_settings(settings, ctl.port, max_attempts=3, concurrency=3)
        rows = _reminders(world, settings)
        ids = [r.message_id for r in rows]
        behaviour[ids[0]] = ["421 4.3.2 Service shutting down"]
        behaviour[ids[1]] = ["451 4.3.0 Try again later", "451 4.3.0 Try again later"]
        always[ids[2]] = "554 5.7.1 Message refused: policy"
        behaviour[ids[3]] = ["drop"]
        always[ids[4]] = "451 4.7.1 Greylisted"
        always[ids[5]] = "drop"

        now = AFTER
        first = await deliver_pending(engine=world.engine, settings=settings, now=now)
        assert first.claimed == len(rows) and first.sent == len(rows) - 6
        state = _rows(world)
        assert state[rows[1].id].state == OutboxState.queued
        assert state[rows[1].id].next_attempt_at == now + RETRY_BASE
        assert "451" in (state[rows[1].id].last_error or "")
        # Not due yet: a run at the same moment sends nothing again.
        same = await deliver_pending(engine=world.engine, settings=settings, now=now)
        assert same.claimed == 0

        for _ in range(6):
            now += dt.timedelta(hours=3)
            await deliver_pending(engine=world.engine, settings=settings, now=now)
        state = _rows(world)
    finally:
        ctl.stop()

    accepted = handler.accepted()
    for row in rows:
        final = state[row.id]
        assert final.state in (OutboxState.sent, OutboxState.failed), row.idempotency_key
        assert accepted[row.message_id] == (1 if final.state == OutboxState.sent else 0), row.idempotency_key
    assert sum(accepted.values()) == len(rows) - 3, "nothing lost, nothing duplicated"

    assert (state[rows[0].id].state, state[rows[0].id].attempts) == (OutboxState.sent, 2)
    assert (state[rows[1].id].state, state[rows[1].id].attempts) == (OutboxState.sent, 3)
    assert (state[rows[3].id].state, state[rows[3].id].attempts) == (OutboxState.sent, 2)
    refused = state[rows[2].id]
    assert (refused.state, refused.attempts) == (OutboxState.failed, 1)
    assert refused.last_error == "554 5.7.1 Message refused: policy"
    grey = state[rows[4].id]
    assert (grey.state, grey.attempts) == (OutboxState.failed, 3) and "451 4.7.1 Greylisted" in (grey.last_error or "")
    dropped = state[rows[5].id]
    assert (dropped.state, dropped.attempts) == (OutboxState.failed, 3) and "Disconnected" in (dropped.last_error or "")
    assert handler.attempts[ids[5]] == 3 and handler.attempts[ids[4]] == 3 and handler.attempts[ids[2]] == 1

    with session_scope(world.engine) as s:
        flagged = s.exec(select(Contact).where(col(Contact.failed_at).is_not(None))).all()
    assert {c.agency_id for c in flagged} == {rows[2].agency_id}
    assert all("554" in (c.failure or "") for c in flagged)


async def test_refused_recipients_are_flagged_on_their_contact(world, settings):
    agency = world.agencies[0]
    with session_scope(world.engine) as s:
        focal = s.exec(
            select(Contact).where(Contact.agency_id == agency.id, Contact.role == ContactRole.focal_point)
        ).all()
        head = s.exec(select(Contact).where(Contact.agency_id == agency.id, Contact.role == ContactRole.head)).one()
    handler = RcptRefusingHandler({head.email} | {c.email for c in focal})
    ctl = start(handler)
    try:
        settings = smtp_settings(settings, ctl.port)
        [reminder] = _reminders(world, settings, [agency])
        with session_scope(world.engine) as s:
            escalation = notices.enqueue_escalation(
                session=s, settings=settings, round_id=world.round_id, agency_id=agency.id, step="overdue-3", now=AFTER
            )
        report = await deliver_pending(engine=world.engine, settings=settings, now=AFTER)
    finally:
        ctl.stop()
    state = _rows(world)
    # Every recipient of the reminder refused: failed. The escalation still reached the officer in copy.
    assert state[reminder.id].state == OutboxState.failed and "550 5.1.1" in (state[reminder.id].last_error or "")
    assert state[escalation.id].state == OutboxState.sent and head.email in (state[escalation.id].last_error or "")
    assert report.sent == 1 and report.failed == 1
    assert [r.rcpt_tos for r in handler.received] == [[a for a in state[escalation.id].recipients if a != head.email]]
    with session_scope(world.engine) as s:
        for c in [head, *focal]:
            contact = s.get(Contact, c.id)
            assert contact is not None and contact.failed_at == AFTER


async def test_unreachable_server_keeps_the_queue(world, settings):
    settings = smtp_settings(settings, free_port(), concurrency=2, timeout=2.0)
    rows = _reminders(world, settings, world.agencies[:12])
    report = await deliver_pending(engine=world.engine, settings=settings, now=AFTER)
    state = _rows(world)
    tried = [r for r in rows if state[r.id].last_error]
    # Each connection tries once and gives up for this run; an outage uses up no attempt.
    assert report.sent == 0 and 1 <= report.retried == len(tried) <= 2
    assert all(state[r.id].state == OutboxState.queued and state[r.id].attempts == 0 for r in rows)
    assert all("connection failed" in (state[r.id].last_error or "") for r in tried)
    assert all(state[r.id].next_attempt_at == AFTER + RETRY_BASE for r in tried)
    assert all(t is not None and t <= AFTER for t in (state[r.id].next_attempt_at for r in rows if r not in tried))


async def test_a_message_left_in_flight_by_a_crash_is_never_sent_again(world, settings, smtp):
    settings = smtp_settings(settings, smtp.port)
    stale, fresh, queued = _reminders(world, settings, world.agencies[:3])
    with session_scope(world.engine) as s:
        for row, lease_end in ((stale, AFTER - dt.timedelta(minutes=1)), (fresh, AFTER + LEASE)):
            r = s.get(OutboundMessage, row.id)
            assert r is not None
            r.state, r.attempts, r.next_attempt_at = OutboxState.sending, 1, lease_end
            s.add(r)
    report = await deliver_pending(engine=world.engine, settings=settings, now=AFTER)
    assert report.interrupted == 1 and report.sent == 1
    state = _rows(world)
    assert state[stale.id].state == OutboxState.failed and state[stale.id].last_error == INTERRUPTED
    assert state[fresh.id].state == OutboxState.sending, "another worker may still be sending it"
    assert state[queued.id].state == OutboxState.sent
    assert smtp.accepted() == {queued.message_id: 1}


async def test_a_killed_run_is_settled_from_its_journal(world, settings):
    import os
    import subprocess
    import sys
    import time

    handler = RecordingHandler(delay=0.05)
    ctl = start(handler)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # noqa: ASYNC240
    try:
        s = smtp_settings(settings, ctl.port, concurrency=2)
        rows = _reminders(world, s)
        # The SMTP server runs on its own thread's loop, so blocking this one while the child sends is harmless.
        proc = subprocess.Popen(  # noqa: ASYNC220
            [
                sys.executable,
                "-m",
                "tests.outbound.crash_worker",
                settings.database_url,
                str(ctl.port),
                str(settings.data_dir),
                AFTER.isoformat(),
            ],
            cwd=root,
        )
        deadline = time.monotonic() + 30
        while len(handler.received) < 6 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)  # noqa: ASYNC251
        proc.kill()  # SIGKILL: no cleanup, no final commit
        proc.wait()
        assert 6 <= len(handler.received) < len(rows), "the run was killed mid-batch"
        left = [r for r in _rows(world).values() if r.state == OutboxState.sending]
        assert left, "the killed run held claims"

        handler.delay = 0
        report = await deliver_pending(engine=world.engine, settings=s, now=AFTER + LEASE + dt.timedelta(minutes=1))
    finally:
        ctl.stop()

    final = _rows(world)
    accepted = handler.accepted()
    assert set(accepted.values()) == {1}, "no message ever reached the server twice"
    interrupted = [r for r in final.values() if r.state == OutboxState.failed]
    assert all(r.last_error == INTERRUPTED for r in interrupted)
    assert len(interrupted) <= 2, "only what was in flight on the two connections"
    assert report.interrupted == len(interrupted)
    assert report.interrupted + report.released + report.recovered_sent == len(left)
    assert report.released and report.recovered_sent, "claims that never left are queued again; accepted ones are kept"
    for r in final.values():
        assert r.state in (OutboxState.sent, OutboxState.failed)
        if r.state == OutboxState.sent:
            assert accepted[r.message_id] == 1
    assert not list((settings.data_dir / "outbox-journal").glob("*.log")), "settled journals are removed"
