"""The batch runner: read a bounded batch of new mail, hand each message to `ingest`, move it away, report counts."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import sqlalchemy as sa
from imapclient.exceptions import IMAPClientError
from sqlmodel import Session, col, select

from inbound import mailbox
from inbound.ingest import DUPLICATE, IngestResult, ingest_raw, process_stored
from models.settings import Settings
from models.tables import InboundDisposition, InboundMessage

log = logging.getLogger(__name__)

_COUNTERS = {
    InboundDisposition.recorded.value: "recorded",
    InboundDisposition.quarantined.value: "quarantined",
    InboundDisposition.ignored.value: "ignored",
    InboundDisposition.bounce.value: "bounces",
    DUPLICATE: "duplicates",
    "error": "errors",
}


@dataclass
class CollectReport:
    """What one run of the reader did."""

    read: int = 0
    recorded: int = 0
    quarantined: int = 0
    ignored: int = 0
    bounces: int = 0
    errors: int = 0
    duplicates: int = 0
    moved: int = 0
    remaining: int = 0
    problems: list[str] = field(default_factory=list)
    results: list[IngestResult] = field(default_factory=list)

    def count(self, result: IngestResult) -> None:
        """Add one message's outcome."""
        name = _COUNTERS.get(result.disposition, "errors")
        setattr(self, name, getattr(self, name) + 1)
        self.results.append(result)

    def summary(self) -> dict[str, int]:
        """The counters, for logs and artifacts."""
        return {
            k: getattr(self, k)
            for k in (
                "read",
                "recorded",
                "quarantined",
                "ignored",
                "bounces",
                "duplicates",
                "errors",
                "moved",
                "remaining",
            )
        }


def resume_unfinished(
    *, engine: sa.Engine, settings: Settings, now: dt.datetime, report: CollectReport, limit: int
) -> None:
    """Process messages stored by an earlier run that stopped before deciding them."""
    with Session(engine) as session:
        ids = session.exec(
            select(InboundMessage.id)
            .where(InboundMessage.disposition == InboundDisposition.received)
            .order_by(col(InboundMessage.id))
            .limit(limit)
        ).all()
    for inbound_id in ids:
        assert inbound_id is not None  # primary keys read back from the table are never NULL
        result = process_stored(engine=engine, settings=settings, inbound_id=inbound_id, now=now)
        if result.disposition != DUPLICATE:
            report.count(result)


def collect_replies(*, engine: sa.Engine, settings: Settings, now: dt.datetime) -> CollectReport:
    """Read up to `settings.imap.batch_size` new messages, record or quarantine each once, move them to the processed folder.

    Raises `MailboxUnavailable` when the server cannot be reached at all; a connection lost midway ends
    the run with what was done kept (counted in `errors`), and the next run continues from there.
    """
    imap = settings.imap
    report = CollectReport()
    resume_unfinished(engine=engine, settings=settings, now=now, report=report, limit=imap.batch_size)
    if not imap.host:
        return report
    client = mailbox.connect(imap)
    account = f"{imap.username}@{imap.host}"  # not the port: a proxy or TLS port change must not restart from UID 1
    try:
        processed = mailbox.ensure_folder(client, imap.processed_folder)
        selected = client.select_folder(imap.folder)
        uidvalidity = int(selected[b"UIDVALIDITY"])
        last_uid = mailbox.reading_state(engine=engine, account=account, folder=imap.folder, uidvalidity=uidvalidity)
        uids = sorted(client.search(["ALL"]))  # pyright: ignore[reportArgumentType]  # imapclient is unannotated; `criteria` is inferred as str from its default, but lists are documented
        # Stored by an earlier run but not moved (the run stopped in between): move them now.
        leftovers = [u for u in uids if u <= last_uid]
        if leftovers:
            mailbox.move(client, leftovers, processed)
            report.moved += len(leftovers)
        new = [u for u in uids if u > last_uid]
        batch, report.remaining = new[: imap.batch_size], max(0, len(new) - imap.batch_size)
        for start in range(0, len(batch), mailbox.FETCH_CHUNK):
            chunk = batch[start : start + mailbox.FETCH_CHUNK]
            done = []
            for item in mailbox.fetch(client, chunk):
                report.read += 1
                result = ingest_raw(
                    engine=engine,
                    settings=settings,
                    raw=item.raw,
                    now=now,
                    mailbox=imap.folder,
                    uidvalidity=uidvalidity,
                    uid=item.uid,
                    server_received_at=item.internaldate,
                )
                report.count(result)
                if result.disposition != "error":
                    mailbox.advance(
                        engine=engine, account=account, folder=imap.folder, uidvalidity=uidvalidity, uid=item.uid
                    )
                    # A duplicate is moved by the reader that processed it, or as a leftover by the next
                    # run: two readers moving the same message would leave two copies in the folder.
                    if result.disposition != DUPLICATE:
                        done.append(item.uid)
            mailbox.move(client, done, processed)
            report.moved += len(done)
    except (TimeoutError, IMAPClientError, OSError, EOFError) as exc:
        report.errors += 1
        report.problems.append(f"IMAP connection lost: {type(exc).__name__}: {exc}")
        log.warning("IMAP connection lost after %d message(s): %s", report.read, exc)
    finally:
        try:
            client.logout()
        except Exception:
            pass
    return report
