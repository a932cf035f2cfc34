"""Moving rounds along after the deadline: consolidate when due (+ grace) or complete, ask for approval, finish sends.

The rules (which round is ready, which draft waits for the Director, which approved report has not
left) are `models.rounds` and `models.drafts` queries; this module only wires them to the flows.
"""

from __future__ import annotations

import datetime as dt

from prefect import task

from flows.approval import send_approved, start_approval
from flows.common import DB_RETRIES, DB_RETRY_DELAYS, session, transient_db_error
from flows.consolidate import consolidate_round
from models.settings import get_settings


@task(
    name="find-rounds-to-consolidate",
    retries=DB_RETRIES,
    retry_delay_seconds=DB_RETRY_DELAYS,
    retry_condition_fn=transient_db_error,
)
def find_rounds_to_consolidate(now: dt.datetime) -> list[str]:
    """Rounds without a draft whose due time plus the grace period has passed, or whose roster has all reported."""
    from models.rounds import rounds_to_consolidate

    settings = get_settings()
    with session(settings) as s:
        return rounds_to_consolidate(session=s, now=now, grace=dt.timedelta(hours=settings.grace_hours))


@task(
    name="find-drafts-to-approve",
    retries=DB_RETRIES,
    retry_delay_seconds=DB_RETRY_DELAYS,
    retry_condition_fn=transient_db_error,
)
def find_drafts_to_approve() -> list[tuple[str, int]]:
    """(round key, version) of each round whose newest draft has not yet gone to the Director."""
    from models.drafts import drafts_to_approve

    with session() as s:
        return drafts_to_approve(session=s)


@task(
    name="find-approved-drafts",
    retries=DB_RETRIES,
    retry_delay_seconds=DB_RETRY_DELAYS,
    retry_condition_fn=transient_db_error,
)
def find_approved_drafts() -> list[tuple[int, int]]:
    """(draft id, round id) of approved drafts whose report has not yet left (e.g. the mail server was down)."""
    from models.drafts import approved_drafts

    with session() as s:
        return approved_drafts(session=s)


def advance_rounds(now: dt.datetime, simulated: bool = False) -> list[str]:
    """Consolidate every round that is ready (subflow `consolidate-round`), send new drafts for approval, finish sends.

    `simulated`: the caller's `now` is a simulated clock, so the approval run gets it too; otherwise
    the approval run reads the real clock when the Director decides.
    """
    ready = find_rounds_to_consolidate(now)
    for round_key in ready:
        consolidate_round(round_key=round_key, now=now)
    for round_key, version in find_drafts_to_approve():
        start_approval(round_key, version, now if simulated else None)
    for draft_id, round_id in find_approved_drafts():
        send_approved(draft_id, round_id, now)
    return ready
