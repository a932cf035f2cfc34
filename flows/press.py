"""Flow `quarterly-press-briefing` (II.5): remind the organiser of each quarter's press conference, once per quarter."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.runtime import flow_run
from sqlmodel import select

from flows.common import DB_RETRY, now_label, outbox_count, resolve_now, session
from flows.delivery import deliver_outbox
from flows.reminders import plan_rules
from models.settings import get_settings
from models.tables import Plan


@task(name="queue-press-reminders", **DB_RETRY)
def queue_press_reminders(now: dt.datetime) -> list[str]:
    """For each plan, the reminder of the quarter whose briefing date has come (catching up within the quarter)."""
    from models.reminders import press_briefing_dates
    from notifications.notices import enqueue_press_reminder

    settings = get_settings()
    local = now.astimezone(ZoneInfo(settings.timezone))
    quarter = (local.month - 1) // 3
    written = []
    with session(settings) as s:
        for plan in s.exec(select(Plan)).all():
            press = (plan.document or {}).get("press_briefings")
            if not press or plan.year != local.year:
                continue
            ladder, calendar = plan_rules(plan)
            dates = press_briefing_dates(
                year=plan.year, months=press["months"], day=press.get("day", 1), calendar=calendar
            )
            # Only this quarter's date counts: a reminder for a past quarter's briefing helps nobody.
            if (
                any(d <= local.date() and (d.month - 1) // 3 == quarter for d in dates)
                and local.hour >= ladder.send_hour
            ):
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
