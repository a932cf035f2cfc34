"""Deliver the outbox with aiosmtplib: pooled connections, a rate limit, retries with back-off, exactly-once.

How a message leaves
--------------------
Each of `settings.smtp.concurrency` workers owns one SMTP connection, reused for every message it
sends. Before sending, a worker *claims* the row with a conditional UPDATE
(`state='queued' AND id=:id` → `state='sending'`), so two workers — in one process or in several —
never send the same row. After the server's answer the row becomes `sent`, goes back to `queued`
with `next_attempt_at` pushed out (4xx reply, dropped connection, timeout: exponential back-off up
to `max_attempts`), or becomes `failed` with the server's answer in `last_error` (5xx reply; the
refused addresses are flagged on their `Contact` rows). All times come from the `now` parameter.

The in-flight window (a crash while sending)
--------------------------------------------
Between the claim and the recording of the answer a row is `sending`; at most one row per
connection is in that state at any moment (a worker records one answer in the same transaction as
its next claim). If the process dies there, nobody knows whether the server accepted that message.
While claimed, `next_attempt_at` holds the claim's lease expiry (`now + LEASE`). A later run that
finds a `sending` row whose lease has expired does NOT send it again: it marks it `failed` with
"interrupted" in `last_error`, for the officer to check and `planflow outbox requeue` if needed.
This is the "never twice" choice: a duplicated official notice cannot be taken back, while an
interrupted one is visible in `planflow outbox list` and can be re-sent by hand. The window is
therefore at most `concurrency` messages, and only those whose delivery was actually in flight.

Database work runs on one dedicated thread, so it overlaps with the network I/O of the other
connections instead of blocking the event loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import aiosmtplib
import sqlalchemy as sa

from models.settings import Settings
from models.tables import Contact, OutboundMessage, OutboxState

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=15)
RETRY_BASE = dt.timedelta(minutes=2)
RETRY_CAP = dt.timedelta(hours=2)
INTERRUPTED = "interrupted: the process stopped while this message was being delivered; it may have arrived — check before requeueing"

_T = OutboundMessage.__table__
_C = Contact.__table__


@dataclass
class DeliveryReport:
    """What one delivery run did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    interrupted: int = 0
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


class _ConnectFailed(Exception):
    """The worker could not open (or authenticate) its connection."""


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
    """The database side of a run, called from one dedicated thread."""

    def __init__(self, engine: sa.Engine, settings: Settings, now: dt.datetime):
        self.engine = engine
        self.max_attempts = settings.smtp.max_attempts
        self.now = now

    def expire_stale(self) -> int:
        with self.engine.begin() as conn:
            return conn.execute(
                _T.update()
                .where(_T.c.state == OutboxState.sending.name, _T.c.next_attempt_at < self.now)
                .values(state=OutboxState.failed.name, last_error=INTERRUPTED, next_attempt_at=None)
            ).rowcount

    def due_ids(self, limit: int | None) -> list[int]:
        q = (
            sa.select(_T.c.id)
            .where(_T.c.state == OutboxState.queued.name)
            .where(sa.or_(_T.c.next_attempt_at.is_(None), _T.c.next_attempt_at <= self.now))
            .order_by(_T.c.id)
        )
        if limit is not None:
            q = q.limit(limit)
        with self.engine.connect() as conn:
            return list(conn.execute(q).scalars())

    def step(self, outcome: _Outcome | None, next_id: int | None) -> _Claim | None:
        """Record one answer and claim the next row, in one transaction."""
        with self.engine.begin() as conn:
            if outcome is not None:
                self._record(conn, outcome)
            if next_id is None:
                return None
            claimed = conn.execute(
                _T.update()
                .where(_T.c.id == next_id, _T.c.state == OutboxState.queued.name)
                .values(state=OutboxState.sending.name, attempts=_T.c.attempts + 1, next_attempt_at=self.now + LEASE)
            ).rowcount
            if claimed != 1:
                return None
            row = conn.execute(
                sa.select(_T.c.id, _T.c.sender, _T.c.recipients, _T.c.raw, _T.c.attempts).where(_T.c.id == next_id)
            ).one()
            return _Claim(row.id, row.sender, list(row.recipients), row.raw, row.attempts)

    def _record(self, conn, o: _Outcome) -> None:
        values: dict = {"state": o.state.name, "last_error": o.error}
        if o.state == OutboxState.sent:
            values.update(sent_at=self.now, next_attempt_at=None)
        elif o.state == OutboxState.queued:
            values.update(next_attempt_at=self.now + backoff(o.attempts))
        else:
            values.update(next_attempt_at=None)
        conn.execute(_T.update().where(_T.c.id == o.id, _T.c.state == OutboxState.sending.name).values(**values))
        if o.refused:
            conn.execute(
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
    from email.parser import BytesHeaderParser
    from email.utils import getaddresses

    headers = BytesHeaderParser().parsebytes(claim.raw)
    return [a for _, a in getaddresses(headers.get_all("To", [])) if a]


def _retry(claim: _Claim, text: str, max_attempts: int) -> _Outcome:
    if claim.attempts >= max_attempts:
        return _Outcome(claim.id, OutboxState.failed, claim.attempts, f"gave up after {claim.attempts} attempts: {text}")
    return _Outcome(claim.id, OutboxState.queued, claim.attempts, text)


async def deliver_pending(*, engine: sa.Engine, settings: Settings, now: dt.datetime, limit: int | None = None) -> DeliveryReport:
    """Deliver every queued message due at `now` (at most `limit`) over pooled SMTP connections."""
    report = DeliveryReport()
    loop = asyncio.get_running_loop()
    store = _Store(engine, settings, now)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-db") as db:

        async def in_db(fn, *args):
            return await loop.run_in_executor(db, fn, *args)

        report.interrupted = await in_db(store.expire_stale)
        ids = await in_db(store.due_ids, limit)
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in ids:
            queue.put_nowait(i)
        limiter = RateLimiter(settings.smtp.rate_per_second)
        workers = max(1, min(settings.smtp.concurrency, len(ids)))
        await asyncio.gather(*(_work(queue, in_db, store, settings, limiter, report) for _ in range(workers if ids else 0)))
        report.left_queued = queue.qsize()
    return report


async def _work(queue, in_db, store: _Store, settings: Settings, limiter: RateLimiter, report: DeliveryReport) -> None:
    client: aiosmtplib.SMTP | None = None
    outcome: _Outcome | None = None
    try:
        while True:
            next_id = None if queue.empty() else queue.get_nowait()
            claim = await in_db(store.step, outcome, next_id)
            outcome = None
            if next_id is None:
                return
            if claim is None:
                continue  # another worker took it
            report.claimed += 1
            await limiter.acquire()
            try:
                if client is None or not client.is_connected:
                    client = smtp_client(settings)
                    try:
                        await client.connect()
                    except Exception as exc:
                        raise _ConnectFailed(f"{type(exc).__name__}: {exc}") from exc
                errors, _ = await client.sendmail(claim.sender, claim.recipients, claim.raw)
            except _ConnectFailed as exc:
                # The server is unreachable: give this message its retry and leave the rest queued, untouched.
                outcome = _retry(claim, f"connection failed: {exc}", store.max_attempts)
                _count(report, outcome)
                client = None
                return
            except Exception as exc:
                outcome = _classify(claim, exc, store.max_attempts)
                _count(report, outcome)
                if client is not None and (not client.is_connected or getattr(exc, "code", None) == 421):
                    client.close()
                    client = None
                continue
            refused = {r: _answer(resp.code, resp.message) for r, resp in errors.items()}
            outcome = _Outcome(claim.id, OutboxState.sent, claim.attempts)
            if refused:
                outcome.error = "refused recipients: " + "; ".join(f"{r}: {t}" for r, t in refused.items())
                outcome.refused = [r for r, resp in errors.items() if resp.code >= 500]
            _count(report, outcome)
    finally:
        if outcome is not None:
            await in_db(store.step, outcome, None)
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
    else:
        report.retried += 1
        report.errors.append(f"#{outcome.id} (will retry): {outcome.error}")
