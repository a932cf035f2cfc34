"""`planflow report build ROUND --out DIR` builds a draft by hand."""

from __future__ import annotations

from sqlmodel import Session, select

from cli.main import app
from models.tables import ReportDraft


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
