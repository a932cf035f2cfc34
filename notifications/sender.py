"""Deliver the outbox with aiosmtplib: pooled connections, a rate limit, retries with back-off, exactly-once.

How a message leaves
--------------------
Each of `settings.smtp.concurrency` workers owns one SMTP connection, reused for every message it
sends. A worker *claims* a few rows at a time (the next few while it sends the current ones) with a
conditional UPDATE (`state='queued' AND id IN (...)` → `state='sending'`, RETURNING what it got), so two workers — in
one process or in several — never send the same row. After the server's answer a row becomes
`sent`, goes back to `queued` with `next_attempt_at` pushed out (4xx reply, dropped connection,
timeout: exponential back-off up to `max_attempts`), or becomes `failed` with the server's answer
in `last_error` (5xx reply; the refused addresses are flagged on their `Contact` rows). When the
connection cannot be opened (server down, TLS or AUTH refused) nothing was tried: no attempt is
counted, the error is shown in `last_error` and the queue waits for the next run. All times
come from the `now` parameter. The claims and answers of all workers are grouped into as few
commits as possible, on one database thread, so database work overlaps with SMTP traffic.

The in-flight window (a crash while sending)
--------------------------------------------
A claimed row says which run holds it (`claimed_by` = the run id) and until when
(`next_attempt_at` = claim time + `LEASE`); every state it leaves `sending` for clears `claimed_by`. The run keeps a hand-over journal
(`notifications/journal.py`, under `<data>/outbox-journal/`): one line just before a message goes
to the server, one line as soon as the server accepts it. A later run that finds a `sending` row
whose lease has expired reads that journal:

- the server accepted it → the row is marked `sent` (it is not sent again);
- it never left → the row is queued again (nothing was sent);
- it was handed over and no answer was written → nobody knows whether the server accepted it.
  This is the in-flight window: at most one message per connection. planflow takes the
  "never twice" side: the row is marked `failed` with "interrupted" in `last_error`, for the
  officer to check and `planflow outbox requeue` if needed. A duplicated official notice cannot be
  taken back; an interrupted one is visible in `planflow outbox list` and in the daily digest.
- no journal can be found (another machine's run, or a lost folder) → treated as in flight.

The journal is written with plain `write()` calls (safe when the process is killed). On SQLite the
run's own connection commits with `synchronous=NORMAL` (WAL): a commit survives the process, not a
power cut; after a power cut the journal may be older than the database, which can only turn an
"accepted" into "interrupted", never cause a second sending.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import ssl
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from pathlib import Path

import aiosmtplib
import sqlalchemy as sa

from models.settings import Settings
from models.tables import Contact, OutboundMessage, OutboxState
from notifications.journal import HANDED, SENT, Journal, read_all

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=15)
CLAIM_BATCH = 16
JOURNAL_FOLDER = "outbox-journal"
RETRY_BASE = dt.timedelta(minutes=2)
RETRY_CAP = dt.timedelta(hours=2)
INTERRUPTED = "interrupted: the process stopped while this message was being delivered; it may have arrived — check before requeueing"
RELEASED = "not sent: its delivery run stopped before handing it to the server"

_T: sa.Table = OutboundMessage.__table__  # pyright: ignore[reportAttributeAccessIssue]  (set by SQLModel)
_C: sa.Table = Contact.__table__  # pyright: ignore[reportAttributeAccessIssue]

# The two statements of the hot path, built once (statement construction costs more than SQLite here).
_CLAIM = (
    _T.update()
    .where(_T.c.id.in_(sa.bindparam("ids", expanding=True)), _T.c.state == OutboxState.queued.name)
    .values(
        state=OutboxState.sending.name,
        attempts=_T.c.attempts + 1,
        next_attempt_at=sa.bindparam("lease"),
        claimed_by=sa.bindparam("run"),
    )
    .returning(_T.c.id, _T.c.sender, _T.c.recipients, _T.c.raw, _T.c.attempts)
)
_MARK_SENT = (
    _T.update()
    .where(_T.c.id.in_(sa.bindparam("ids", expanding=True)), _T.c.state == OutboxState.sending.name)
    .values(
        state=OutboxState.sent.name, sent_at=sa.bindparam("at"), last_error=None, next_attempt_at=None, claimed_by=None
    )
)


@dataclass
class DeliveryReport:
    """What one delivery run did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    interrupted: int = 0
    recovered_sent: int = 0
    released: int = 0
    left_queued: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class _Claim:
    id: int
    sender: str
    recipients: list[str]
    raw: bytes
    attempts: int


@dataclass
class _Outcome:
    id: int
    state: OutboxState
    attempts: int
    error: str | None = None
    refused: list[str] = field(default_factory=list)
    not_before: dt.datetime | None = None  # when a released claim may be tried again (default: back-off)


Step = tuple[list[_Outcome], list[int]]


class _Batcher:
    """Groups the workers' database steps: whatever queued up while the database thread was busy goes in one commit."""

    def __init__(self, store: _Store, in_db):
        self.store = store
        self.in_db = in_db
        self.pending: list[tuple[Step, asyncio.Future]] = []
        self.wakeup = asyncio.Event()

    async def step(self, outcomes: list[_Outcome], want: list[int]) -> list[_Claim]:
        """Record `outcomes` and claim the rows `want` (those another worker has not taken)."""
        future = asyncio.get_running_loop().create_future()
        self.pending.append(((outcomes, want), future))
        self.wakeup.set()
        return await future

    async def run(self) -> None:
        """Serve steps until cancelled."""
        while True:
            await self.wakeup.wait()
            self.wakeup.clear()
            batch, self.pending = self.pending, []
            if not batch:
                continue
            try:
                results = await self.in_db(self.store.steps, [step for step, _ in batch])
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)


class RateLimiter:
    """At most `rate` acquisitions per second across all workers (0 = unlimited)."""

    def __init__(self, rate: float):
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait for the next free slot."""
        if not self._interval:
            return
        async with self._lock:
            now = time.monotonic()
            wait = self._next - now
            self._next = max(now, self._next) + self._interval
        if wait > 0:
            await asyncio.sleep(wait)


def backoff(attempts: int) -> dt.timedelta:
    """Delay before the next attempt after `attempts` failed ones: 2, 4, 8 … minutes, capped at 2 hours."""
    return min(RETRY_BASE * (2 ** max(attempts - 1, 0)), RETRY_CAP)


def _tls_context(settings: Settings) -> ssl.SSLContext | None:
    if settings.smtp.security == "none":
        return None
    cafile = str(settings.smtp.ca_file) if settings.smtp.ca_file else None
    return ssl.create_default_context(cafile=cafile)


def smtp_client(settings: Settings) -> aiosmtplib.SMTP:
    """An unconnected client configured from the settings (TLS mode, AUTH, timeout)."""
    s = settings.smtp
    return aiosmtplib.SMTP(
        hostname=s.host,
        port=s.port,
        timeout=s.timeout,
        use_tls=s.security == "tls",
        start_tls=s.security == "starttls",
        tls_context=_tls_context(settings),
        username=s.username,
        password=s.password.get_secret_value() if s.password is not None else None,
    )


class _Store:
    """The database side of a run: one connection, used only from the dedicated database thread."""

    def __init__(self, engine: sa.Engine, settings: Settings, now: dt.datetime, run_id: str):
        self.engine = engine
        self.max_attempts = settings.smtp.max_attempts
        self.now = now
        self.run_id = run_id
        self.conn: sa.Connection | None = None
        self._synchronous: int | None = None

    @property
    def db(self) -> sa.Connection:
        """The run's open connection (between `open` and `close`)."""
        if self.conn is None:
            raise RuntimeError("the outbox store is not open")
        return self.conn

    def open(self) -> None:
        """Check out the run's connection; on SQLite, commit with synchronous=NORMAL (see the module docstring)."""
        self.conn = self.engine.connect()
        if self.engine.dialect.name == "sqlite":
            self._synchronous = self.conn.exec_driver_sql("PRAGMA synchronous").scalar()
            self.conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
            self.conn.commit()

    def close(self) -> None:
        """Give the connection back to the pool as it was."""
        if self.conn is None:
            return
        try:
            self.conn.rollback()
            if self._synchronous is not None:
                self.conn.exec_driver_sql(f"PRAGMA synchronous={int(self._synchronous)}")
                self.conn.commit()
        finally:
            self.conn.close()
            self.conn = None

    def recover(self, folder: Path, report: DeliveryReport) -> None:
        """Settle `sending` rows whose lease expired, from their run's journal; delete journals nobody needs."""
        verdicts, files = read_all(folder)
        known_runs = {f.stem.removeprefix("run-") for f in files}
        with self.db.begin():
            stale = self.db.execute(
                sa.select(_T.c.id, _T.c.attempts, _T.c.claimed_by).where(
                    _T.c.state == OutboxState.sending.name, _T.c.next_attempt_at < self.now
                )
            ).all()
            for row in stale:
                run = row.claimed_by
                verdict = verdicts.get((row.id, row.attempts)) if run in known_runs else HANDED
                if verdict == SENT:
                    values = dict(state=OutboxState.sent.name, sent_at=self.now, last_error=None, next_attempt_at=None)
                    report.recovered_sent += 1
                elif verdict == HANDED:
                    values = dict(state=OutboxState.failed.name, last_error=INTERRUPTED, next_attempt_at=None)
                    report.interrupted += 1
                else:
                    values = dict(
                        state=OutboxState.queued.name,
                        attempts=max(row.attempts - 1, 0),
                        last_error=RELEASED,
                        next_attempt_at=self.now,
                    )
                    report.released += 1
                self.db.execute(
                    _T.update()
                    .where(_T.c.id == row.id, _T.c.state == OutboxState.sending.name)
                    .values(**values, claimed_by=None)
                )
            holders = set(
                self.db.execute(sa.select(_T.c.claimed_by).where(_T.c.state == OutboxState.sending.name)).scalars()
            )
        for f in files:
            if f.stem.removeprefix("run-") not in holders:
                f.unlink(missing_ok=True)

    def due_ids(self, limit: int | None) -> list[int]:
        """Ids of the queued rows due at `now`, oldest first."""
        q = (
            sa.select(_T.c.id)
            .where(_T.c.state == OutboxState.queued.name)
            .where(sa.or_(_T.c.next_attempt_at.is_(None), _T.c.next_attempt_at <= self.now))
            .order_by(_T.c.id)
        )
        if limit is not None:
            q = q.limit(limit)
        with self.db.begin():
            return list(self.db.execute(q).scalars())

    def steps(self, requests: list[Step]) -> list[list[_Claim]]:
        """Record answers and claim rows for several workers, in one transaction (one commit)."""
        with self.db.begin():
            plain_sent = []
            for outcomes, _ in requests:
                for o in outcomes:
                    if o.state == OutboxState.sent and not o.error and not o.refused:
                        plain_sent.append(o.id)
                    else:
                        self._record(o)
            if plain_sent:
                self.db.execute(_MARK_SENT, {"ids": plain_sent, "at": self.now})
            return [self._claim(want) if want else [] for _, want in requests]

    def _claim(self, want: list[int]) -> list[_Claim]:
        rows = self.db.execute(_CLAIM, {"ids": want, "lease": self.now + LEASE, "run": self.run_id}).all()
        order = {row_id: n for n, row_id in enumerate(want)}
        return sorted(
            (_Claim(r.id, r.sender, list(r.recipients), r.raw, r.attempts) for r in rows), key=lambda c: order[c.id]
        )

    def _record(self, o: _Outcome) -> None:
        values: dict[str, object] = {
            "state": o.state.name,
            "last_error": o.error,
            "attempts": o.attempts,
            "claimed_by": None,
        }
        if o.state == OutboxState.sent:
            values.update(sent_at=self.now, next_attempt_at=None)
        elif o.state == OutboxState.queued:
            values.update(next_attempt_at=o.not_before or self.now + backoff(o.attempts))
        else:
            values.update(next_attempt_at=None)
        self.db.execute(_T.update().where(_T.c.id == o.id, _T.c.state == OutboxState.sending.name).values(**values))
        if o.refused:
            self.db.execute(
                _C.update()
                .where(sa.func.lower(_C.c.email).in_([a.lower() for a in o.refused]))
                .values(failed_at=self.now, failure=(o.error or "")[:1000])
            )


def _answer(code: int, message: str) -> str:
    return f"{code} {message}".strip()


def _classify(claim: _Claim, exc: BaseException, max_attempts: int) -> _Outcome:
    """Turn a delivery error into the row's next state."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        answers = [(r.code, r.message, r.recipient) for r in exc.recipients]
        text = "; ".join(f"{rcpt}: {_answer(code, msg)}" for code, msg, rcpt in answers)
        if all(code >= 500 for code, _, _ in answers):
            return _Outcome(claim.id, OutboxState.failed, claim.attempts, text, refused=[r for _, _, r in answers])
        return _retry(claim, text, max_attempts)
    if isinstance(exc, aiosmtplib.SMTPResponseException) and not isinstance(exc, aiosmtplib.SMTPConnectResponseError):
        text = _answer(exc.code, exc.message)
        if exc.code >= 500:
            return _Outcome(claim.id, OutboxState.failed, claim.attempts, text, refused=_to_recipients(claim))
        return _retry(claim, text, max_attempts)
    return _retry(claim, f"{type(exc).__name__}: {exc}", max_attempts)


def _to_recipients(claim: _Claim) -> list[str]:
    """Addresses of the To header (a 5xx to the whole message is blamed on them, not on copies)."""
    headers = BytesHeaderParser().parsebytes(claim.raw)
    return [a for _, a in getaddresses(headers.get_all("To", [])) if a]


def _retry(claim: _Claim, text: str, max_attempts: int) -> _Outcome:
    if claim.attempts >= max_attempts:
        return _Outcome(
            claim.id, OutboxState.failed, claim.attempts, f"gave up after {claim.attempts} attempts: {text}"
        )
    return _Outcome(claim.id, OutboxState.queued, claim.attempts, text)


async def deliver_pending(
    *, engine: sa.Engine, settings: Settings, now: dt.datetime, limit: int | None = None
) -> DeliveryReport:
    """Deliver every queued message due at `now` (at most `limit`) over pooled SMTP connections."""
    report = DeliveryReport()
    loop = asyncio.get_running_loop()
    run_id = uuid.uuid4().hex
    folder = Path(settings.data_dir) / JOURNAL_FOLDER
    store = _Store(engine, settings, now, run_id)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-db") as db:

        async def in_db(fn, *args):
            """Run `fn` on the database thread."""
            return await loop.run_in_executor(db, fn, *args)

        await in_db(store.open)
        try:
            await in_db(store.recover, folder, report)
            ids = await in_db(store.due_ids, limit)
            if ids:
                journal = Journal(folder, run_id)
                finished = False
                try:
                    await _deliver(ids, store, in_db, journal, settings, report)
                    finished = True
                finally:
                    journal.close(remove=finished)
        finally:
            await in_db(store.close)
    return report


async def _deliver(
    ids: list[int], store: _Store, in_db, journal: Journal, settings: Settings, report: DeliveryReport
) -> None:
    """Let the workers drain the due messages."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in ids:
        queue.put_nowait(i)
    limiter = RateLimiter(settings.smtp.rate_per_second)
    workers = min(settings.smtp.concurrency, len(ids))  # concurrency >= 1: the settings check it
    batcher = _Batcher(store, in_db)
    serving = asyncio.create_task(batcher.run())
    try:
        await asyncio.gather(
            *(_work(queue, batcher, journal, store, settings, limiter, report) for _ in range(workers))
        )
    finally:
        serving.cancel()
        await asyncio.gather(serving, return_exceptions=True)
    report.left_queued = queue.qsize()


async def _work(
    queue,
    batcher: _Batcher,
    journal: Journal,
    store: _Store,
    settings: Settings,
    limiter: RateLimiter,
    report: DeliveryReport,
) -> None:
    """One connection: claim a few rows, send them one by one, while the next claim is already on its way.

    Claiming ahead is safe: a claimed row that never reached the server is not in the journal, so a
    run that dies with it is settled by queueing it again.
    """
    client: aiosmtplib.SMTP | None = None
    done: list[_Outcome] = []  # accepted by the server (and journaled), not yet in the database

    def take() -> list[int]:
        return [queue.get_nowait() for _ in range(min(CLAIM_BATCH, queue.qsize()))]

    ahead: asyncio.Task | None = asyncio.ensure_future(batcher.step([], take()))
    try:
        while ahead is not None:
            claims = await ahead
            ahead = None
            want = take()
            if want or done:
                ahead = asyncio.ensure_future(batcher.step(done, want))
                done = []
            report.claimed += len(claims)
            for n, claim in enumerate(claims):
                await limiter.acquire()
                if client is None or not client.is_connected:
                    client = smtp_client(settings)
                    try:
                        await client.connect()
                    except Exception as exc:
                        # The server is unreachable: nothing was tried, so no attempt is counted (an outage
                        # must not use up a message's attempts). This message waits RETRY_BASE, the other
                        # claims go back untouched, and the rest of the queue stays for the next run.
                        client = None
                        outcome = _Outcome(
                            claim.id,
                            OutboxState.queued,
                            claim.attempts - 1,
                            f"connection failed: {type(exc).__name__}: {exc}",
                            not_before=store.now + RETRY_BASE,
                        )
                        _count(report, outcome)
                        unsent = list(claims[n + 1 :])
                        if ahead is not None:
                            unsent += await ahead
                            ahead = None
                        report.claimed -= len(unsent)
                        released = [
                            _Outcome(c.id, OutboxState.queued, c.attempts - 1, None, not_before=store.now)
                            for c in unsent
                        ]
                        await batcher.step([outcome, *released], [])
                        return
                journal.handed(claim.id, claim.attempts)
                try:
                    errors, _ = await client.sendmail(claim.sender, claim.recipients, claim.raw)
                except Exception as exc:
                    outcome = _classify(claim, exc, store.max_attempts)
                    _count(report, outcome)
                    await batcher.step([outcome], [])
                    if not client.is_connected or getattr(exc, "code", None) == 421:
                        client.close()
                        client = None
                    continue
                journal.sent(claim.id, claim.attempts)
                outcome = _Outcome(claim.id, OutboxState.sent, claim.attempts)
                if errors:
                    outcome.error = "refused recipients: " + "; ".join(
                        f"{r}: {_answer(resp.code, resp.message)}" for r, resp in errors.items()
                    )
                    outcome.refused = [r for r, resp in errors.items() if resp.code >= 500]
                _count(report, outcome)
                done.append(outcome)
    finally:
        if ahead is not None:
            ahead.cancel()  # only on an error: its claims, if committed, are settled by the journal later
        if done:
            await batcher.step(done, [])
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except Exception:  # the messages are recorded; a failed QUIT changes nothing
                client.close()


def _count(report: DeliveryReport, outcome: _Outcome) -> None:
    if outcome.state == OutboxState.sent:
        report.sent += 1
    elif outcome.state == OutboxState.failed:
        report.failed += 1
        report.errors.append(f"#{outcome.id}: {outcome.error}")
        log.warning("outbox #%d failed: %s", outcome.id, outcome.error)
    else:
        report.retried += 1
        report.errors.append(f"#{outcome.id} (will retry): {outcome.error}")
        log.info("outbox #%d will be retried: %s", outcome.id, outcome.error)
