"""The planned cycle on Prefect: assign-plan → open-round → daily-cycle at chosen instants, emails counted at a real SMTP server."""

from __future__ import annotations

import json
from collections import Counter

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from sqlmodel import Session, func, select

from flows.assign import assign_plan
from flows.daily import daily_cycle
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
from tests.flows.conftest import at


def latest_artifact(key: str):
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
    return max(found, key=lambda a: a.created) if found else None


def test_assign_open_remind_lock(loaded, smtp):
    engine = loaded
    with Session(engine) as s:
        with_tasks = s.exec(
            select(func.count(func.distinct(TaskAgency.agency_id))).join(Task, Task.id == TaskAgency.task_id)
        ).one()

    # 2 May 2018: the plan is loaded; the budget round (opens 16/4) is opened on the way.
    first = assign_plan(now=at(2018, 5, 2))
    assert first.opened == ["budget-2018"]
    with Session(engine) as s:
        budget = round_by_key(session=s, key="budget-2018")
        roster = s.exec(select(RosterEntry).where(RosterEntry.round_id == budget.id)).all()
        six = round_by_key(session=s, key="six-month-2018")
    assert budget.state == RoundState.open and six.state == RoundState.planned
    assert smtp.count("assignment") == with_tasks
    assert smtp.count("request") == len(roster) == 36

    # Running it again, or opening the round again, sends nothing new.
    again = assign_plan(now=at(2018, 5, 2, 9))
    assert again.notices == 0 and again.opened == []
    open_round_flow(round_key="budget-2018", now=at(2018, 5, 2, 10))
    assert len(smtp.messages) == with_tasks + 36

    status = latest_artifact("round-budget-2018-status")
    assert status is not None and status.type == "table"
    rows = json.loads(status.data)
    assert len(rows) == 36 and set(rows[0]) == {"Cơ quan", "Trạng thái", "Ngày nhận", "Lần nộp"}
    assert {r["Trạng thái"] for r in rows} == {"Chưa báo cáo"}

    # One agency reports; the ladder's reminders go to every other pending agency, each once.
    with Session(engine) as s:
        sct = s.exec(select(Agency).where(Agency.code == "SCT")).one()
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
    out = daily_cycle(now=at(2018, 5, 14, 8, 5))  # Monday, the last working day before D = 15/5
    reminders = smtp.count("reminder")
    assert out.reminders["budget-2018"] == reminders == 35
    assert smtp.count("digest") == 1
    to_sct = [m for m in smtp.messages if m["X-Planflow-Kind"] == "reminder" and "sct" in str(m["To"]).lower()]
    assert to_sct == []

    # The same tick again: nothing is sent twice.
    daily_cycle(now=at(2018, 5, 14, 8, 5))
    assert smtp.count("reminder") == reminders and smtp.count("digest") == 1

    # The service was down for a week; the next tick catches up with the current step only.
    daily_cycle(now=at(2018, 5, 23, 8, 5))
    with Session(engine) as s:
        keys = s.exec(select(OutboundMessage.idempotency_key).where(OutboundMessage.kind == "reminder")).all()
        skipped = s.exec(select(AuditLog).where(AuditLog.action == "reminder_skipped")).all()
    assert len(keys) == len(set(keys)) == smtp.count("reminder")
    assert smtp.count("reminder") == 70 and skipped  # one catch-up reminder each, the missed step recorded as skipped
    assert smtp.count("escalation") == 35  # overdue-3 escalates to the agency head
    # 23/5 also opened the six-month round (opens 15/5): its requests went out on the same tick.
    assert Counter(smtp.kinds()[before:]) == {"reminder": 70, "escalation": 35, "digest": 2, "request": 36}

    # After the lock date: pending agencies become missing, the round is locked.
    daily_cycle(now=at(2018, 5, 29, 8, 5))
    with Session(engine) as s:
        budget = round_by_key(session=s, key="budget-2018")
        statuses = s.exec(select(RosterEntry.status).where(RosterEntry.round_id == budget.id)).all()
        drafts = s.exec(select(ReportDraft).where(ReportDraft.round_id == budget.id)).all()
    assert statuses.count(AgencyStatus.missing) == 35 and statuses.count(AgencyStatus.on_time) == 1
    # The first draft was built on 23/5, the first tick after due (15/5) + grace; locking builds no second one.
    assert budget.state == RoundState.locked
    assert [d.version for d in drafts] == [1] and drafts[0].created_at < at(2018, 5, 29)
