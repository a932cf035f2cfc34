"""`planflow report build ROUND --out DIR` builds a draft by hand."""

from __future__ import annotations

from sqlmodel import Session, select

from cli.main import app
from models.settings import DatabaseSettings, Settings
from models.tables import DraftState, ReportDraft, Round, RoundState
from tests.envvars import cli_runner


def test_report_build_by_hand(built, cli, tmp_path):
    engine, b = built
    out = tmp_path / "out"
    result = cli.invoke(
        app, ["report", "build", "six-month-2018", "--out", str(out), "--now", "2018-06-26T10:00:00+0700"]
    )
    assert result.exit_code == 0, result.output
    assert "Draft v1 of six-month-2018" in result.output and "5/6 reports" in result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"bao-cao-tong-hop-six-month-2018-v1.{ext}" for ext in ("docx", "html", "md")]
    with Session(engine) as s:
        assert [d.version for d in s.exec(select(ReportDraft).where(ReportDraft.round_id == b.round_id))] == [1]

    unknown = cli.invoke(app, ["report", "build", "no-such-round"])
    assert unknown.exit_code == 2 and "no such round" in unknown.output


def test_report_build_by_hand_is_refused_while_the_director_decides(built, cli):
    engine, b = built
    args = ["report", "build", "six-month-2018", "--now", "2018-06-30T10:00:00+0700"]
    assert cli.invoke(app, args).exit_code == 0
    with Session(engine) as s:
        draft = s.exec(select(ReportDraft).where(ReportDraft.round_id == b.round_id)).one()
        draft.state = DraftState.awaiting_approval
        s.add(draft)
        s.commit()
    refused = cli.invoke(app, args)
    assert refused.exit_code == 2 and "draft v1 of six-month-2018 is awaiting_approval" in refused.output
    with Session(engine) as s:
        assert [d.version for d in s.exec(select(ReportDraft).where(ReportDraft.round_id == b.round_id))] == [1]


def test_report_build_by_hand_consolidates_a_locked_round(built, cli):
    engine, b = built
    with Session(engine) as s:
        rnd = s.get(Round, b.round_id)
        assert rnd is not None
        rnd.state = RoundState.locked
        s.add(rnd)
        s.commit()
    assert cli.invoke(app, ["report", "build", "six-month-2018"]).exit_code == 0
    with Session(engine) as s:
        rnd = s.get(Round, b.round_id)
        assert rnd is not None and rnd.state == RoundState.consolidated


def test_report_build_on_an_unmigrated_database_says_to_run_db_upgrade(tmp_path):
    fresh = Settings(data_dir=tmp_path, db=DatabaseSettings(url=f"sqlite:///{tmp_path / 'fresh.db'}"))
    result = cli_runner(fresh).invoke(app, ["report", "build", "six-month-2018"])
    assert result.exit_code == 2 and "run `planflow db upgrade`" in result.output
