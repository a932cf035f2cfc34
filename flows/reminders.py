"""The daily run's reminder tasks: every reminder, escalation and digest due as of now, written to the outbox.

They never rely on each tick happening: on every run they compute what is due and not yet sent as of
`now` (the outbox keys `notifications.keys.reminder_key` are the "sent" set), so a run after days of
downtime catches up, and two runs for the same `now` send nothing twice. The flow that runs them is
`daily-cycle` (`flows/daily.py`).
"""

from __future__ import annotations

import datetime as dt

from prefect import get_run_logger, task

from flows.common import DB_RETRIES, DB_RETRY_DELAYS, session, transient_db_error
from models.audit import record_skipped_reminder, skipped_reminders
from models.plandoc import PlanDocument
from models.settings import get_settings
from models.tables import Plan
from notifications.keys import last_digest_day, sent_reminders


@task(
    name="queue-reminders",
    retries=DB_RETRIES,
    retry_delay_seconds=DB_RETRY_DELAYS,
    retry_condition_fn=transient_db_error,
)
def queue_reminders(now: dt.datetime) -> dict[str, int]:
    """Write every reminder and escalation due as of `now`, for every open round, to the outbox (one batch)."""
    from models.reminders import AgencyView, RoundView, ladder_for, reminder_run
    from models.rounds import roster, rounds_to_remind
    from notifications.notices import NoRecipient, enqueue_escalation, enqueue_reminder

    settings = get_settings()
    log = get_run_logger()
    counts: dict[str, int] = {}
    with session(settings) as s:
        for rnd in rounds_to_remind(session=s):
            assert rnd.id is not None
            plan = s.get(Plan, rnd.plan_id)
            assert plan is not None
            document = PlanDocument.of(plan)
            entries = roster(session=s, round_id=rnd.id)
            by_code = {agency.code: agency.id or 0 for _, agency in entries}
            run = reminder_run(
                now=now,
                round=RoundView(key=rnd.key, due_at=rnd.due_at, lock_at=rnd.lock_at, opens_at=rnd.opens_at),
                agencies=[AgencyView(code=a.code, status=e.status) for e, a in entries],
                sent=sent_reminders(session=s, round_key=rnd.key),
                ladder=ladder_for(rnd.ladder, document.reminders),
                calendar=document.work_calendar,
                tz=settings.timezone,
                skipped=skipped_reminders(session=s, round_id=rnd.id),
            )
            for due in run.due:
                agency_id = by_code[due.agency_code]
                try:
                    enqueue_reminder(
                        session=s,
                        settings=settings,
                        round_id=rnd.id,
                        agency_id=agency_id,
                        step=due.step,
                        kind=due.kind,
                        now=now,
                    )
                    if due.escalate:
                        enqueue_escalation(
                            session=s, settings=settings, round_id=rnd.id, agency_id=agency_id, step=due.step, now=now
                        )
                except NoRecipient as exc:  # one agency without an address never stops the others' reminders
                    log.warning("No reminder for %s in %s: %s", due.agency_code, rnd.key, exc)
            for gone in run.skipped:
                record_skipped_reminder(
                    session=s,
                    round_id=rnd.id,
                    agency_id=by_code[gone.agency_code],
                    agency_code=gone.agency_code,
                    step=gone.step,
                    reason=gone.reason,
                )
            counts[rnd.key] = len(run.due)
            log.info("Round %s: %d reminders due, %d out of date", rnd.key, len(run.due), len(run.skipped))
    return counts


@task(
    name="queue-digests",
    retries=DB_RETRIES,
    retry_delay_seconds=DB_RETRY_DELAYS,
    retry_condition_fn=transient_db_error,
)
def queue_digests(now: dt.datetime) -> list[str]:
    """The consolidation officer's daily digest of pending agencies, once per working day and plan."""
    from models.reminders import digest_due
    from models.rounds import plans_with_open_rounds
    from notifications.notices import NoRecipient, enqueue_digest

    settings = get_settings()
    written = []
    with session(settings) as s:
        for plan in plans_with_open_rounds(session=s):
            assert plan.id is not None
            document = PlanDocument.of(plan)
            day = digest_due(
                now=now,
                last_digest_on=last_digest_day(session=s, plan_key=plan.key),
                calendar=document.work_calendar,
                tz=settings.timezone,
                hour=document.reminders.send_hour,
            )
            if day is not None:
                try:
                    if enqueue_digest(session=s, settings=settings, plan_id=plan.id, now=now) is not None:
                        written.append(plan.key)
                except NoRecipient as exc:
                    get_run_logger().warning("No digest for plan %s: %s", plan.key, exc)
    return written
