"""The second plan of the suite (Cà Mau 2025, a KH-UBND with a quarterly regime) validates and lives beside the reference plan."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlmodel import select

from models.db import session_scope
from models.loading import load_plan_files
from models.plan import AgencyKind, RoundKind
from models.plan_registry import agencies_without_contact, list_plans
from models.planfile import check_files, load_plan_file
from models.tables import Agency, Contact, Plan, Round
from plans import plan_default_paths
from tests.model.databases import BACKENDS, fresh_engine

CAMAU = Path(__file__).resolve().parent.parent / "data" / "camau-2025"
NOW = dt.datetime(2025, 7, 20, tzinfo=dt.UTC)


@pytest.fixture(params=BACKENDS)
def db(request):
    return fresh_engine(request, request.param)


def test_it_validates_with_one_warning_for_the_commune_without_contacts():
    result = check_files(CAMAU / "plan.yaml", CAMAU / "contacts.yaml")
    assert result.errors == []
    assert [(w.field, w.message.split(":")[0]) for w in result.warnings] == [
        ("agencies", "agency 'X-TANTIEN' of the plan has no contacts yet")
    ]


def test_it_is_the_shape_the_issue_asks_for():
    plan = load_plan_file(CAMAU / "plan.yaml")
    assert plan.plan.province == "Cà Mau" and plan.plan.year == 2025 and "/KH-UBND" in plan.plan.number
    assert plan.decision is None
    assert plan.consolidator.name == "Sở Văn hóa, Thể thao và Du lịch"
    assert plan.agency(plan.consolidator.agency or "").kind == AgencyKind.consolidator
    assert len(plan.agencies) >= 40
    assert sum(a.kind == AgencyKind.commune for a in plan.agencies) >= 20
    assert not any(a.kind == AgencyKind.district for a in plan.agencies)  # no districts after 1/7/2025
    assert plan.responsibilities_section == "III" and all(g.section.startswith("III.") for g in plan.groups)
    assert plan.funding is not None and plan.funding.section == "IV"  # not the reference plan's "III"
    quarters = [r for r in plan.rounds if r.kind == RoundKind.quarterly]
    assert [(r.key, r.period, r.cutoff_start, r.cutoff_end, r.due) for r in quarters] == [
        ("quy-2025-q3", 3, dt.date(2025, 6, 15), dt.date(2025, 9, 14), dt.date(2025, 9, 18)),
        ("quy-2025-q4", 4, dt.date(2025, 9, 15), dt.date(2025, 12, 14), dt.date(2025, 12, 18)),
    ]
    assert quarters[0].title.endswith("quý III năm 2025")
    text = (CAMAU / "plan.yaml").read_text(encoding="utf-8") + (CAMAU / "contacts.yaml").read_text(encoding="utf-8")
    for foreign in ("Vĩnh Long", "vinhlong", "21/KH-STTTT", "Sở Thông tin và Truyền thông"):
        assert foreign not in text


def test_it_loads_beside_the_reference_plan_in_one_database(db):
    ref_plan, ref_contacts = plan_default_paths()
    with session_scope(db) as session:
        load_plan_files(session=session, plan_path=ref_plan, contacts_path=ref_contacts, now=NOW)
        report = load_plan_files(
            session=session, plan_path=CAMAU / "plan.yaml", contacts_path=CAMAU / "contacts.yaml", now=NOW
        )
    assert report.created["agency"] == 44 and report.created["round"] == 3
    with session_scope(db) as session:
        plans = {p.key: p for p in list_plans(session=session)}
        assert set(plans) == {"vinhlong-2018", "camau-vhcs-2025"}
        assert [(r.key, r.kind, r.period, r.state) for r in plans["camau-vhcs-2025"].rounds] == [
            ("du-toan-2026", "budget_estimate", None, "planned"),
            ("quy-2025-q3", "quarterly", 3, "planned"),
            ("quy-2025-q4", "quarterly", 4, "planned"),
        ]
        assert [r.key for r in plans["vinhlong-2018"].rounds] == ["budget-2018", "six-month-2018", "annual-2018"]
        camau = session.exec(select(Plan).where(Plan.key == "camau-vhcs-2025")).one()
        assert camau.document["decision"] is None and camau.document["rounds"][1]["kind"] == "quarterly"
        # the stored document reads back to the same plan, regime and all
        from models.plan import Plan as PlanModel

        stored = PlanModel.model_validate(camau.document)
        assert stored.rounds == load_plan_file(CAMAU / "plan.yaml").rounds
        # each plan keeps its own agencies, even where codes coincide
        ref = session.exec(select(Plan).where(Plan.key == "vinhlong-2018")).one()
        assert ref.id is not None and camau.id is not None
        for code in ("STC", "SVHTTDL", "CA"):
            rows = session.exec(select(Agency).where(Agency.code == code)).all()
            assert sorted(a.plan_id for a in rows) == sorted([ref.id, camau.id])
        assert [a.code for a in agencies_without_contact(session=session, plan_id=camau.id)] == ["X-TANTIEN"]
        assert agencies_without_contact(session=session, plan_id=ref.id) == []
        q3 = session.exec(select(Round).where(Round.plan_id == camau.id, Round.key == "quy-2025-q3")).one()
        assert q3.kind == RoundKind.quarterly and q3.period == 3
        assert q3.due_at == dt.datetime(2025, 9, 17, 17, tzinfo=dt.UTC)  # 18/9 00:00 in Asia/Ho_Chi_Minh
        tantien = session.exec(select(Agency).where(Agency.plan_id == camau.id, Agency.code == "X-TANTIEN")).one()
        assert session.exec(select(Contact).where(Contact.agency_id == tantien.id)).all() == []


def test_loading_it_twice_changes_nothing(db):
    for expected_change in (True, False):
        with session_scope(db) as session:
            report = load_plan_files(
                session=session, plan_path=CAMAU / "plan.yaml", contacts_path=CAMAU / "contacts.yaml", now=NOW
            )
        assert report.changed is expected_change, str(report)


def test_the_commune_without_contacts_is_on_the_roster_as_no_contact(db):
    from models.plan_registry import roster_without_contact
    from models.rounds import open_round

    with session_scope(db) as session:
        load_plan_files(session=session, plan_path=CAMAU / "plan.yaml", contacts_path=CAMAU / "contacts.yaml", now=NOW)
    with session_scope(db) as session:
        q3 = session.exec(select(Round).where(Round.key == "quy-2025-q3")).one()
        assert q3.id is not None
        entries = open_round(session=session, round_id=q3.id, now=NOW)
        assert len(entries) == 43  # every agency but the consolidator, the one without contacts included
        tantien = session.exec(select(Agency).where(Agency.code == "X-TANTIEN")).one()
        assert roster_without_contact(session=session, round_id=q3.id) == {tantien.id}


def test_an_empty_focal_point_list_is_a_warning_too(tmp_path):
    text = (CAMAU / "contacts.yaml").read_text(encoding="utf-8")
    text += "  X-TANTIEN:\n    focal_points: []\n"
    (tmp_path / "contacts.yaml").write_text(text, encoding="utf-8")
    result = check_files(CAMAU / "plan.yaml", tmp_path / "contacts.yaml")
    assert result.errors == []
    assert [(w.field, w.message.split(":")[0]) for w in result.warnings] == [
        ("agencies.X-TANTIEN", "agency 'X-TANTIEN' has no focal point yet")
    ]


def test_a_period_taken_out_of_the_file_is_reported_by_the_next_load(db, tmp_path):
    edited = (CAMAU / "plan.yaml").read_text(encoding="utf-8").replace("periods: [3, 4]", "periods: [4]")
    (tmp_path / "plan.yaml").write_text(edited, encoding="utf-8")
    with session_scope(db) as session:
        load_plan_files(session=session, plan_path=CAMAU / "plan.yaml", contacts_path=None, now=NOW)
    with session_scope(db) as session:
        report = load_plan_files(session=session, plan_path=tmp_path / "plan.yaml", contacts_path=None, now=NOW)
    assert report.unlisted_rounds == ["quy-2025-q3"]
    assert str(report).endswith("; still planned but no longer in the file: quy-2025-q3")
