"""Flow `send-reminders`: the daily tick — every reminder, escalation and digest due as of now, locks, consolidation.

It never relies on each tick happening: on every run it computes what is due and not yet sent as of
`now` (the outbox idempotency keys `reminder:{round}:{agency}:{step}` are the "sent" set), so a run
after days of downtime catches up, and two runs for the same `now` send nothing twice.
"""

from __future__ import annotations

import datetime as dt

from prefect import flow, get_run_logger, task
from prefect.runtime import flow_run
from sqlmodel import select

from flows.common import DB_RETRY, now_label, resolve_now, session
from flows.cycle import advance_rounds
from flows.delivery import deliver_outbox
from flows.rounds import open_due_rounds
from flows.status import publish_rounds_status
from models.audit import audit
from models.plan import CalendarConfig
from models.reminders_config import ReminderLadder
from models.settings import get_settings
from models.tables import AgencyStatus, AuditLog, Plan, RosterEntry, Round, RoundState
from notifications.keys import last_digest_day, sent_reminders

SKIPPED_ACTION = "reminder_skipped"


def plan_rules(plan: Plan):
    """The plan's default ladder and its working-day calendar."""
    from models.workdays import WorkCalendar

    document = plan.document or {}
    ladder = ReminderLadder.model_validate(document.get("reminders") or {})
    calendar = WorkCalendar.from_config(CalendarConfig.model_validate(document.get("calendar") or {}))
    return ladder, calendar


def _skipped(s, round_id: int) -> set[tuple[str, str]]:
    rows = s.exec(select(AuditLog).where(AuditLog.round_id == round_id, AuditLog.action == SKIPPED_ACTION)).all()
    return {(r.detail.get("agency"), r.detail.get("step")) for r in rows}


@task(name="queue-reminders", **DB_RETRY)
def queue_reminders(now: dt.datetime) -> dict:
    """Write every reminder and escalation due as of `now`, for every open round, to the outbox (one batch)."""
    from models.reminders import AgencyView, RoundView, ladder_for, reminder_run
    from models.rounds import roster
    from notifications.notices import enqueue_escalation, enqueue_reminder

    settings = get_settings()
    log = get_run_logger()
    counts: dict[str, int] = {}
    with session(settings) as s:
        for rnd in s.exec(select(Round).where(Round.state == RoundState.open)).all():
            plan = s.get(Plan, rnd.plan_id)
            default_ladder, calendar = plan_rules(plan)
            entries = roster(session=s, round_id=rnd.id)
            by_code = {agency.code: agency for _, agency in entries}
            run = reminder_run(
                now=now,
                round=RoundView(key=rnd.key, due_at=rnd.due_at, lock_at=rnd.lock_at, opens_at=rnd.opens_at),
                agencies=[AgencyView(code=a.code, status=e.status) for e, a in entries],
                sent=sent_reminders(session=s, round_key=rnd.key),
                ladder=ladder_for(rnd.ladder, default_ladder),
                calendar=calendar,
                tz=settings.timezone,
                skipped=_skipped(s, rnd.id),
            )
            for due in run.due:
                agency_id = by_code[due.agency_code].id
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
                except Exception as exc:  # one agency's problem (no address, bad data) never stops the others'
                    log.warning("No reminder for %s in %s: %s", due.agency_code, rnd.key, exc)
            for gone in run.skipped:
                audit(
                    session=s,
                    actor="system",
                    action=SKIPPED_ACTION,
                    round_id=rnd.id,
                    agency_id=by_code[gone.agency_code].id,
                    detail={"agency": gone.agency_code, "step": gone.step, "reason": gone.reason},
                )
            counts[rnd.key] = len(run.due)
            log.info("Round %s: %d reminders due, %d out of date", rnd.key, len(run.due), len(run.skipped))
    return counts


@task(name="queue-digests", **DB_RETRY)
def queue_digests(now: dt.datetime) -> list[str]:
    """The consolidation officer's daily digest of pending agencies, once per working day and plan."""
    from models.reminders import digest_due
    from notifications.notices import enqueue_digest

    settings = get_settings()
    written = []
    with session(settings) as s:
        for plan in s.exec(select(Plan)).all():
            if not s.exec(select(Round.id).where(Round.plan_id == plan.id, Round.state == RoundState.open)).first():
                continue
            ladder, calendar = plan_rules(plan)
            last = last_digest_day(session=s, plan_key=plan.key)
            day = digest_due(
                now=now, last_digest_on=last, calendar=calendar, tz=settings.timezone, hour=ladder.send_hour
            )
            if day is not None:
                try:
                    if enqueue_digest(session=s, settings=settings, plan_id=plan.id, now=now) is not None:
                        written.append(plan.key)
                except LookupError as exc:
                    get_run_logger().warning("No digest for plan %s: %s", plan.key, exc)
    return written


@task(name="lock-rounds", **DB_RETRY)
def lock_rounds(now: dt.datetime) -> list[str]:
    """Lock every open round whose lock instant has passed: agencies still pending become missing."""
    from models.rounds import lock_round

    locked = []
    with session() as s:
        pending = select(RosterEntry.round_id).where(RosterEntry.status == AgencyStatus.pending)
        due = select(Round).where(Round.state != RoundState.planned, Round.lock_at <= now)
        for rnd in s.exec(due.where((Round.state == RoundState.open) | Round.id.in_(pending))).all():
            missing = lock_round(session=s, round_id=rnd.id, now=now)
            get_run_logger().info("Round %s locked; %d agencies missing", rnd.key, missing)
            locked.append(rnd.key)
    return locked


def active_round_ids() -> list[int]:
    """Ids of the rounds still in motion (open, locked, or consolidated and awaiting the decision)."""
    with session() as s:
        states = [RoundState.open, RoundState.locked, RoundState.consolidated]
        return list(s.exec(select(Round.id).where(Round.state.in_(states))).all())


def _run_name() -> str:
    return f"reminders {now_label(flow_run.parameters.get('now'))}"


@flow(name="send-reminders", flow_run_name=_run_name)
def send_reminders(now: dt.datetime | None = None) -> dict:
    """Daily: open due rounds, send every reminder, escalation and digest due, lock rounds, start consolidation."""
    simulated = now is not None
    now = resolve_now(now)
    opened = open_due_rounds(now)
    reminders = queue_reminders(now)
    digests = queue_digests(now)
    delivery = deliver_outbox(now)
    locked = lock_rounds(now)
    publish_rounds_status(active_round_ids())
    consolidated = advance_rounds(now, simulated)
    return {
        "opened": opened,
        "reminders": reminders,
        "digests": digests,
        "delivery": delivery,
        "locked": locked,
        "consolidated": consolidated,
    }
