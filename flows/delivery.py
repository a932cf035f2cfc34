"""One Prefect task that delivers the whole outbox batch (never one task per message)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from prefect import get_run_logger, task
from prefect.utilities.asyncutils import run_coro_as_sync

from flows.common import SERVER_RETRIES, SERVER_RETRY_DELAYS, engine
from models.settings import get_settings


@dataclass(frozen=True)
class Delivery:
    """What one delivery run did to the outbox."""

    sent: int
    retried: int
    failed: int
    queued: int


@task(name="deliver-outbox", retries=SERVER_RETRIES, retry_delay_seconds=SERVER_RETRY_DELAYS)
def deliver_outbox(now: dt.datetime) -> Delivery:
    """Deliver every queued message due at `now`; a bounced address fails its message, never the flow."""
    from notifications.sender import deliver_pending

    settings = get_settings()
    report = run_coro_as_sync(deliver_pending(engine=engine(settings), settings=settings, now=now))
    assert report is not None
    log = get_run_logger()
    log.info(
        "Outbox: %d sent, %d retried later, %d failed, %d still queued",
        report.sent,
        report.retried,
        report.failed,
        report.left_queued,
    )
    for error in report.errors[:20]:
        log.warning("Delivery problem: %s", error)
    return Delivery(sent=report.sent, retried=report.retried, failed=report.failed, queued=report.left_queued)
