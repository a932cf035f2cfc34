"""The round and draft state machine of `models/rounds.py` and `models/drafts.py`, and the daily run's questions.

Fast and pure in the manner of `tests/deadlines`: no Prefect, no server, `now` given; a migrated SQLite
file holds the rows (from the minimal plan: STC and SVHTTDL report, STTTT consolidates).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, col, select

from models import drafts
from models.db import session_scope
from models.loading import load_plan
from models.rounds import (
    active_round_ids,
    close_round,
    consolidation_due,
    lock_round,
    mark_consolidated,
    open_round,
    plans_with_open_rounds,
    ready_to_consolidate,
    round_by_key,
    rounds_to_consolidate,
    rounds_to_lock,
    rounds_to_open,
    rounds_to_remind,
)
from models.submissions import ItemIn, SubmissionIn, record_submission
from models.tables import (
    Agency,
    AgencyStatus,
    AuditLog,
    Channel,
    DraftState,
    OutboundMessage,
    OutboxState,
    ReportDraft,
    Round,
    RoundState,
)
from tests.model.minimal_plan import make_contacts, make_plan

UTC = dt.UTC
LOADED = dt.datetime(2018, 5, 1, 1, tzinfo=UTC)
OPENS = dt.datetime(2018, 5, 14, 17, tzinfo=UTC)  # 15/5 00:00 in Vĩnh Long
DUE = dt.datetime(2018, 6, 14, 17, tzinfo=UTC)  # 15/6 00:00
LOCK = dt.datetime(2018, 6, 28, 17, tzinfo=UTC)  # 29/6 00:00
GRACE = dt.timedelta(hours=24)
KEY = "six-month-2018"


@pytest.fixture
def db(engine):
    """The minimal plan loaded, nothing opened yet."""
    with session_scope(engine) as s:
        load_plan(
            session=s, plan=make_plan(), contacts=make_contacts(), source_path="p", content_sha256="x", now=LOADED
        )
    return engine


def rid(s: Session, key: str = KEY) -> int:
    rnd = round_by_key(session=s, key=key)
    assert rnd.id is not None
    return rnd.id


def state(engine, key: str = KEY) -> RoundState:
    with Session(engine) as s:
        return RoundState(round_by_key(session=s, key=key).state)


def actions(engine) -> list[str]:
    with Session(engine) as s:
        return [a.action for a in s.exec(select(AuditLog).order_by(col(AuditLog.id))).all()]


def report(engine, code: str, at: dt.datetime) -> None:
    with session_scope(engine) as s:
        agency = s.exec(select(Agency).where(Agency.code == code)).one()
        assert agency.id is not None
        record_submission(
            session=s,
            submission_in=SubmissionIn(
                round_id=rid(s),
                agency_id=agency.id,
                channel=Channel.email,
                received_at=at,
                items=[ItemIn(None, "Kết quả")],
                actor="test",
            ),
        )


def add_draft(engine, version: int = 1, state: DraftState = DraftState.draft) -> int:
    with session_scope(engine) as s:
        draft = ReportDraft(round_id=rid(s), version=version, state=state, docx_path="x.docx", created_at=DUE)
        s.add(draft)
        s.flush()
        assert draft.id is not None
        return draft.id


# ---------------------------------------------------------------- rounds


def test_rounds_to_open_are_planned_rounds_whose_opening_has_come(db):
    with Session(db) as s:
        assert rounds_to_open(session=s, now=OPENS - dt.timedelta(seconds=1)) == []
        assert rounds_to_open(session=s, now=OPENS) == [("test-plan-2018", KEY)]
        assert rounds_to_open(session=s, now=OPENS, kinds=["annual"]) == []
        assert rounds_to_open(session=s, now=LOCK) == []  # past its lock: it could accept nothing


def test_opening_freezes_the_roster_once_and_is_no_longer_to_open(db):
    with session_scope(db) as s:
        entries = open_round(session=s, round_id=rid(s), now=OPENS)
    assert sorted(str(e.status) for e in entries) == ["pending", "pending"]  # the consolidator is not on it
    with Session(db) as s:
        assert rounds_to_open(session=s, now=OPENS) == []
        assert [r.key for r in rounds_to_remind(session=s)] == [KEY]
        assert [p.key for p in plans_with_open_rounds(session=s)] == ["test-plan-2018"]
    assert state(db) == RoundState.open and actions(db).count("round_opened") == 1


def test_a_round_is_to_lock_from_its_lock_instant_and_locking_makes_pending_agencies_missing(db):
    with session_scope(db) as s:
        open_round(session=s, round_id=rid(s), now=OPENS)
    report(db, "STC", DUE - dt.timedelta(days=1))
    with Session(db) as s:
        assert rounds_to_lock(session=s, now=LOCK - dt.timedelta(seconds=1)) == []
        assert [r.key for r in rounds_to_lock(session=s, now=LOCK)] == [KEY]
    with session_scope(db) as s:
        assert lock_round(session=s, round_id=rid(s), now=LOCK) == 1
    with Session(db) as s:
        assert rounds_to_lock(session=s, now=LOCK) == []
        assert rounds_to_remind(session=s) == []
    assert state(db) == RoundState.locked


def test_ready_to_consolidate_at_due_plus_grace_or_when_nobody_is_pending():
    pending = [AgencyStatus.on_time, AgencyStatus.pending]
    assert not ready_to_consolidate(
        due_at=DUE, statuses=pending, now=DUE + GRACE - dt.timedelta(seconds=1), grace=GRACE
    )
    assert ready_to_consolidate(due_at=DUE, statuses=pending, now=consolidation_due(DUE, GRACE), grace=GRACE)
    assert ready_to_consolidate(due_at=DUE, statuses=["on_time", "nil", "exempt"], now=OPENS, grace=GRACE)
    assert not ready_to_consolidate(due_at=DUE, statuses=[], now=OPENS, grace=GRACE)  # an empty roster waits


def test_rounds_to_consolidate_skip_rounds_that_have_a_draft(db):
    with session_scope(db) as s:
        open_round(session=s, round_id=rid(s), now=OPENS)
    with Session(db) as s:
        assert rounds_to_consolidate(session=s, now=DUE, grace=GRACE) == []
        assert rounds_to_consolidate(session=s, now=DUE + GRACE, grace=GRACE) == [KEY]
    add_draft(db)
    with Session(db) as s:
        assert rounds_to_consolidate(session=s, now=DUE + GRACE, grace=GRACE) == []


def test_a_locked_round_becomes_consolidated_other_states_stay(db):
    with session_scope(db) as s:
        open_round(session=s, round_id=rid(s), now=OPENS)
        assert mark_consolidated(session=s, round_id=rid(s)) is False  # still open: it stays open
        lock_round(session=s, round_id=rid(s), now=LOCK)
        assert mark_consolidated(session=s, round_id=rid(s)) is True
        assert mark_consolidated(session=s, round_id=rid(s)) is False
    assert state(db) == RoundState.consolidated and actions(db).count("round_consolidated") == 1


def test_closing_a_round_once(db):
    with session_scope(db) as s:
        open_round(session=s, round_id=rid(s), now=OPENS)
        assert active_round_ids(session=s) == [rid(s)]
        close_round(session=s, round_id=rid(s), now=LOCK)
        close_round(session=s, round_id=rid(s), now=LOCK + dt.timedelta(days=1))
        assert active_round_ids(session=s) == []
    with Session(db) as s:
        assert round_by_key(session=s, key=KEY).closed_at == LOCK
    assert actions(db).count("round_closed") == 1


# ---------------------------------------------------------------- drafts


def test_a_new_draft_goes_to_the_director_once(db):
    with session_scope(db) as s:
        open_round(session=s, round_id=rid(s), now=OPENS)
    draft_id = add_draft(db)
    with Session(db) as s:
        assert drafts.drafts_to_approve(session=s) == [(KEY, 1)]
    with session_scope(db) as s:
        draft = drafts.get_draft(session=s, draft_id=draft_id)
        assert drafts.submit_for_approval(session=s, draft=draft) is True
        assert drafts.submit_for_approval(session=s, draft=draft) is False
    with Session(db) as s:
        assert drafts.drafts_to_approve(session=s) == []
        assert drafts.get_draft(session=s, draft_id=draft_id).state == DraftState.awaiting_approval
    assert actions(db).count("draft_submitted") == 1


def test_the_decision_is_recorded_once(db):
    draft_id = add_draft(db, state=DraftState.awaiting_approval)
    with session_scope(db) as s:
        draft = drafts.get_draft(session=s, draft_id=draft_id)
        first = drafts.record_decision(
            session=s, draft=draft, decision="return", comments="Bổ sung.", director="Giám đốc", now=DUE
        )
        second = drafts.record_decision(
            session=s, draft=draft, decision="approve", comments="", director="Người khác", now=LOCK
        )
    assert first == second == DraftState.returned
    with Session(db) as s:
        draft = drafts.get_draft(session=s, draft_id=draft_id)
        assert (draft.comments, draft.decided_by, draft.decided_at) == ("Bổ sung.", "Giám đốc", DUE)


@pytest.mark.parametrize(
    "newest,allowed",
    [
        (None, True),
        (DraftState.draft, True),
        (DraftState.returned, True),
        (DraftState.awaiting_approval, False),
        (DraftState.approved, False),
        (DraftState.sent, False),
    ],
)
def test_a_new_version_only_after_a_return_or_before_submission(db, newest, allowed):
    if newest is not None:
        add_draft(db, state=newest)
    with Session(db) as s:
        assert drafts.can_revise(drafts.latest_draft(session=s, round_id=rid(s))) is allowed
        if allowed:
            drafts.ensure_can_revise(session=s, round_id=rid(s), round_key=KEY)
        else:
            with pytest.raises(drafts.DraftNotRevisable, match=str(newest)):
                drafts.ensure_can_revise(session=s, round_id=rid(s), round_key=KEY)


def test_latest_draft_is_the_highest_version(db):
    add_draft(db, 1, DraftState.returned)
    add_draft(db, 2)
    with Session(db) as s:
        newest = drafts.latest_draft(session=s, round_id=rid(s))
        assert newest is not None and newest.version == 2
        first = drafts.draft_version(session=s, round_id=rid(s), version=1)
        assert first is not None and first.state == DraftState.returned


def _report_message(engine, state: OutboxState) -> None:
    with session_scope(engine) as s:
        s.add(
            OutboundMessage(
                idempotency_key=f"report:{KEY}:v1",
                kind=drafts.REPORT_KIND,
                round_id=rid(s),
                message_id="<r@test>",
                sender="a@b",
                subject="s",
                raw=b"",
                state=state,
            )
        )


def test_mark_sent_waits_for_the_report_to_leave_then_closes_the_round(db):
    with session_scope(db) as s:
        open_round(session=s, round_id=rid(s), now=OPENS)
    draft_id = add_draft(db, state=DraftState.approved)
    with Session(db) as s:
        assert drafts.approved_drafts(session=s) == [(draft_id, rid(s))]
    with session_scope(db) as s:  # nothing queued yet
        assert drafts.mark_sent(session=s, draft=drafts.get_draft(session=s, draft_id=draft_id), now=LOCK) is False
    _report_message(db, OutboxState.queued)
    with session_scope(db) as s:
        assert drafts.mark_sent(session=s, draft=drafts.get_draft(session=s, draft_id=draft_id), now=LOCK) is False
        s.exec(select(OutboundMessage)).one().state = OutboxState.sent
    with session_scope(db) as s:
        assert drafts.mark_sent(session=s, draft=drafts.get_draft(session=s, draft_id=draft_id), now=LOCK) is True
        assert drafts.mark_sent(session=s, draft=drafts.get_draft(session=s, draft_id=draft_id), now=LOCK) is True
    assert state(db) == RoundState.closed
    with Session(db) as s:
        assert drafts.approved_drafts(session=s) == []
        assert drafts.get_draft(session=s, draft_id=draft_id).state == DraftState.sent
    assert actions(db).count("report_sent") == actions(db).count("round_closed") == 1


def test_director_name_comes_from_the_contacts(db):
    with Session(db) as s:
        plan_id = s.exec(select(Round.plan_id)).first()
        assert plan_id is not None
        assert drafts.director_name(session=s, plan_id=plan_id) == "Giám đốc"


def test_undecided_drafts_are_fresh_or_awaiting_ones(db):
    add_draft(db, 1, DraftState.returned)
    add_draft(db, 2, DraftState.awaiting_approval)
    with Session(db) as s:
        assert drafts.undecided_drafts(session=s) == [(KEY, "six_month", 2)]


def test_roster_lines_show_each_agencys_status_latest_arrival_and_versions(db):
    from models.rounds import roster_lines

    with session_scope(db) as s:
        open_round(session=s, round_id=rid(s), now=OPENS)
    report(db, "STC", DUE - dt.timedelta(days=2))
    report(db, "STC", DUE + dt.timedelta(days=1))
    with Session(db) as s:
        lines = {line.agency_name: line for line in roster_lines(session=s, round_id=rid(s))}
    stc, svh = lines["Sở Tài chính"], lines["Sở Văn hóa, Thể thao và Du lịch"]
    assert (stc.status, stc.received_at, stc.versions) == (AgencyStatus.on_time, DUE + dt.timedelta(days=1), 2)
    assert (svh.status, svh.received_at, svh.versions) == (AgencyStatus.pending, None, 0)
