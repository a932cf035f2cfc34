"""One Prefect task that delivers the whole outbox batch (never one task per message)."""

from __future__ import annotations

import datetime as dt

from prefect import get_run_logger, task
from prefect.utilities.asyncutils import run_coro_as_sync

from flows.common import SERVER_RETRIES, SERVER_RETRY_DELAYS, engine
from models.settings import get_settings


@task(name="deliver-outbox", retries=SERVER_RETRIES, retry_delay_seconds=SERVER_RETRY_DELAYS)
def deliver_outbox(now: dt.datetime) -> dict:
    """Deliver every queued message due at `now`; a bounced address fails its message, never the flow."""
    from notifications.sender import deliver_pending

    settings = get_settings()
    report = run_coro_as_sync(deliver_pending(engine=engine(settings), settings=settings, now=now))
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
    return {"sent": report.sent, "retried": report.retried, "failed": report.failed, "queued": report.left_queued}
