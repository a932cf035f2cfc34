"""Moving rounds along after the deadline: consolidate when due (+ grace) or complete, then ask for approval."""

from __future__ import annotations

import datetime as dt

from prefect import get_run_logger, task
from prefect.exceptions import ObjectNotFound
from sqlmodel import select

from flows.common import SERVER_RETRIES, SERVER_RETRY_DELAYS, session
from models.drafts import latest_draft
from models.settings import get_settings
from models.tables import AgencyStatus, DraftState, ReportDraft, RosterEntry, Round, RoundState

# The deployment that runs approve-and-send; it must be a deployment run, since a suspended run is
# resumed by whatever serves that deployment (the serving process, or a worker of the pool).
APPROVAL_DEPLOYMENT = "approve-and-send/director-approval"


def rounds_to_consolidate(now: dt.datetime) -> list[str]:
    """Rounds without a draft whose due time plus the grace period has passed, or whose roster has all reported."""
    grace = dt.timedelta(hours=get_settings().grace_hours)
    ready = []
    with session() as s:
        for rnd in s.exec(select(Round).where(Round.state.in_([RoundState.open, RoundState.locked]))).all():
            if latest_draft(session=s, round_id=rnd.id) is not None:
                continue
            statuses = s.exec(select(RosterEntry.status).where(RosterEntry.round_id == rnd.id)).all()
            complete = bool(statuses) and all(st != AgencyStatus.pending for st in statuses)
            if now >= rnd.due_at + grace or complete:
                ready.append(rnd.key)
    return ready


def drafts_to_approve() -> list[tuple[str, int]]:
    """(round key, version) of each round whose newest draft has not yet gone to the Director."""
    with session() as s:
        out = []
        for rnd in s.exec(
            select(Round).where(Round.state.in_([RoundState.open, RoundState.locked, RoundState.consolidated]))
        ).all():
            draft = latest_draft(session=s, round_id=rnd.id)
            if draft is not None and draft.state == DraftState.draft:
                out.append((rnd.key, draft.version))
        return out


@task(name="start-approval", retries=SERVER_RETRIES, retry_delay_seconds=SERVER_RETRY_DELAYS)
def start_approval(round_key: str, version: int, now: dt.datetime | None = None) -> str | None:
    """Start one approve-and-send run for this draft version (the server refuses a second one); its id."""
    from prefect.deployments import run_deployment

    try:
        run = run_deployment(
            APPROVAL_DEPLOYMENT,
            parameters={"round_key": round_key, "version": version, "now": now.isoformat() if now else None},
            timeout=0,
            as_subflow=False,
            idempotency_key=f"approve-{round_key}-v{version}",
            flow_run_name=f"approval {round_key} v{version}",
        )
    except ObjectNotFound:
        get_run_logger().warning(
            "Deployment %s is not registered: start approve-and-send for %s v%d by hand",
            APPROVAL_DEPLOYMENT,
            round_key,
            version,
        )
        return None
    get_run_logger().info("Approval of %s v%d waits in flow run %s", round_key, version, run.id)
    return str(run.id)


def approved_drafts() -> list[tuple[int, int]]:
    """(draft id, round id) of approved drafts whose report has not yet left (e.g. the mail server was down)."""
    with session() as s:
        rows = s.exec(
            select(ReportDraft.id, ReportDraft.round_id).where(ReportDraft.state == DraftState.approved)
        ).all()
        return [tuple(r) for r in rows]


def advance_rounds(now: dt.datetime, simulated: bool = False) -> list[str]:
    """Consolidate every round that is ready (subflow `consolidate-round`), send new drafts for approval, finish sends.

    `simulated`: the caller's `now` is a simulated clock, so the approval run gets it too; otherwise
    the approval run reads the real clock when the Director decides.
    """
    from flows.approval import send_approved
    from flows.consolidate import consolidate_round

    ready = rounds_to_consolidate(now)
    for round_key in ready:
        consolidate_round(round_key=round_key, now=now)
    for round_key, version in drafts_to_approve():
        start_approval(round_key, version, now if simulated else None)
    for draft_id, round_id in approved_drafts():
        send_approved(draft_id, round_id, now)
    return ready
