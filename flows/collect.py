"""Flow `collect-replies`: read the mailbox once, record or quarantine each reply, then deliver the queued receipts."""

from __future__ import annotations

import datetime as dt

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.utilities.asyncutils import run_coro_as_sync

from flows.common import SERVER_RETRIES, SERVER_RETRY_DELAYS, engine, resolve_now
from flows.status import publish_rounds_status
from models.settings import get_settings
from reports.markdown import md_escape


@task(name="read-mailbox", retries=SERVER_RETRIES, retry_delay_seconds=SERVER_RETRY_DELAYS)
def read_mailbox(now: dt.datetime) -> dict:
    """One bounded batch from the IMAP folder; raises (and is retried) only when the server cannot be reached."""
    from inbound.collector import collect_replies as collect

    settings = get_settings()
    log = get_run_logger()
    if not settings.imap.host:
        log.warning("No IMAP host configured (PLANFLOW_IMAP_HOST): replies by email are not read")
    report = collect(engine=engine(settings), settings=settings, now=now)
    summary = report.summary()
    log.info(
        "Mailbox: %(read)d read, %(recorded)d recorded, %(quarantined)d quarantined, %(ignored)d ignored, "
        "%(bounces)d bounces, %(duplicates)d duplicates, %(errors)d errors, %(remaining)d left for the next run",
        summary,
    )
    for problem in report.problems:
        log.warning("%s", problem)
    for r in report.results:
        if r.disposition in ("quarantined", "error"):
            log.warning("Inbound #%s quarantined: %s", r.inbound_id, r.reason)
    summary["touched_rounds"] = sorted({r.round_id for r in report.results if r.round_id and r.submission_id})
    summary["rows"] = [
        {
            "inbound": r.inbound_id,
            "disposition": r.disposition,
            "method": r.method or "",
            "status": r.status or "",
            "reason": (r.reason or "")[:200],
        }
        for r in report.results
    ]
    return summary


@task(name="deliver-receipts", retries=SERVER_RETRIES, retry_delay_seconds=SERVER_RETRY_DELAYS)
def deliver_receipts(now: dt.datetime) -> dict:
    """Deliver the receipts and refusals just queued (the whole outbox batch, one task)."""
    from notifications.sender import deliver_pending

    settings = get_settings()
    report = run_coro_as_sync(deliver_pending(engine=engine(settings), settings=settings, now=now))
    get_run_logger().info("Outbox: %d sent, %d retried later, %d failed", report.sent, report.retried, report.failed)
    return {"sent": report.sent, "retried": report.retried, "failed": report.failed}


@flow(name="collect-replies", flow_run_name="collect replies {now}")
def collect_replies(now: dt.datetime | None = None, deliver: bool = True) -> dict:
    """Read new replies from the mailbox, record them, quarantine what needs the officer, send receipts."""
    now = resolve_now(now)
    summary = read_mailbox(now)
    rows = summary.pop("rows")
    touched = summary.pop("touched_rounds")
    if touched:
        # The round status tables in the UI follow the replies as they arrive, not only the daily run.
        publish_rounds_status(touched)
    counts = [{"measure": k, "count": v} for k, v in summary.items()]
    create_table_artifact(key="collect-replies", table=counts, description="Thư trả lời đã đọc trong lần chạy này")
    lines = [
        "# Thư trả lời / Replies read",
        "",
        f"Đã đọc **{summary['read']}** thư: ghi nhận **{summary['recorded']}**, cách ly **{summary['quarantined']}**, "
        f"bỏ qua **{summary['ignored']}** (trả lời tự động), thư báo lỗi **{summary['bounces']}**.",
        "",
    ]
    if rows:
        lines += ["| # | kết quả | cách khớp | trạng thái | lý do |", "|---|---|---|---|---|"]
        lines += [
            # the reason quotes a sender's From: literal text, never Markdown (issue #13)
            f"| {r['inbound']} | {r['disposition']} | {md_escape(r['method'])} | {md_escape(r['status'])} "
            f"| {md_escape(r['reason'])} |"
            for r in rows[:200]
        ]
    create_markdown_artifact(key="collect-replies-detail", markdown="\n".join(lines), description="Từng thư trả lời")
    if deliver:
        summary["delivery"] = deliver_receipts(now)
    return summary
