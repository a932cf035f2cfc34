"""`planflow replies ingest` and `planflow quarantine list|assign|reject` through typer's CliRunner."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli.main import app
from models.tables import AgencyStatus, InboundDisposition, InboundMessage, OutboundMessage, RosterEntry, Submission
from tests.inbound.conftest import make_world

runner = CliRunner()


@pytest.fixture
def cli_world(tmp_path, reference_plan, monkeypatch):
    """A world the CLI reaches through PLANFLOW_* environment variables (no IMAP server needed)."""
    world = make_world(tmp_path, reference_plan)
    monkeypatch.setenv("PLANFLOW_DATA_DIR", str(world.settings.data_dir))
    monkeypatch.setenv("PLANFLOW_DB_URL", world.settings.database_url)
    monkeypatch.setenv("PLANFLOW_LIMITS_MAX_FILE_BYTES", str(world.settings.limits.max_file_bytes))
    return world


def ingest(world, tmp_path, name: str, *extra: str):
    path = tmp_path / name
    path.write_bytes(world.corpus(name))
    return runner.invoke(app, ["replies", "ingest", str(path), "--now", "2018-06-20T09:00:00+07:00", *extra])


def test_ingest_eml_uses_the_top_received_header(cli_world, tmp_path):
    result = ingest(cli_world, tmp_path, "late_by_received.eml")
    assert result.exit_code == 0, result.output
    assert "recorded" in result.output
    with Session(cli_world.engine) as s:
        sub = s.exec(select(Submission)).one()
        assert sub.status == AgencyStatus.late  # Received says 16/6; the Date header says 10/6
        assert sub.received_at.isoformat() == "2018-06-16T01:15:00+00:00"
    again = ingest(cli_world, tmp_path, "late_by_received.eml")
    assert "duplicate" in again.output


def test_quarantine_list_assign_and_reject(cli_world, tmp_path):
    assert "quarantined" in ingest(cli_world, tmp_path, "stranger.eml").output
    assert "quarantined" in ingest(cli_world, tmp_path, "refused_exe_as_pdf.eml").output
    listing = runner.invoke(app, ["quarantine", "list"])
    assert listing.exit_code == 0
    lines = [line for line in listing.output.splitlines() if line.strip()]
    assert len(lines) == 2 and "nguoila@mail.example.com" in lines[0] and "unknown sender" in lines[0]
    stranger_id, exe_id = (int(line.split("\t")[0]) for line in lines)

    assigned = runner.invoke(
        app,
        [
            "quarantine",
            "assign",
            str(stranger_id),
            "--agency",
            "SGTVT",
            "--round",
            "six-month-2018",
            "--by",
            "Nguyễn Văn A",
            "--now",
            "2018-06-20T10:00:00+07:00",
        ],
    )
    assert assigned.exit_code == 0, assigned.output
    assert re.search(r"recorded", assigned.output)
    rejected = runner.invoke(
        app, ["quarantine", "reject", str(exe_id), "--reason", "Tệp không hợp lệ, đã yêu cầu gửi lại"]
    )
    assert rejected.exit_code == 0, rejected.output

    with Session(cli_world.engine) as s:
        stranger = s.get(InboundMessage, stranger_id)
        assert stranger.disposition == InboundDisposition.recorded and stranger.resolved_by == "Nguyễn Văn A"
        sub = s.exec(select(Submission).where(Submission.inbound_message_id == stranger_id)).one()
        entry = s.exec(
            select(RosterEntry).where(RosterEntry.round_id == sub.round_id, RosterEntry.agency_id == sub.agency_id)
        ).one()
        assert entry.status == AgencyStatus.on_time  # received 10/6, before the due date
        assert s.exec(select(OutboundMessage).where(OutboundMessage.kind == "receipt")).one().recipients == [
            "nguoila@mail.example.com"
        ]
        exe = s.get(InboundMessage, exe_id)
        assert exe.disposition == InboundDisposition.rejected and "gửi lại" in exe.reason
    assert "quarantine is empty" in runner.invoke(app, ["quarantine", "list"]).output


def test_quarantine_commands_refuse_wrong_ids(cli_world, tmp_path):
    ingest(cli_world, tmp_path, "stranger.eml")
    bad_agency = runner.invoke(app, ["quarantine", "assign", "1", "--agency", "NOPE", "--round", "six-month-2018"])
    assert bad_agency.exit_code == 2 and "no agency" in bad_agency.output
    bad_round = runner.invoke(app, ["quarantine", "assign", "1", "--agency", "SGTVT", "--round", "nope"])
    assert bad_round.exit_code == 2
    missing = runner.invoke(app, ["quarantine", "reject", "999", "--reason", "x"])
    assert missing.exit_code == 2 and "no inbound message #999" in missing.output
