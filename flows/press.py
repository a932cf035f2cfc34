"""Flow `quarterly-press-briefing` (II.5): remind the organiser of each quarter's press conference, once per quarter."""

from __future__ import annotations

import datetime as dt

from prefect import flow, get_run_logger, task
from prefect.runtime import flow_run
from sqlmodel import select

from flows.common import (
    DB_RETRIES,
    DB_RETRY_DELAYS,
    now_label,
    outbox_count,
    resolve_now,
    session,
    transient_db_error,
)
from flows.delivery import deliver_outbox
from models.plandoc import PlanDocument
from models.settings import get_settings
from models.tables import Plan


@task(
    name="queue-press-reminders",
    retries=DB_RETRIES,
    retry_delay_seconds=DB_RETRY_DELAYS,
    retry_condition_fn=transient_db_error,
)
def queue_press_reminders(now: dt.datetime) -> list[str]:
    """For each plan, the reminder of the quarter whose briefing date has come (catching up within the quarter)."""
    from models.reminders import press_reminder_due
    from notifications.notices import enqueue_press_reminder

    settings = get_settings()
    written = []
    with session(settings) as s:
        for plan in s.exec(select(Plan)).all():
            assert plan.id is not None
            document = PlanDocument.of(plan)
            press = document.press_briefings
            if press is None or not press_reminder_due(
                now=now,
                tz=settings.timezone,
                year=plan.year,
                months=press.months,
                day=press.day,
                calendar=document.work_calendar,
                send_hour=document.reminders.send_hour,
            ):
                continue
            before = outbox_count(s)
            row = enqueue_press_reminder(session=s, settings=settings, plan_id=plan.id, now=now)
            if row is not None and outbox_count(s) > before:  # an earlier run's row is not news
                written.append(row.idempotency_key)
    get_run_logger().info("Press-conference reminders: %s", written or "none due")
    return written


def _run_name() -> str:
    return f"press briefing {now_label(flow_run.parameters.get('now'))}"


@flow(name="quarterly-press-briefing", flow_run_name=_run_name)
def quarterly_press_briefing(now: dt.datetime | None = None) -> list[str]:
    """Remind Sở TT&TT of the quarterly press conference (II.5); safe to run every day."""
    now = resolve_now(now)
    written = queue_press_reminders(now)
    deliver_outbox(now)
    return written
