"""Loading a plan: idempotent, updates by stable keys, never deletes a submission — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from models.db import session_scope
from models.loading import load_plan
from models.rounds import open_round, round_by_key
from models.submissions import ItemIn, SubmissionIn, record_submission
from models.tables import Agency, Channel, Contact, Round, RoundState, Submission, Task, TaskAgency
from tests.model.minimal_plan import make_contacts, make_plan, plan_dict

NOW = dt.datetime(2018, 5, 1, tzinfo=dt.UTC)


def snapshot(engine: sa.Engine) -> dict[str, list[tuple]]:
    """Every row of every planflow table, to compare before and after a load."""
    tables = [t for t in sa.inspect(engine).get_table_names() if t != "alembic_version"]
    out = {}
    with engine.connect() as conn:
        for name in tables:
            rows = conn.execute(sa.text(f'SELECT * FROM "{name}"')).all()
            out[name] = sorted(tuple(str(v) for v in r) for r in rows)
    return out


def load(engine, plan=None, contacts=None, sha="a" * 64):
    with session_scope(engine) as session:
        return load_plan(
            session=session,
            plan=plan or make_plan(),
            contacts=contacts if contacts is not None else make_contacts(),
            source_path="plan.yaml",
            content_sha256=sha,
            now=NOW,
        )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request, engine):
    """The same tests on a migrated SQLite file and on the machine's PostgreSQL (a fresh database per test)."""
    if request.param == "sqlite":
        return engine
    import uuid

    from models.db import make_engine, upgrade

    admin_url = request.getfixturevalue("pg_url")
    name = f"planflow_load_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    eng = make_engine(url)
    request.addfinalizer(
        lambda: (
            eng.dispose(),
            admin.connect().execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)')),
            admin.dispose(),
        )
    )
    return eng


def test_first_load_creates_everything(db):
    report = load(db)
    assert report.created == {
        "plan": 1,
        "agency": 3,
        "content_item": 2,
        "task": 4,
        "round": 2,
        "official": 4,
        "contact": 3,
    }
    with Session(db) as s:
        assert {a.code for a in s.exec(select(Agency))} == {"STTTT", "STC", "SVHTTDL"}
        svh = s.exec(select(Agency).where(Agency.code == "SVHTTDL")).one()
        assert svh.allowed_domains == ["svhttdl.vinhlong.example"]
        six = s.exec(select(Round).where(Round.key == "six-month-2018")).one()
        # "trước ngày 15/6": late from 15/6 00:00 in Asia/Ho_Chi_Minh, i.e. 14/6 17:00 UTC.
        assert six.due_at == dt.datetime(2018, 6, 14, 17, 0, tzinfo=dt.UTC)
        assert six.state == RoundState.planned


def test_loading_the_same_file_twice_changes_nothing(db):
    load(db)
    before = snapshot(db)
    report = load(db)
    assert not report.changed, str(report)
    assert snapshot(db) == before


def test_an_edited_plan_updates_by_key_and_keeps_submissions(db):
    load(db)
    with session_scope(db) as s:
        rnd = round_by_key(session=s, key="six-month-2018")
        assert rnd.id is not None
        open_round(session=s, round_id=rnd.id, now=dt.datetime(2018, 5, 15, 1, tzinfo=dt.UTC))
        svh = s.exec(select(Agency).where(Agency.code == "SVHTTDL")).one()
        assert svh.id is not None
        record_submission(
            session=s,
            submission_in=SubmissionIn(
                round_id=rnd.id,
                agency_id=svh.id,
                channel=Channel.upload,
                received_at=dt.datetime(2018, 6, 1, 3, tzinfo=dt.UTC),
                items=[ItemIn("IV.2.1", results="Đã in 5.000 tờ gấp.")],
                actor="upload",
            ),
        )

    doc = plan_dict()
    doc["agencies"] = [a for a in doc["agencies"] if a["code"] != "SVHTTDL"]
    doc["groups"] = [g for g in doc["groups"] if g["section"] != "IV.2"]
    doc["tasks"] = [t for t in doc["tasks"] if not t["key"].startswith("IV.2")]
    doc["tasks"][0]["text"] = "Tổng hợp báo cáo, trình UBND tỉnh."
    doc["rounds"][0]["due"] = "2018-06-18"
    contacts = make_contacts()
    del contacts.agencies["SVHTTDL"]
    report = load(db, plan=make_plan(doc), contacts=contacts, sha="b" * 64)

    assert report.retired == {"agency": 1, "task": 2, "contact": 1}
    with Session(db) as s:
        svh = s.exec(select(Agency).where(Agency.code == "SVHTTDL")).one()
        assert svh.active is False  # retired, not deleted
        assert len(s.exec(select(Submission)).all()) == 1  # the submission survives
        assert s.exec(select(Task).where(Task.key == "IV.1.1")).one().text == "Tổng hợp báo cáo, trình UBND tỉnh."
        assert not s.exec(select(Task).where(Task.key == "IV.2.1")).one().active
        six = s.exec(select(Round).where(Round.key == "six-month-2018")).one()
        assert six.due_at == dt.datetime(2018, 6, 17, 17, 0, tzinfo=dt.UTC)
        assert not s.exec(select(Contact).where(Contact.email == "vanthu@svhttdl.vinhlong.example")).one().active
    # and the edited file loaded again is a no-op too
    before = snapshot(db)
    assert not load(db, plan=make_plan(doc), contacts=contacts, sha="b" * 64).changed
    assert snapshot(db) == before


def test_task_links_follow_the_file(db):
    load(db)
    doc = plan_dict()
    doc["tasks"][2]["agencies"] = ["SVHTTDL", "STC"]
    load(db, plan=make_plan(doc))
    with Session(db) as s:
        task = s.exec(select(Task).where(Task.key == "IV.2.2")).one()
        links = s.exec(select(TaskAgency).where(TaskAgency.task_id == task.id)).all()
        assert len(links) == 2


def test_reference_plan_first_load_only_creates(engine, reference_plan):
    plan, contacts, _ = reference_plan
    report = load(engine, plan=plan, contacts=contacts)
    assert report.updated == {} and report.retired == {}
    assert report.created["agency"] == len(plan.agencies)
    again = load(engine, plan=plan, contacts=contacts)
    assert not again.changed, str(again)


def test_upgrade_creates_the_data_folder(tmp_path):
    from models.db import upgrade

    upgrade(f"sqlite:///{tmp_path / 'new' / 'folder' / 'planflow.db'}")
    assert (tmp_path / "new" / "folder" / "planflow.db").exists()
