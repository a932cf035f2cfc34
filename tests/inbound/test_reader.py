"""The IMAP reader against a real Dovecot: each reply recorded exactly once across reruns, concurrent readers and dropped connections."""

from __future__ import annotations

import datetime as dt
import socket
import threading

import pytest
from imapclient import IMAPClient
from sqlmodel import Session, func, select

from inbound import mailbox
from inbound.collector import collect_replies
from models.tables import InboundDisposition, InboundMessage, MailboxState, Submission
from tests.inbound.conftest import NOW, ON_TIME, append, folder_count

pytestmark = pytest.mark.dovecot

CODES = ["SVHTTDL", "SKHDT", "SCT", "SNNPTNT", "STC", "SNV", "STP", "SGTVT", "SXD", "STNMT", "SLDTBXH", "SKHCN"]


def replies(world, n: int, *, start: int = 0, pad: int = 0) -> list[tuple[bytes, dt.datetime]]:
    """`n` distinct plain replies from the focal points of a dozen agencies, to their reply addresses."""
    from notifications import addressing

    out = []
    for i in range(start, start + n):
        code = CODES[i % len(CODES)]
        round_id, agency_id = world.ids[("six-month-2018", code)]
        to = addressing.reply_address(settings=world.settings, round_id=round_id, agency_id=agency_id)
        raw = (
            f"From: vanthu@{code.lower()}.vinhlong.example\r\nTo: {to}\r\n"
            f"Subject: Re: [BC-SIX-MONTH-2018/{code}] =?utf-8?q?B=C3=A1o_c=C3=A1o?= {i}\r\n"
            f"Date: Sun, 10 Jun 2018 09:00:00 +0700\r\nMessage-ID: <reply-{i}@{code.lower()}.vinhlong.example>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            f"Báo cáo số {i}.\r\n" + ("x" * 76 + "\r\n") * (pad // 78)
        ).encode()
        out.append((raw, ON_TIME))
    return out


def counts(world) -> tuple[int, int]:
    """(submissions, inbound rows) in the database."""
    with Session(world.engine) as s:
        return (
            s.exec(select(func.count()).select_from(Submission)).one(),
            s.exec(select(func.count()).select_from(InboundMessage)).one(),
        )


def test_reading_twice_records_each_reply_once(world, dovecot):
    append(dovecot, replies(world, 30))
    first = collect_replies(engine=world.engine, settings=world.settings, now=NOW)
    assert (first.read, first.recorded, first.errors) == (30, 30, 0)
    second = collect_replies(engine=world.engine, settings=world.settings, now=NOW)
    assert second.read == 0 and second.recorded == 0
    # The server delivers the same messages again (same bytes): stored once, recorded once.
    append(dovecot, replies(world, 30))
    third = collect_replies(engine=world.engine, settings=world.settings, now=NOW)
    assert (third.read, third.duplicates, third.recorded) == (30, 30, 0)
    fourth = collect_replies(engine=world.engine, settings=world.settings, now=NOW)
    assert (fourth.read, fourth.moved) == (0, 30)  # the duplicates are moved away as leftovers
    assert counts(world) == (30, 30)
    assert folder_count(dovecot, "INBOX") == 0 and folder_count(dovecot, "planflow/processed") == 60


def test_a_batch_is_bounded_and_the_rest_waits(world, dovecot):
    world.settings.imap.batch_size = 10
    append(dovecot, replies(world, 25))
    runs = [collect_replies(engine=world.engine, settings=world.settings, now=NOW) for _ in range(4)]
    assert [r.read for r in runs] == [10, 10, 5, 0]
    assert [r.remaining for r in runs] == [15, 5, 0, 0]
    assert counts(world) == (25, 25)
    with Session(world.engine) as s:
        state = s.exec(select(MailboxState)).one()
        assert state.last_uid == 25


def test_two_readers_at_once_record_each_reply_once(world, dovecot):
    append(dovecot, replies(world, 60))
    reports, errors = [], []

    def run():
        try:
            reports.append(collect_replies(engine=world.engine, settings=world.settings, now=NOW))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    assert sum(r.recorded for r in reports) == 60
    assert sum(r.quarantined + r.errors for r in reports) == 0, (
        [
            (x.disposition, x.reason)
            for r in reports
            for x in r.results
            if x.disposition not in ("recorded", "duplicate")
        ]
        + [p for r in reports for p in r.problems]
        + [
            (m.size, m.uid, m.message_id)
            for m in Session(world.engine).exec(
                select(InboundMessage).where(InboundMessage.disposition == InboundDisposition.quarantined)
            )
        ]
    )
    assert counts(world) == (60, 60)
    with Session(world.engine) as s:
        assert (
            s.exec(
                select(func.count())
                .select_from(InboundMessage)
                .where(InboundMessage.disposition == InboundDisposition.recorded)
            ).one()
            == 60
        )
    assert folder_count(dovecot, "INBOX") == 0 and folder_count(dovecot, "planflow/processed") == 60


class CuttingProxy:
    """A TCP proxy to Dovecot that drops the connection once `cut_after` bytes came from the server (once)."""

    def __init__(self, port: int, cut_after: int):
        self.target, self.cut_after, self.armed = port, cut_after, True
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, True), daemon=True).start()

    def _pump(self, src, dst, from_server):
        seen = 0
        try:
            while data := src.recv(4096):
                seen += len(data)
                if from_server and self.armed and seen >= self.cut_after:
                    self.armed = False
                    dst.sendall(data[: len(data) // 2])
                    for s in (src, dst):
                        s.shutdown(socket.SHUT_RDWR)
                        s.close()
                    return
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.close()
                except OSError:
                    pass

    def close(self):
        self.listener.close()


def test_connection_dropped_mid_fetch_loses_and_doubles_nothing(world, dovecot):
    append(dovecot, replies(world, 40, pad=3000))
    proxy = CuttingProxy(dovecot.port, cut_after=100_000)  # cut inside the FETCH of the 2nd chunk of 25
    try:
        world.settings.imap.port = proxy.port
        first = collect_replies(engine=world.engine, settings=world.settings, now=NOW)
    finally:
        proxy.close()
    assert first.errors == 1 and "connection lost" in first.problems[0]
    assert 0 < first.recorded < 40
    world.settings.imap.port = dovecot.port
    second = collect_replies(engine=world.engine, settings=world.settings, now=NOW)
    assert second.errors == 0
    assert first.recorded + second.recorded == 40
    assert counts(world) == (40, 40)
    assert folder_count(dovecot, "INBOX") == 0 and folder_count(dovecot, "planflow/processed") == 40


def test_dovecot_stopped_mid_run_then_restarted(world, dovecot):
    """Stop the server between runs' fetch and move: stored messages are moved, not recorded again."""
    append(dovecot, replies(world, 10))
    client = mailbox.connect(world.settings.imap)
    client.select_folder("INBOX")
    uids = client.search("ALL")
    from inbound.ingest import ingest_raw

    # A reader stored three messages, then lost the server before moving them.
    for item in mailbox.fetch(client, uids[:3]):
        ingest_raw(
            engine=world.engine,
            settings=world.settings,
            raw=item.raw,
            now=NOW,
            uid=item.uid,
            server_received_at=item.internaldate,
        )
    client.shutdown()
    dovecot.stop(remove=False)
    with pytest.raises(mailbox.MailboxUnavailable):
        collect_replies(engine=world.engine, settings=world.settings, now=NOW)
    dovecot.restart()
    report = collect_replies(engine=world.engine, settings=world.settings, now=NOW)
    assert (report.read, report.recorded, report.duplicates) == (10, 7, 3)
    assert counts(world) == (10, 10)
    collect_replies(engine=world.engine, settings=world.settings, now=NOW)
    assert folder_count(dovecot, "INBOX") == 0 and folder_count(dovecot, "planflow/processed") == 10


def test_move_falls_back_to_copy_delete_expunge(world, dovecot):
    append(dovecot, replies(world, 3))
    client = mailbox.connect(world.settings.imap)
    try:
        target = mailbox.ensure_folder(client, "planflow/processed")
        client.select_folder("INBOX")
        mailbox.move(client, client.search("ALL"), target, use_move=False)
        assert client.search("ALL") == []
    finally:
        client.logout()
    assert folder_count(dovecot, "planflow/processed") == 3


def test_uidvalidity_change_starts_over_without_doubling(world, dovecot):
    world.settings.imap.folder = "replies"
    client = IMAPClient(dovecot.host, port=dovecot.port, ssl=False)
    client.login(dovecot.user, dovecot.password)
    client.create_folder("replies")
    append(dovecot, replies(world, 5), folder="replies")
    assert collect_replies(engine=world.engine, settings=world.settings, now=NOW).recorded == 5
    client.delete_folder("replies")
    client.create_folder("replies")  # a new folder: new UIDVALIDITY, UIDs from 1 again
    client.logout()
    append(dovecot, replies(world, 5) + replies(world, 2, start=5), folder="replies")
    report = collect_replies(engine=world.engine, settings=world.settings, now=NOW)
    assert (report.read, report.recorded, report.duplicates) == (7, 2, 5)
    assert counts(world) == (7, 7)
    collect_replies(engine=world.engine, settings=world.settings, now=NOW)
    assert folder_count(dovecot, "replies") == 0 and folder_count(dovecot, "planflow/processed") == 12
