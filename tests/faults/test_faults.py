"""Whole-system faults with real servers (issue #13, point 6), the inbound side: nothing lost, nothing twice, no crash.

- The reader in its own process is SIGKILLed at random moments while it fetches and records, and Dovecot
  is restarted under it; then it runs again. Every reply ends recorded exactly once, every hostile
  message stored and decided, and each recorded version has exactly one receipt.
- The receipts then go out through an SMTP server that answers 421, 451 and 554, drops connections
  and is down for a while: each receipt is accepted exactly once, or is marked failed with the reason.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import Session, col, func, select

from devstack.dovecot import start_dovecot
from inbound.collector import collect_replies
from models.tables import (
    Contact,
    ContactRole,
    InboundDisposition,
    InboundMessage,
    OutboundMessage,
    OutboxState,
    RosterEntry,
    Submission,
)
from notifications import addressing
from notifications.sender import deliver_pending
from tests.faults.conftest import Ledger
from tests.faults.pgserver import start_private_postgres
from tests.inbound.conftest import EML, NOW, ON_TIME, append, folder_count, imap_settings, make_world
from tests.security.hostile import reply
from tests.smtpd import FaultyHandler, start

pytestmark = [pytest.mark.faults, pytest.mark.dovecot, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
AUTHSERV_ID = "mx.stttt.vinhlong.example"
HOSTILE = [*sorted(p.name for p in EML.glob("hostile_*.eml")), "stranger.eml", "forged_bounce.eml"]


def _replies(world) -> dict[str, bytes]:
    """One reply per agency of the six-month round, from its focal point through its reply address."""
    out = {}
    with Session(world.engine) as s:
        for (key, code), (round_id, agency_id) in sorted(world.ids.items()):
            if key != "six-month-2018":
                continue
            contact = s.exec(
                select(Contact).where(Contact.agency_id == agency_id, Contact.role == ContactRole.focal_point)
            ).first()
            expected = s.exec(
                select(RosterEntry).where(RosterEntry.round_id == round_id, RosterEntry.agency_id == agency_id)
            ).first()
            if contact is None or expected is None:
                continue
            message_id = f"<fault-{code.lower()}@{contact.email.rsplit('@', 1)[1]}>"
            out[message_id] = reply(
                sender=contact.email,
                to=addressing.reply_address(settings=world.settings, round_id=round_id, agency_id=agency_id),
                subject=f"Báo cáo 6 tháng - {code}",
                body=f"{code} báo cáo kết quả 6 tháng đầu năm. " + "Nội dung chi tiết. " * 200,
                message_id=message_id,
                at=ON_TIME,
                attachments=[
                    (f"Báo cáo {code}.pdf", b"%PDF-1.4\n% " + code.encode() + b"\n%%EOF\n", "application/pdf")
                ],
            )
    return out


def _worker(world, dovecot, tmp_path: Path, db_url: str | None = None) -> subprocess.Popen:
    config = tmp_path / "reader.json"
    config.write_text(
        json.dumps(
            {
                "data_dir": str(world.settings.data_dir),
                "db_url": db_url or world.settings.database_url,
                "imap_host": dovecot.host,
                "imap_port": dovecot.port,
                "imap_user": dovecot.user,
                "imap_password": dovecot.password,
                "batch_size": 4,
                "authserv_ids": [AUTHSERV_ID],
                "max_file_bytes": world.settings.limits.max_file_bytes,
                "now": NOW.isoformat(),
            }
        )
    )
    return subprocess.Popen(
        [sys.executable, "-m", "tests.faults.reader_worker", str(config)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _assert_each_once(world, replies: dict[str, bytes], hostile: dict[str, bytes], ledger: Ledger) -> None:
    """Every reply recorded exactly once with one receipt; every hostile message stored and decided."""
    with Session(world.engine) as s:
        rows = s.exec(select(InboundMessage)).all()
        assert all(r.disposition != InboundDisposition.received for r in rows)
        by_id = Counter(r.message_id for r in rows)
        recorded = {
            r.message_id for r in rows if r.disposition == InboundDisposition.recorded and r.message_id in replies
        }
        submissions = s.exec(select(Submission)).all()
        per_agency = Counter(sub.agency_id for sub in submissions)
        receipts = s.exec(
            select(func.count()).select_from(OutboundMessage).where(OutboundMessage.kind == "receipt")
        ).one()
        hostile_rows = [r for r in rows if r.message_id not in replies]
    duplicates = sum(n - 1 for n in by_id.values() if n > 1) + sum(n - 1 for n in per_agency.values() if n > 1)
    lost = len(replies) - len(recorded)
    ledger.replies_recorded += len(recorded)
    ledger.duplicates += duplicates
    ledger.replies_lost += lost
    assert duplicates == 0 and lost == 0
    assert len(submissions) == len(replies) and receipts == len(replies)
    assert len(hostile_rows) == len(hostile)  # every hostile message stored and decided
    assert all(
        r.disposition in (InboundDisposition.quarantined, InboundDisposition.bounce, InboundDisposition.ignored)
        for r in hostile_rows
    )


def test_reader_killed_and_imap_restarted_loses_and_doubles_nothing(tmp_path, reference_plan, ledger: Ledger):
    rng = random.Random(13)
    dovecot = start_dovecot()
    try:
        world = make_world(tmp_path, reference_plan, imap=imap_settings(dovecot), authserv_ids=[AUTHSERV_ID])
        replies = _replies(world)
        hostile = {name: world.corpus(name) for name in HOSTILE}
        append(dovecot, [(raw, ON_TIME) for raw in [*replies.values(), *hostile.values()]])
        ledger.replies_sent += len(replies)
        ledger.hostile_inputs += len(hostile)

        for round_no in range(40):
            if folder_count(dovecot, "INBOX") == 0:
                break
            proc = _worker(world, dovecot, tmp_path)
            time.sleep(rng.uniform(0.3, 2.0))
            if round_no % 3 == 1:
                dovecot.stop(remove=False)  # the IMAP server goes away under the reader, mid-fetch or mid-move
                time.sleep(rng.uniform(0.1, 1.0))
                dovecot.restart()
                ledger.faults_injected += 1
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                ledger.faults_injected += 1
            _out, err = proc.communicate(timeout=120)
            if proc.returncode not in (0, 3, -signal.SIGKILL):
                ledger.crashes += 1
                pytest.fail(f"reader crashed (exit {proc.returncode}): {err[-3000:]}")
        # A last, undisturbed run finishes whatever is left (stored but undecided, stored but not moved).
        final = collect_replies(engine=world.engine, settings=world.settings, now=NOW)
        assert final.errors == 0
        assert folder_count(dovecot, "INBOX") == 0

        _assert_each_once(world, replies, hostile, ledger)
    finally:
        dovecot.stop()


def test_receipts_survive_smtp_faults_and_an_outage(tmp_path, reference_plan, ledger: Ledger):
    from inbound.ingest import ingest_raw

    world = make_world(tmp_path, reference_plan)
    replies = _replies(world)
    for raw in replies.values():
        assert ingest_raw(engine=world.engine, settings=world.settings, raw=raw, now=ON_TIME).disposition == "recorded"
    with Session(world.engine) as s:
        outbox = s.exec(select(OutboundMessage).order_by(col(OutboundMessage.id))).all()
    ids = [m.message_id for m in outbox]
    ledger.messages_sent += len(ids)
    script: dict[str, list[str]] = {
        ids[0]: ["421 4.3.2 Service shutting down"],
        ids[1]: ["451 4.3.0 Try again later", "451 4.3.0 Try again later"],
        ids[2]: ["554 5.7.1 Message refused: policy"] * 9,
        ids[3]: ["drop"],
        ids[4]: ["drop", "451 4.3.0 Try again later"],
    }
    ledger.faults_injected += sum(len([a for a in v if a != "250"]) for v in script.values())

    def answer(message_id: str, attempt: int) -> str:
        answers = script.get(message_id, [])
        return answers[attempt - 1] if attempt <= len(answers) else "250"

    handler = FaultyHandler(answer)
    ctl = start(handler)
    port = ctl.port
    settings = world.settings.model_copy(
        update={
            "smtp": world.settings.smtp.model_copy(
                update={"port": port, "max_attempts": 5, "rate_per_second": 0, "timeout": 5, "concurrency": 2}
            )
        }
    )
    now = NOW
    try:
        asyncio.run(deliver_pending(engine=world.engine, settings=settings, now=now))
        ctl.stop()  # the server is down for a while: a run now retries later, never loses
        ledger.faults_injected += 1
        now += dt.timedelta(minutes=5)
        down = asyncio.run(deliver_pending(engine=world.engine, settings=settings, now=now))
        assert down.sent == 0
        ctl = start(handler)
        settings = settings.model_copy(update={"smtp": settings.smtp.model_copy(update={"port": ctl.port})})
        for _ in range(10):
            now += dt.timedelta(hours=3)
            asyncio.run(deliver_pending(engine=world.engine, settings=settings, now=now))
    finally:
        ctl.stop()
    accepted = handler.accepted()
    with Session(world.engine) as s:
        final = {m.message_id: m for m in s.exec(select(OutboundMessage)).all()}
    ledger.messages_received += sum(accepted.values())
    ledger.duplicates += sum(n - 1 for n in accepted.values() if n > 1)
    for message_id, row in final.items():
        assert row.state in (OutboxState.sent, OutboxState.failed), (message_id, row.state, row.last_error)
        assert accepted[message_id] == (1 if row.state == OutboxState.sent else 0), message_id
    assert final[ids[2]].state == OutboxState.failed and "554" in (final[ids[2]].last_error or "")
    assert sum(1 for r in final.values() if r.state == OutboxState.sent) == len(ids) - 1


def test_reader_survives_postgres_stopped_and_started(tmp_path, reference_plan, ledger: Ledger):
    """The database goes away (an immediate stop, as a crash) while the reader records, then comes back."""
    rng = random.Random(21)
    server = start_private_postgres()
    dovecot = start_dovecot()
    try:
        world = make_world(
            tmp_path, reference_plan, imap=imap_settings(dovecot), db_url=server.url, authserv_ids=[AUTHSERV_ID]
        )
        replies = _replies(world)
        hostile = {name: world.corpus(name) for name in HOSTILE}
        append(dovecot, [(raw, ON_TIME) for raw in [*replies.values(), *hostile.values()]])
        ledger.replies_sent += len(replies)
        ledger.hostile_inputs += len(hostile)
        interrupted = 0
        for _ in range(4):  # four outages, each while a reader is at work
            if folder_count(dovecot, "INBOX") == 0:
                break
            proc = _worker(world, dovecot, tmp_path)
            time.sleep(rng.uniform(0.5, 2.0))
            server.stop("immediate")
            ledger.faults_injected += 1
            time.sleep(rng.uniform(0.2, 1.0))
            server.start()
            _, err = proc.communicate(timeout=180)
            interrupted += proc.returncode != 0
            if proc.returncode not in (0, 3) and "OperationalError" not in err:
                ledger.crashes += 1
                pytest.fail(f"reader crashed (exit {proc.returncode}): {err[-3000:]}")
        print(f"postgres outages: {interrupted} of the reader's runs were cut short by one")
        assert interrupted > 0  # the outages really hit a reader at work
        world.engine.dispose()  # connections of the pool died with the server
        for _ in range(5):  # undisturbed runs finish the rest
            if folder_count(dovecot, "INBOX") == 0:
                break
            collect_replies(engine=world.engine, settings=world.settings, now=NOW)
        final = collect_replies(engine=world.engine, settings=world.settings, now=NOW)
        assert final.errors == 0 and folder_count(dovecot, "INBOX") == 0
        _assert_each_once(world, replies, hostile, ledger)
        world.engine.dispose()
    finally:
        dovecot.stop()
        server.remove()
