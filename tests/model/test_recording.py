"""Rounds and recording: the roster frozen at opening, versions, timeliness, lock, audit log."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, col, select

from models.db import session_scope
from models.loading import load_plan
from models.rounds import create_adhoc_round, lock_round, open_round, roster, round_by_key, tasks_for
from models.submissions import ItemIn, NotOnRoster, RoundLocked, SubmissionIn, record_submission, versions
from models.tables import Agency, AgencyStatus, AuditLog, Channel, RosterEntry, RoundState
from tests.model.minimal_plan import make_contacts, make_plan, plan_dict

UTC = dt.UTC
OPEN = dt.datetime(2018, 5, 15, 1, tzinfo=UTC)
BEFORE_DUE = dt.datetime(2018, 6, 14, 16, 59, tzinfo=UTC)  # 14/6 23:59 in Vĩnh Long
AT_DUE = dt.datetime(2018, 6, 14, 17, 0, tzinfo=UTC)  # 15/6 00:00 in Vĩnh Long
AT_LOCK = dt.datetime(2018, 6, 28, 17, 0, tzinfo=UTC)


@pytest.fixture
def six(engine):
    """The minimal plan loaded with its 6-month round open; returns (engine, round id, {code: agency id})."""
    doc = plan_dict()
    doc["rounds"][0]["exempt"] = ["STC"]
    with session_scope(engine) as s:
        load_plan(
            session=s, plan=make_plan(doc), contacts=make_contacts(), source_path="p", content_sha256="x", now=OPEN
        )
        rnd = round_by_key(session=s, key="six-month-2018")
        assert rnd.id is not None
        open_round(session=s, round_id=rnd.id, now=OPEN)
        ids = {a.code: a.id for a in s.exec(select(Agency))}
    return engine, rnd.id, ids


def record(engine, round_id, agency_id, at, **kw):
    with session_scope(engine) as s:
        return record_submission(
            session=s,
            submission_in=SubmissionIn(
                round_id=round_id,
                agency_id=agency_id,
                channel=kw.pop("channel", Channel.email),
                received_at=at,
                items=kw.pop("items", [ItemIn("IV.2.1", "Kết quả")]),
                actor="test",
                **kw,
            ),
        )


def test_roster_is_frozen_without_the_consolidator_and_with_exemptions(six):
    engine, rid, _ = six
    with Session(engine) as s:
        entries = {a.code: e.status for e, a in roster(session=s, round_id=rid)}
    assert entries == {"STC": AgencyStatus.exempt, "SVHTTDL": AgencyStatus.pending}
    with session_scope(engine) as s:  # opening again changes nothing
        assert len(open_round(session=s, round_id=rid, now=OPEN + dt.timedelta(days=3))) == 2


def test_on_time_until_due_instant_then_late(six):
    engine, rid, ids = six
    out = record(engine, rid, ids["SVHTTDL"], BEFORE_DUE)
    assert (out.status, out.version, out.previous_status) == (AgencyStatus.on_time, 1, AgencyStatus.pending)


def test_from_due_instant_it_is_late(six):
    engine, rid, ids = six
    assert record(engine, rid, ids["SVHTTDL"], AT_DUE).status == AgencyStatus.late


def test_a_second_reply_is_a_new_version_and_keeps_on_time(six):
    engine, rid, ids = six
    record(engine, rid, ids["SVHTTDL"], BEFORE_DUE)
    second = record(engine, rid, ids["SVHTTDL"], AT_DUE + dt.timedelta(days=2), items=[ItemIn("IV.2.1", "Bổ sung")])
    assert (second.version, second.status) == (2, AgencyStatus.on_time)
    assert second.submission.status == AgencyStatus.late  # the version itself arrived late
    with Session(engine) as s:
        assert [v.version for v in versions(session=s, round_id=rid, agency_id=ids["SVHTTDL"])] == [1, 2]
        entry = s.exec(select(RosterEntry).where(RosterEntry.agency_id == ids["SVHTTDL"])).one()
        assert entry.latest_submission_id == second.submission.id


def test_nil_report(six):
    engine, rid, ids = six
    out = record(engine, rid, ids["SVHTTDL"], BEFORE_DUE, items=[], is_nil=True)
    assert out.status == AgencyStatus.nil


def test_locked_round_refuses_and_unexpected_agency_is_refused(six):
    engine, rid, ids = six
    with pytest.raises(RoundLocked):
        record(engine, rid, ids["SVHTTDL"], AT_LOCK)
    with pytest.raises(NotOnRoster):
        record(engine, rid, ids["STTTT"], BEFORE_DUE)


def test_lock_marks_pending_agencies_missing_once(six):
    engine, rid, _ = six
    with session_scope(engine) as s:
        assert lock_round(session=s, round_id=rid, now=AT_LOCK - dt.timedelta(seconds=1)) == 0
        assert lock_round(session=s, round_id=rid, now=AT_LOCK) == 1
        assert lock_round(session=s, round_id=rid, now=AT_LOCK) == 0
    with Session(engine) as s:
        statuses = {a.code: e.status for e, a in roster(session=s, round_id=rid)}
        assert statuses == {"STC": AgencyStatus.exempt, "SVHTTDL": AgencyStatus.missing}
        assert round_by_key(session=s, key="six-month-2018").state == RoundState.locked


def test_every_status_change_is_audited(six):
    engine, rid, ids = six
    record(engine, rid, ids["SVHTTDL"], BEFORE_DUE)
    with Session(engine) as s:
        rows = s.exec(select(AuditLog).where(AuditLog.agency_id == ids["SVHTTDL"]).order_by(col(AuditLog.id))).all()
    assert [(r.action, r.old_status, r.new_status) for r in rows] == [
        ("roster_frozen", None, "pending"),
        ("status_changed", "pending", "on_time"),
        ("submission_recorded", None, "on_time"),
    ]


def test_tasks_for_an_agency(six):
    engine, rid, ids = six
    with Session(engine) as s:
        assert [t.key for t in tasks_for(session=s, round_id=rid, agency_id=ids["SVHTTDL"])] == ["IV.2.1", "IV.2.2"]


def test_adhoc_round_for_chosen_agencies(six):
    engine, _, ids = six
    now = dt.datetime(2018, 8, 1, 2, tzinfo=UTC)
    with session_scope(engine) as s:
        agency = s.get(Agency, ids["STC"])
        assert agency is not None
        plan_id = agency.plan_id
        rnd = create_adhoc_round(
            session=s,
            plan_id=plan_id,
            key="adhoc-2018-08-bien-dong",
            title="Tuyên truyền Biển Đông",
            instructions="Báo cáo kết quả.",
            agency_codes=["STC"],
            due=dt.date(2018, 8, 10),
            now=now,
            created_by="officer",
        )
        again = create_adhoc_round(
            session=s,
            plan_id=plan_id,
            key="adhoc-2018-08-bien-dong",
            title="x",
            instructions=None,
            agency_codes=None,
            due=dt.date(2018, 8, 10),
            now=now,
            created_by="officer",
        )
        assert again.id == rnd.id
        assert rnd.id is not None
        entries = open_round(session=s, round_id=rnd.id, now=now)
        assert [e.agency_id for e in entries] == [ids["STC"]]
        with pytest.raises(ValueError, match="unknown agency codes: NOPE"):
            create_adhoc_round(
                session=s,
                plan_id=plan_id,
                key="k2",
                title="t",
                instructions=None,
                agency_codes=["NOPE"],
                due=dt.date(2018, 8, 10),
                now=now,
                created_by="officer",
            )


def test_a_round_closed_before_its_lock_date_still_settles_pending_agencies(six):
    engine, rid, _ = six
    with session_scope(engine) as s:
        rnd = s.get(type(round_by_key(session=s, key="six-month-2018")), rid)
        assert rnd is not None
        rnd.state = RoundState.closed  # the approved report went out at due + grace
    with session_scope(engine) as s:
        assert lock_round(session=s, round_id=rid, now=AT_LOCK) == 1
    with Session(engine) as s:
        assert {a.code: e.status for e, a in roster(session=s, round_id=rid)}["SVHTTDL"] == AgencyStatus.missing
        assert round_by_key(session=s, key="six-month-2018").state == RoundState.closed


def test_a_late_report_after_the_report_went_out_is_still_taken_until_the_lock(six):
    engine, rid, ids = six
    with session_scope(engine) as s:
        rnd = s.get(type(round_by_key(session=s, key="six-month-2018")), rid)
        assert rnd is not None
        rnd.state = RoundState.closed
    out = record(engine, rid, ids["SVHTTDL"], AT_LOCK - dt.timedelta(minutes=1))
    assert out.status == AgencyStatus.late
    with pytest.raises(RoundLocked):
        record(engine, rid, ids["SVHTTDL"], AT_LOCK)
