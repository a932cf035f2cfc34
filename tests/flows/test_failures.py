"""One agency's bad address never fails a flow: a 550 at the server fails that message only; no address at all skips that agency."""

from __future__ import annotations

from sqlmodel import Session, select

from flows.rounds import open_round_flow
from models.tables import Agency, Contact, ContactRole, OutboundMessage, OutboxState
from tests.flows.conftest import at


def test_open_round_survives_a_bounce_and_a_missing_contact(loaded, smtp):
    engine = loaded
    with Session(engine) as s:
        sct = s.exec(select(Agency).where(Agency.code == "SCT")).one()
        bad = s.exec(
            select(Contact).where(Contact.agency_id == sct.id, Contact.role == ContactRole.focal_point)
        ).first()
        assert bad is not None
        bad.email = "khong-ton-tai@sct.vinhlong.example.gov.vn"
        syt = s.exec(select(Agency).where(Agency.code == "SYT")).one()
        for c in s.exec(select(Contact).where(Contact.agency_id == syt.id, Contact.role == ContactRole.focal_point)):
            c.active = False
        s.commit()
        refused = bad.email

    async def handle_RCPT(server, session, envelope, address, rcpt_options):
        if address == refused:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp.handle_RCPT = handle_RCPT

    out = open_round_flow(round_key="six-month-2018", now=at(2018, 5, 15, 9))
    assert out.requests == 35  # SYT has no active focal point: logged, skipped
    with Session(engine) as s:
        rows = s.exec(select(OutboundMessage).where(OutboundMessage.kind == "request")).all()
    failed = [r for r in rows if r.state == OutboxState.failed]
    assert len(rows) == 35 and [r.recipients for r in failed] == [[refused]]
    assert "550" in (failed[0].last_error or "")
    assert smtp.count("request") == 34
