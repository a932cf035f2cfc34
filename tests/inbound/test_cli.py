"""`planflow replies ingest` and `planflow quarantine list|assign|reject` through typer's CliRunner."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner, Result

from cli.main import app
from models.tables import (
    AgencyStatus,
    Contact,
    ContactRole,
    InboundDisposition,
    InboundMessage,
    OutboundMessage,
    RosterEntry,
    Submission,
)
from tests.envvars import cli_runner
from tests.inbound.conftest import World, make_world


@pytest.fixture
def cli_world(tmp_path, reference_plan):
    """A world for the CLI (no IMAP server needed)."""
    return make_world(tmp_path, reference_plan)


@pytest.fixture
def cli(cli_world) -> CliRunner:
    """The `planflow` command on the world's settings."""
    return cli_runner(cli_world.settings)


def ingest(cli, world, tmp_path, name: str, *extra: str):
    path = tmp_path / name
    path.write_bytes(world.corpus(name))
    return cli.invoke(app, ["replies", "ingest", str(path), "--now", "2018-06-20T09:00:00+07:00", *extra])


def test_ingest_eml_uses_the_top_received_header(cli, cli_world, tmp_path):
    result = ingest(cli, cli_world, tmp_path, "late_by_received.eml")
    assert result.exit_code == 0, result.output
    assert "recorded" in result.output
    with Session(cli_world.engine) as s:
        sub = s.exec(select(Submission)).one()
        assert sub.status == AgencyStatus.late  # Received says 16/6; the Date header says 10/6
        assert sub.received_at.isoformat() == "2018-06-16T01:15:00+00:00"
    again = ingest(cli, cli_world, tmp_path, "late_by_received.eml")
    assert "duplicate" in again.output


@dataclass
class Quarantine:
    """Two replies quarantined by `replies ingest`, listed, one assigned and one rejected, then listed again."""

    world: World
    ingested: list[str]
    listing: Result
    stranger_id: int
    exe_id: int
    assigned: Result
    rejected: Result
    listing_after: Result


@pytest.fixture(scope="module")
def quarantine(tmp_path_factory, reference_plan) -> Quarantine:
    """A stranger's reply and a disguised .exe quarantined, then resolved through the CLI."""
    base = tmp_path_factory.mktemp("quarantine")
    world = make_world(base, reference_plan)
    cli = cli_runner(world.settings)
    ingested = [ingest(cli, world, base, name).output for name in ("stranger.eml", "refused_exe_as_pdf.eml")]
    listing = cli.invoke(app, ["quarantine", "list"])
    lines = [line for line in listing.output.splitlines() if line.strip()]
    stranger_id, exe_id = (int(line.split("\t")[0]) for line in lines)
    assigned = cli.invoke(
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
    rejected = cli.invoke(
        app, ["quarantine", "reject", str(exe_id), "--reason", "Tệp không hợp lệ, đã yêu cầu gửi lại"]
    )
    listing_after = cli.invoke(app, ["quarantine", "list"])
    return Quarantine(world, ingested, listing, stranger_id, exe_id, assigned, rejected, listing_after)


def test_replies_from_strangers_and_disguised_files_are_quarantined(quarantine):
    assert all("quarantined" in output for output in quarantine.ingested)


def test_quarantine_list_shows_each_held_reply_with_its_sender_and_reason(quarantine):
    assert quarantine.listing.exit_code == 0
    lines = [line for line in quarantine.listing.output.splitlines() if line.strip()]
    assert len(lines) == 2 and "nguoila@mail.example.com" in lines[0] and "unknown sender" in lines[0]


def test_assigning_a_quarantined_reply_records_it_and_acknowledges_it_to_the_agency_focal_point(quarantine):
    """The stranger is no contact: the receipt goes to the agency's registered focal point (issue #13, point 4)."""
    assert quarantine.assigned.exit_code == 0, quarantine.assigned.output
    assert re.search(r"recorded", quarantine.assigned.output)
    with Session(quarantine.world.engine) as s:
        stranger = s.get(InboundMessage, quarantine.stranger_id)
        assert stranger is not None
        assert stranger.disposition == InboundDisposition.recorded and stranger.resolved_by == "Nguyễn Văn A"
        sub = s.exec(select(Submission).where(Submission.inbound_message_id == quarantine.stranger_id)).one()
        entry = s.exec(
            select(RosterEntry).where(RosterEntry.round_id == sub.round_id, RosterEntry.agency_id == sub.agency_id)
        ).one()
        assert entry.status == AgencyStatus.on_time  # received 10/6, before the due date
        focal = s.exec(
            select(Contact.email).where(
                Contact.agency_id == sub.agency_id,
                Contact.role == ContactRole.focal_point,
                Contact.active == True,  # noqa: E712
            )
        ).all()
        receipt = s.exec(select(OutboundMessage).where(OutboundMessage.kind == "receipt")).one()
        assert focal and "nguoila@mail.example.com" not in " ".join(receipt.recipients)
        assert all(any(f in r for r in receipt.recipients) for f in focal)


def test_rejecting_a_quarantined_reply_keeps_the_reason(quarantine):
    assert quarantine.rejected.exit_code == 0, quarantine.rejected.output
    with Session(quarantine.world.engine) as s:
        exe = s.get(InboundMessage, quarantine.exe_id)
        assert exe is not None
        assert exe.disposition == InboundDisposition.rejected and "gửi lại" in (exe.reason or "")


def test_the_quarantine_is_empty_once_every_reply_is_resolved(quarantine):
    assert "quarantine is empty" in quarantine.listing_after.output


def test_quarantine_commands_refuse_wrong_ids(cli, cli_world, tmp_path):
    ingest(cli, cli_world, tmp_path, "stranger.eml")
    bad_agency = cli.invoke(app, ["quarantine", "assign", "1", "--agency", "NOPE", "--round", "six-month-2018"])
    assert bad_agency.exit_code == 2 and "no agency" in bad_agency.output
    bad_round = cli.invoke(app, ["quarantine", "assign", "1", "--agency", "SGTVT", "--round", "nope"])
    assert bad_round.exit_code == 2
    missing = cli.invoke(app, ["quarantine", "reject", "999", "--reason", "x"])
    assert missing.exit_code == 2 and "no inbound message #999" in missing.output
