"""Flow `daily-cycle`: every working day, move the whole cycle forward as of now.

In order: open the rounds whose opening date has come (subflow `open-round` each), write every
reminder, escalation and digest due, deliver the outbox, lock the rounds past their lock date,
publish the status of the rounds in motion, then consolidate the rounds that are ready (subflow
`consolidate-round`), start the Director's approval of new drafts and finish sending approved
reports. Each step computes what is due as of `now`, so a run after days of downtime catches up and
a second run for the same `now` changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from prefect import flow, task
from prefect.runtime import flow_run

from flows.common import DB_RETRIES, DB_RETRY_DELAYS, now_label, resolve_now, session, transient_db_error
from flows.cycle import advance_rounds
from flows.delivery import Delivery, deliver_outbox
from flows.reminders import queue_digests, queue_reminders
from flows.rounds import lock_rounds, open_due_rounds
from flows.status import publish_rounds_status


@dataclass(frozen=True)
class DailyRun:
    """What one daily run did: rounds opened, reminders written per round, digests, delivery, locks, consolidations."""

    opened: list[str]
    reminders: dict[str, int]
    digests: list[str]
    delivery: Delivery
    locked: list[str]
    consolidated: list[str]


@task(
    name="find-active-rounds",
    retries=DB_RETRIES,
    retry_delay_seconds=DB_RETRY_DELAYS,
    retry_condition_fn=transient_db_error,
)
def find_active_rounds() -> list[int]:
    """Ids of the rounds still in motion (open, locked, or consolidated and awaiting the decision)."""
    from models.rounds import active_round_ids

    with session() as s:
        return active_round_ids(session=s)


def _run_name() -> str:
    return f"daily cycle {now_label(flow_run.parameters.get('now'))}"


@flow(name="daily-cycle", flow_run_name=_run_name)
def daily_cycle(now: dt.datetime | None = None) -> DailyRun:
    """Daily: open due rounds, send every reminder, escalation and digest due, lock rounds, consolidate, start approvals, send approved reports."""
    simulated = now is not None
    now = resolve_now(now)
    opened = open_due_rounds(now)
    reminders = queue_reminders(now)
    digests = queue_digests(now)
    delivery = deliver_outbox(now)
    locked = lock_rounds(now)
    publish_rounds_status(find_active_rounds())
    consolidated = advance_rounds(now, simulated)
    return DailyRun(
        opened=opened,
        reminders=reminders,
        digests=digests,
        delivery=delivery,
        locked=locked,
        consolidated=consolidated,
    )
