"""Flow `collect-replies`: read the mailbox once, record or quarantine each reply, then deliver the queued receipts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.common import SERVER_RETRIES, SERVER_RETRY_DELAYS, engine, resolve_now
from flows.delivery import deliver_outbox
from flows.status import publish_rounds_status
from models.settings import get_settings
from reports.markdown import md_escape


@dataclass(frozen=True)
class MailboxBatch:
    """What one read of the mailbox did: the counters, the rounds that got a report, one row per message."""

    counts: dict[str, int]
    touched_rounds: list[int]
    rows: list[dict[str, Any]]


@task(name="read-mailbox", retries=SERVER_RETRIES, retry_delay_seconds=SERVER_RETRY_DELAYS)
def read_mailbox(now: dt.datetime) -> MailboxBatch:
    """One bounded batch from the IMAP folder; raises (and is retried) only when the server cannot be reached."""
    from inbound.collector import collect_replies as collect

    settings = get_settings()
    log = get_run_logger()
    if not settings.imap.host:
        log.warning("No IMAP host configured (PLANFLOW_IMAP_HOST): replies by email are not read")
    report = collect(engine=engine(settings), settings=settings, now=now)
    counts = report.summary()
    log.info(
        "Mailbox: %(read)d read, %(recorded)d recorded, %(quarantined)d quarantined, %(ignored)d ignored, "
        "%(bounces)d bounces, %(duplicates)d duplicates, %(errors)d errors, %(remaining)d left for the next run",
        counts,
    )
    for problem in report.problems:
        log.warning("%s", problem)
    for r in report.results:
        if r.disposition in ("quarantined", "error"):
            log.warning("Inbound #%s quarantined: %s", r.inbound_id, r.reason)
    return MailboxBatch(
        counts=counts,
        touched_rounds=sorted({r.round_id for r in report.results if r.round_id and r.submission_id}),
        rows=[
            {
                "inbound": r.inbound_id,
                "disposition": r.disposition,
                "method": r.method or "",
                "status": r.status or "",
                "reason": (r.reason or "")[:200],
            }
            for r in report.results
        ],
    )


@flow(name="collect-replies", flow_run_name="collect replies {now}")
def collect_replies(now: dt.datetime | None = None, deliver: bool = True) -> dict[str, Any]:
    """Read new replies from the mailbox, record them, quarantine what needs the officer, send receipts.

    Returns the counters (read, recorded, quarantined, ...) and, when it delivered, `delivery`.
    """
    now = resolve_now(now)
    batch = read_mailbox(now)
    summary: dict[str, Any] = dict(batch.counts)
    if batch.touched_rounds:
        # The round status tables in the UI follow the replies as they arrive, not only the daily run.
        publish_rounds_status(batch.touched_rounds)
    counts = [{"measure": k, "count": v} for k, v in batch.counts.items()]
    create_table_artifact(key="collect-replies", table=counts, description="Thư trả lời đã đọc trong lần chạy này")
    lines = [
        "# Thư trả lời / Replies read",
        "",
        f"Đã đọc **{summary['read']}** thư: ghi nhận **{summary['recorded']}**, cách ly **{summary['quarantined']}**, "
        f"bỏ qua **{summary['ignored']}** (trả lời tự động), thư báo lỗi **{summary['bounces']}**.",
        "",
    ]
    if batch.rows:
        lines += ["| # | kết quả | cách khớp | trạng thái | lý do |", "|---|---|---|---|---|"]
        lines += [
            # the reason quotes a sender's From: literal text, never Markdown (issue #13)
            f"| {r['inbound']} | {r['disposition']} | {md_escape(r['method'])} | {md_escape(r['status'])} "
            f"| {md_escape(r['reason'])} |"
            for r in batch.rows[:200]
        ]
    create_markdown_artifact(key="collect-replies-detail", markdown="\n".join(lines), description="Từng thư trả lời")
    if deliver:
        delivered = deliver_outbox(now)
        summary["delivery"] = {"sent": delivered.sent, "retried": delivered.retried, "failed": delivered.failed}
    return summary
