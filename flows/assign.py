"""Flow `assign-plan`: load or refresh a plan, send each agency its assignment notice, open the rounds already due."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run

from flows.common import (
    DB_RETRIES,
    DB_RETRY_DELAYS,
    SERVER_RETRIES,
    SERVER_RETRY_DELAYS,
    artifact_key,
    outbox_count,
    resolve_now,
    session,
    transient_db_error,
)
from flows.delivery import deliver_outbox
from flows.rounds import open_due_rounds
from models.settings import get_settings


def plan_paths(plan_file: str | None, contacts_file: str | None) -> tuple[Path, Path | None]:
    """The plan file (parameter, then settings, then the shipped reference plan) and its contacts file."""
    from plans import plan_paths as resolve

    settings = get_settings()
    return resolve(plan_file or settings.plan_file, contacts_file or settings.contacts_file)


@dataclass(frozen=True)
class LoadedPlan:
    """The plan as loaded: its key and id, and the loader's one-line summary."""

    plan_key: str
    plan_id: int
    summary: str


@dataclass(frozen=True)
class Assignment:
    """What `assign-plan` did: the plan, new assignment notices, rounds opened."""

    plan_key: str
    notices: int
    opened: list[str]


@task(
    name="load-plan",
    retries=DB_RETRIES,
    retry_delay_seconds=DB_RETRY_DELAYS,
    retry_condition_fn=transient_db_error,
)
def load_plan_task(plan_file: str | None, contacts_file: str | None, now: dt.datetime) -> LoadedPlan:
    """Validate the plan (and contacts) files and upsert them into the database by stable keys."""
    from models.loading import load_plan_files

    plan_path, contacts_path = plan_paths(plan_file, contacts_file)
    settings = get_settings()
    with session(settings) as s:
        report = load_plan_files(
            session=s, plan_path=plan_path, contacts_path=contacts_path, now=now, tz=settings.timezone
        )
    get_run_logger().info("%s", report)
    return LoadedPlan(plan_key=report.plan_key, plan_id=report.plan_id, summary=str(report))


@task(
    name="queue-assignment-notices",
    retries=DB_RETRIES,
    retry_delay_seconds=DB_RETRY_DELAYS,
    retry_condition_fn=transient_db_error,
)
def queue_assignments(plan_id: int, now: dt.datetime) -> int:
    """Write the assignment notice of every agency with tasks to the outbox (once each); how many are new."""
    from models.rounds import agencies_with_tasks
    from notifications.notices import NoRecipient, enqueue_assignment

    settings = get_settings()
    log = get_run_logger()
    with session(settings) as s:
        before = outbox_count(s)
        for agency in agencies_with_tasks(session=s, plan_id=plan_id):
            assert agency.id is not None
            try:
                enqueue_assignment(session=s, settings=settings, plan_id=plan_id, agency_id=agency.id, now=now)
            except NoRecipient as exc:  # one agency without an address never stops the others'
                log.warning("No assignment notice for %s: %s", agency.code, exc)
        written = outbox_count(s) - before
    log.info("%d new assignment notices in the outbox", written)
    return written


@task(name="publish-plan-summary", retries=SERVER_RETRIES, retry_delay_seconds=SERVER_RETRY_DELAYS)
def publish_plan_summary(plan_key: str, summary: str, notices: int, opened: list[str]) -> None:
    """A markdown artifact saying what the load did."""
    lines = [
        f"# Kế hoạch `{plan_key}`",
        "",
        f"- Nạp kế hoạch: {summary}",
        f"- Thông báo giao nhiệm vụ mới đưa vào hàng đợi: {notices}",
        f"- Đợt báo cáo vừa mở: {', '.join(opened) or 'không có'}",
    ]
    create_markdown_artifact(
        markdown="\n".join(lines), key=artifact_key("plan", plan_key, "load"), description="Kết quả nạp kế hoạch"
    )


def _run_name() -> str:
    plan_file = flow_run.parameters.get("plan_file")
    return f"assign {Path(plan_file).parent.name if plan_file else 'default plan'}"


@flow(name="assign-plan", flow_run_name=_run_name)
def assign_plan(
    plan_file: str | None = None, contacts_file: str | None = None, now: dt.datetime | None = None
) -> Assignment:
    """Load or refresh the plan, send the assignment notices, and open every round whose opening date has passed."""
    now = resolve_now(now)
    loaded = load_plan_task(plan_file, contacts_file, now)
    notices = queue_assignments(loaded.plan_id, now)
    deliver_outbox(now)
    opened = open_due_rounds(now)
    publish_plan_summary(loaded.plan_key, loaded.summary, notices, opened)
    return Assignment(plan_key=loaded.plan_key, notices=notices, opened=opened)
