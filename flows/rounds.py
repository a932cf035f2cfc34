"""Flows `open-round` and `open-due-rounds`: freeze a round's roster and send every agency its report request (idempotent); `lock-rounds`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.runtime import flow_run

from flows.common import (
    DB_RETRIES,
    DB_RETRY_DELAYS,
    outbox_count,
    resolve_now,
    session,
    transient_db_error,
)
from flows.delivery import Delivery, deliver_outbox
from flows.status import publish_round_status
from models.settings import get_settings
from models.tables import AgencyStatus


@dataclass(frozen=True)
class OpenedRound:
    """What opening a round did: the requests written to the outbox and the delivery that followed."""

    round: str
    requests: int
    delivery: Delivery


@task(
    name="freeze-roster",
    retries=DB_RETRIES,
    retry_delay_seconds=DB_RETRY_DELAYS,
    retry_condition_fn=transient_db_error,
)
def freeze_roster(round_key: str, plan_key: str | None, now: dt.datetime) -> int:
    """Open the round (roster frozen, state open); opening it again changes nothing. Returns the round id."""
    from models.rounds import open_round, round_by_key

    with session() as s:
        rnd = round_by_key(session=s, key=round_key, plan_key=plan_key)
        assert rnd.id is not None
        entries = open_round(session=s, round_id=rnd.id, now=now)
        get_run_logger().info("Round %s is %s with %d agencies on its roster", rnd.key, rnd.state, len(entries))
        return rnd.id


@task(
    name="queue-requests",
    retries=DB_RETRIES,
    retry_delay_seconds=DB_RETRY_DELAYS,
    retry_condition_fn=transient_db_error,
)
def queue_requests(round_id: int, now: dt.datetime, attachments: list[str] | None = None) -> int:
    """Write each roster agency's report request to the outbox (once per agency, by idempotency key); new ones."""
    from models.rounds import roster
    from notifications.notices import NoRecipient, enqueue_request

    settings = get_settings()
    log = get_run_logger()
    files = [Path(name) for name in attachments or []]
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        # Better no request at all than requests without the document they refer to.
        raise FileNotFoundError(f"attachments not found on the server: {', '.join(missing)}")
    with session(settings) as s:
        before = outbox_count(s)
        for entry, agency in roster(session=s, round_id=round_id):
            if entry.status == AgencyStatus.exempt:
                continue
            assert agency.id is not None
            try:
                enqueue_request(
                    session=s, settings=settings, round_id=round_id, agency_id=agency.id, now=now, extra_files=files
                )
            except NoRecipient as exc:  # logged for the officer; the others still get theirs
                log.warning("No request for %s: %s", agency.code, exc)
        written = outbox_count(s) - before
    log.info("%d new report requests in the outbox", written)
    return written


@task(
    name="find-rounds-to-open",
    retries=DB_RETRIES,
    retry_delay_seconds=DB_RETRY_DELAYS,
    retry_condition_fn=transient_db_error,
)
def find_rounds_to_open(now: dt.datetime, kinds: list[str] | None = None) -> list[tuple[str, str]]:
    """(plan key, round key) of every planned round whose opening instant has come and lock instant has not."""
    from models.rounds import rounds_to_open

    with session() as s:
        return rounds_to_open(session=s, now=now, kinds=kinds)


@flow(name="open-round", flow_run_name="open {round_key}", log_prints=True)
def open_round_flow(
    round_key: str, plan_key: str | None = None, now: dt.datetime | None = None, attachments: list[str] | None = None
) -> OpenedRound:
    """Open a reporting round: freeze its roster, send the requests, publish its status. Running it twice sends nothing twice."""
    now = resolve_now(now)
    round_id = freeze_roster(round_key, plan_key, now)
    written = queue_requests(round_id, now, attachments)
    delivered = deliver_outbox(now)
    publish_round_status(round_id)
    return OpenedRound(round=round_key, requests=written, delivery=delivered)


def open_due_rounds(now: dt.datetime, kinds: list[str] | None = None) -> list[str]:
    """Run `open-round` (as a subflow) for every planned round whose opening date has come; their keys."""
    opened = []
    for plan_key, round_key in find_rounds_to_open(now, kinds):
        open_round_flow(round_key=round_key, plan_key=plan_key, now=now)
        opened.append(round_key)
    return opened


def _due_rounds_name() -> str:
    kinds = flow_run.parameters.get("kinds")
    return "open due rounds" + (f" ({', '.join(kinds)})" if kinds else "")


@flow(name="open-due-rounds", flow_run_name=_due_rounds_name)
def open_due_rounds_flow(kinds: list[str] | None = None, now: dt.datetime | None = None) -> list[str]:
    """Open every round of the given kinds (all when empty) whose planned opening date has come."""
    return open_due_rounds(resolve_now(now), kinds or None)


@task(
    name="lock-rounds",
    retries=DB_RETRIES,
    retry_delay_seconds=DB_RETRY_DELAYS,
    retry_condition_fn=transient_db_error,
)
def lock_rounds(now: dt.datetime) -> list[str]:
    """Lock every open round whose lock instant has passed: agencies still pending become missing."""
    from models.rounds import lock_round, rounds_to_lock

    locked = []
    with session() as s:
        for rnd in rounds_to_lock(session=s, now=now):
            assert rnd.id is not None
            missing = lock_round(session=s, round_id=rnd.id, now=now)
            get_run_logger().info("Round %s locked; %d agencies missing", rnd.key, missing)
            locked.append(rnd.key)
    return locked
