"""The planned cycle on Prefect: assign-plan → open-round → send-reminders at chosen instants, emails counted at a real SMTP server.

The budget round's spring is played once for the module (`spring`, the expensive part: each flow run
goes through the Prefect harness); each test then pins one behaviour on what was observed.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from sqlmodel import Session, col, func, select

from flows.assign import Assignment, assign_plan
from flows.daily import DailyRun, daily_cycle
from flows.rounds import open_round_flow
from models.rounds import round_by_key
from models.submissions import ItemIn, SubmissionIn, record_submission
from models.tables import (
    Agency,
    AgencyStatus,
    AuditLog,
    Channel,
    OutboundMessage,
    ReportDraft,
    RosterEntry,
    RoundState,
    Task,
    TaskAgency,
)
from tests.flows.conftest import at, flow_world
from tests.smtpd import RecordingHandler


def latest_artifact(key: str):
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
    return max(found, key=lambda a: a.created.timestamp() if a.created else 0.0) if found else None


@dataclass
class Spring:
    """What the budget round's spring left behind at each step (counts of messages are taken as they stood)."""

    agencies_with_tasks: int = 0
    first: Assignment | None = None
    again: Assignment | None = None
    states_after_assignment: tuple[RoundState, RoundState] | None = None
    budget_roster: int = 0
    kinds_after_assignment: list[str] = field(default_factory=list)
    messages_after_reassignment: int = 0
    status_type: str | None = None
    status_rows: list[dict] = field(default_factory=list)
    on_the_eve: DailyRun | None = None
    kinds_on_the_eve: list[str] = field(default_factory=list)
    to_the_reporter: list[str] = field(default_factory=list)
    kinds_after_the_same_tick: list[str] = field(default_factory=list)
    kinds_after_the_outage: list[str] = field(default_factory=list)
    reminder_keys: list[str] = field(default_factory=list)
    skipped_steps: int = 0
    statuses_after_lock: list[str] = field(default_factory=list)
    state_after_lock: RoundState | None = None
    drafts: list[ReportDraft] = field(default_factory=list)


@pytest.fixture(scope="module")
def spring(tmp_path_factory, reference_plan, prefect_harness) -> Iterator[Spring]:
    """The reference plan's budget round from assignment (2 May 2018) to its lock (29 May), the flows run in-process."""
    with flow_world(tmp_path_factory.mktemp("cycle"), reference_plan) as world:
        seen = Spring()
        play(world.engine, world.smtp, seen)
        yield seen


def play(engine, smtp: RecordingHandler, seen: Spring) -> None:
    """Run the flows at the spring's instants, noting what each step left."""
    with Session(engine) as s:
        seen.agencies_with_tasks = s.exec(
            select(func.count(func.distinct(TaskAgency.agency_id))).join(Task, col(Task.id) == col(TaskAgency.task_id))
        ).one()

    # 2 May 2018: the plan is loaded; the budget round (opens 16/4) is opened on the way.
    seen.first = assign_plan(now=at(2018, 5, 2))
    with Session(engine) as s:
        budget = round_by_key(session=s, key="budget-2018")
        seen.budget_roster = len(s.exec(select(RosterEntry).where(RosterEntry.round_id == budget.id)).all())
        six = round_by_key(session=s, key="six-month-2018")
        seen.states_after_assignment = (budget.state, six.state)
    seen.kinds_after_assignment = smtp.kinds()

    # Running it again, or opening the round again.
    seen.again = assign_plan(now=at(2018, 5, 2, 9))
    open_round_flow(round_key="budget-2018", now=at(2018, 5, 2, 10))
    seen.messages_after_reassignment = len(smtp.messages)

    status = latest_artifact("round-budget-2018-status")
    if status is not None:
        seen.status_type = status.type
        seen.status_rows = json.loads(str(status.data))

    # One agency reports; then the tick of Monday 14/5, the last working day before D = 15/5.
    with Session(engine) as s:
        sct = s.exec(select(Agency).where(Agency.code == "SCT")).one()
        assert budget.id is not None and sct.id is not None
        record_submission(
            session=s,
            submission_in=SubmissionIn(
                round_id=budget.id,
                agency_id=sct.id,
                channel=Channel.upload,
                received_at=at(2018, 5, 3, 10),
                items=[ItemIn(task_key="III.1", results="Đã xây dựng kế hoạch và dự toán.")],
                actor="test",
            ),
        )
        s.commit()
    before = len(smtp.messages)
    seen.on_the_eve = daily_cycle(now=at(2018, 5, 14, 8, 5))
    seen.kinds_on_the_eve = smtp.kinds()[before:]
    seen.to_the_reporter = [str(m["X-Planflow-Kind"]) for m in smtp.messages[before:] if "sct" in str(m["To"]).lower()]

    # The same tick again.
    daily_cycle(now=at(2018, 5, 14, 8, 5))
    seen.kinds_after_the_same_tick = smtp.kinds()[before:]

    # The service was down for a week; 23/5 is also after the six-month round's opening (15/5).
    after_the_eve = len(smtp.messages)
    daily_cycle(now=at(2018, 5, 23, 8, 5))
    seen.kinds_after_the_outage = smtp.kinds()[after_the_eve:]
    with Session(engine) as s:
        seen.reminder_keys = list(
            s.exec(select(OutboundMessage.idempotency_key).where(OutboundMessage.kind == "reminder")).all()
        )
        seen.skipped_steps = len(s.exec(select(AuditLog).where(AuditLog.action == "reminder_skipped")).all())

    # After the lock date.
    daily_cycle(now=at(2018, 5, 29, 8, 5))
    with Session(engine) as s:
        budget = round_by_key(session=s, key="budget-2018")
        seen.state_after_lock = budget.state
        seen.statuses_after_lock = list(
            s.exec(select(RosterEntry.status).where(RosterEntry.round_id == budget.id)).all()
        )
        seen.drafts = list(s.exec(select(ReportDraft).where(ReportDraft.round_id == budget.id)).all())


def test_assignment_opens_the_due_round_and_notifies_every_agency_with_tasks(spring):
    assert spring.first.opened == ["budget-2018"]
    assert spring.states_after_assignment == (RoundState.open, RoundState.planned)
    assert spring.kinds_after_assignment.count("assignment") == spring.agencies_with_tasks


def test_opening_a_round_sends_one_request_per_roster_agency(spring):
    assert spring.kinds_after_assignment.count("request") == spring.budget_roster == 36


def test_assigning_or_opening_again_sends_nothing_new(spring):
    assert spring.again.notices == 0 and spring.again.opened == []
    assert spring.messages_after_reassignment == spring.agencies_with_tasks + 36


def test_the_round_status_table_lists_every_roster_agency_as_not_reported(spring):
    assert spring.status_type == "table"
    rows = spring.status_rows
    assert len(rows) == 36 and set(rows[0]) == {"Cơ quan", "Trạng thái", "Ngày nhận", "Lần nộp"}
    assert {r["Trạng thái"] for r in rows} == {"Chưa báo cáo"}


def test_the_ladder_reminds_every_pending_agency_once_and_digests_for_the_officer(spring):
    reminders = spring.kinds_on_the_eve.count("reminder")
    assert spring.on_the_eve.reminders["budget-2018"] == reminders == 35
    assert spring.kinds_on_the_eve.count("digest") == 1


def test_an_agency_that_reported_gets_no_reminder(spring):
    assert "reminder" not in spring.to_the_reporter


def test_the_same_tick_twice_sends_nothing_twice(spring):
    assert spring.kinds_after_the_same_tick == spring.kinds_on_the_eve


def test_after_an_outage_each_agency_gets_the_current_step_only_and_the_missed_one_is_recorded_as_skipped(spring):
    assert spring.kinds_after_the_outage.count("reminder") == 35
    assert spring.skipped_steps > 0
    assert len(spring.reminder_keys) == len(set(spring.reminder_keys)) == 70


def test_overdue_reminders_escalate_to_the_agency_head(spring):
    assert spring.kinds_after_the_outage.count("escalation") == 35  # overdue-3 escalates


def test_a_tick_after_a_rounds_opening_date_opens_it_and_sends_its_requests(spring):
    assert Counter(spring.kinds_after_the_outage) == {"reminder": 35, "escalation": 35, "digest": 1, "request": 36}


def test_after_the_lock_date_pending_agencies_are_missing_and_the_round_is_locked(spring):
    assert spring.statuses_after_lock.count(AgencyStatus.missing) == 35
    assert spring.statuses_after_lock.count(AgencyStatus.on_time) == 1
    assert spring.state_after_lock == RoundState.locked


def test_the_draft_is_built_once_on_the_first_tick_after_due_plus_grace(spring):
    # Due 15/5 + grace: the tick of 23/5 built it; locking on 29/5 builds no second one.
    assert [d.version for d in spring.drafts] == [1] and spring.drafts[0].created_at < at(2018, 5, 29)
