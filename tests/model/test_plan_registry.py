"""Plans side by side: the previous period stays within a plan's series; archiving keeps records and stops schedules."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from models.db import session_scope
from models.loading import load_plan
from models.plan_registry import (
    UnknownPlan,
    active_plan_ids,
    active_plans,
    archive_plan,
    list_plans,
    previous_round_in_series,
    restore_plan,
    series_plan_ids,
)
from models.rounds import open_round
from models.tables import AuditLog, Plan, Round
from reports.data import previous_round
from tests.model.databases import BACKENDS, fresh_engine
from tests.model.minimal_plan import make_contacts, make_plan, plan_dict

NOW = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(params=BACKENDS)
def db(request):
    return fresh_engine(request, request.param)


def a_plan(key: str, year: int, *, continues: str | None = None, province: str = "Vĩnh Long"):
    """The minimal plan moved to `year` under `key` (its six-month and annual rounds shifted with it)."""
    doc = plan_dict()
    doc["plan"] |= {"key": key, "year": year, "date": f"{year}-01-10", "province": province}
    if continues:
        doc["plan"]["continues"] = continues
    for r in doc["rounds"]:
        r["key"] = r["key"].replace("2018", str(year))
        for field in ("cutoff_start", "cutoff_end", "opens", "due", "lock"):
            if field in r:
                r[field] = r[field].replace("2018", str(year)).replace("2017", str(year - 1))
    return make_plan(doc)


def load(engine, *plans) -> None:
    with session_scope(engine) as session:
        for plan in plans:
            load_plan(
                session=session, plan=plan, contacts=make_contacts(), source_path="x.yaml", content_sha256="0", now=NOW
            )


def rounds_by(session, plan_key: str) -> dict[str, Round]:
    plan = session.exec(select(Plan).where(Plan.key == plan_key)).one()
    return {r.key: r for r in session.exec(select(Round).where(Round.plan_id == plan.id))}


def open_all(session, plan_key: str) -> None:
    for r in rounds_by(session, plan_key).values():
        assert r.id is not None
        open_round(session=session, round_id=r.id, now=NOW)


def test_an_unrelated_plan_is_never_the_previous_period(db):
    # two departments' plans in one database: the 2019 plan of another department must not compare with 2018's
    load(db, a_plan("stttt-2018", 2018), a_plan("svhttdl-2019", 2019, province="Cà Mau"))
    with session_scope(db) as session:
        open_all(session, "stttt-2018")
        open_all(session, "svhttdl-2019")
    with session_scope(db) as session:
        later = rounds_by(session, "svhttdl-2019")["six-month-2019"]
        assert previous_round_in_series(session=session, round=later) is None
        assert previous_round(session=session, round=later) is None  # what the report builds on


def test_the_plan_it_continues_is_the_previous_period(db):
    load(db, a_plan("stttt-2018", 2018), a_plan("other-2018", 2018), a_plan("stttt-2019", 2019, continues="stttt-2018"))
    with session_scope(db) as session:
        for key in ("stttt-2018", "other-2018", "stttt-2019"):
            open_all(session, key)
    with session_scope(db) as session:
        mine = rounds_by(session, "stttt-2018")["six-month-2018"]
        later = rounds_by(session, "stttt-2019")["six-month-2019"]
        found, via_report = (
            previous_round_in_series(session=session, round=later),
            previous_round(session=session, round=later),
        )
        assert found is not None and via_report is not None and found.id == via_report.id == mine.id
        # within one plan the earlier round of the same kind comes first; a plan never looks forward
        assert previous_round_in_series(session=session, round=mine) is None
        chain = series_plan_ids(session=session, plan_id=later.plan_id)
        assert chain == [later.plan_id, mine.plan_id]


def test_a_planned_round_is_no_previous_period_and_a_loop_of_continues_ends(db):
    load(db, a_plan("a-2018", 2018, continues="b-2019"), a_plan("b-2019", 2019, continues="a-2018"))
    with session_scope(db) as session:
        later = rounds_by(session, "b-2019")["six-month-2019"]
        assert len(series_plan_ids(session=session, plan_id=later.plan_id)) == 2
        assert previous_round_in_series(session=session, round=later) is None  # a-2018's round never opened


def test_archiving_keeps_every_record_and_leaves_the_active_plans(db):
    load(db, a_plan("old-2018", 2018), a_plan("new-2019", 2019, continues="old-2018"))
    with session_scope(db) as session:
        old_rounds = len(rounds_by(session, "old-2018"))
        archive_plan(session=session, key="old-2018", now=NOW, actor="Nguyễn Văn A")
    with session_scope(db) as session:
        assert [p.key for p in active_plans(session=session)] == ["new-2019"]
        new_id = session.exec(select(Plan.id).where(Plan.key == "new-2019")).one()
        assert active_plan_ids(session=session) == {new_id}
        assert len(rounds_by(session, "old-2018")) == old_rounds
        listed = {p.key: p for p in list_plans(session=session)}
        assert not listed["old-2018"].is_active and listed["old-2018"].archived_at == NOW
        assert [p.key for p in list_plans(session=session, include_archived=False)] == ["new-2019"]
        entry = session.exec(select(AuditLog).where(AuditLog.action == "plan_archived")).one()
        assert entry.actor == "Nguyễn Văn A" and entry.detail["plan"] == "old-2018"
        # archiving again changes nothing; restoring brings it back
        archive_plan(session=session, key="old-2018", now=NOW + dt.timedelta(days=1), actor="x")
        assert session.exec(select(Plan).where(Plan.key == "old-2018")).one().archived_at == NOW
        restore_plan(session=session, key="old-2018", now=NOW, actor="x")
        assert {p.key for p in active_plans(session=session)} == {"old-2018", "new-2019"}


def test_a_plan_with_a_round_in_progress_is_not_archived(db):
    load(db, a_plan("busy-2018", 2018))
    with session_scope(db) as session:
        r = rounds_by(session, "busy-2018")["six-month-2018"]
        assert r.id is not None
        open_round(session=session, round_id=r.id, now=NOW)
    with session_scope(db) as session, pytest.raises(ValueError, match="still has rounds in progress"):
        archive_plan(session=session, key="busy-2018", now=NOW, actor="x")
    with session_scope(db) as session, pytest.raises(UnknownPlan):
        archive_plan(session=session, key="nope", now=NOW, actor="x")


def test_the_series_link_is_stored_and_a_missing_predecessor_is_said(db):
    with session_scope(db) as session:
        report = load_plan(
            session=session,
            plan=a_plan("y-2019", 2019, continues="x-2018"),
            contacts=None,
            source_path="y.yaml",
            content_sha256="0",
            now=NOW,
        )
        assert session.exec(select(Plan.continues).where(Plan.key == "y-2019")).one() == "x-2018"
    assert report.missing_predecessor == "x-2018"
    assert "continues x-2018, which is not in the database (no comparison with it)" in str(report)
    load(db, a_plan("x-2018", 2018))
    with session_scope(db) as session:
        again = load_plan(
            session=session,
            plan=a_plan("y-2019", 2019, continues="x-2018"),
            contacts=None,
            source_path="y.yaml",
            content_sha256="0",
            now=NOW,
        )
    assert again.missing_predecessor is None
