"""An ad-hoc report started with the UI's parameter form: a round for the chosen agencies, opened at once, idempotent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from sqlmodel import Session, col, select

from flows.adhoc import AdhocRequest, adhoc_report
from flows.daily import daily_cycle
from flows.rounds import OpenedRound
from models.rounds import round_by_key
from models.submissions import ItemIn, SubmissionIn, record_submission
from models.tables import Agency, Channel, ReportDraft, RosterEntry, Round, RoundKind, RoundState
from tests.flows.conftest import at, flow_world
from tests.smtpd import body

PDF = b"%PDF-1.4\n% cong van\n%%EOF\n"


@dataclass
class AdhocRun:
    """What an ad-hoc request for three agencies left behind, step by step."""

    out: OpenedRound | None = None
    round: Round | None = None
    roster: list[str] = field(default_factory=list)
    requests: list[EmailMessage] = field(default_factory=list)
    again: OpenedRound | None = None
    messages_after_again: int = 0
    reminded: list[EmailMessage] = field(default_factory=list)
    consolidated: list[str] = field(default_factory=list)
    draft_versions: list[int] = field(default_factory=list)


@pytest.fixture(scope="module")
def adhoc(tmp_path_factory, reference_plan, prefect_harness) -> Iterator[AdhocRun]:
    """An ad-hoc report for SCT, SYT and BVL due 10/9/2018 with the officer's document, run through to its draft."""
    base = tmp_path_factory.mktemp("adhoc")
    with flow_world(base, reference_plan) as world:
        engine, smtp, seen = world.engine, world.smtp, AdhocRun()
        with Session(engine) as s:  # the planned rounds are behind us; only the ad-hoc one is in motion
            for rnd in s.exec(select(Round)).all():
                rnd.state = RoundState.closed
            s.commit()
        request = AdhocRequest(
            topic="Tình hình thông tin đối ngoại dịp Quốc khánh 2/9",
            instructions="Đề nghị báo cáo các hoạt động tuyên truyền đối ngoại dịp Quốc khánh.",
            agencies=["SCT", "syt", "BVL"],
            due=dt.date(2018, 9, 10),
            attachments=[str(base / "Công văn đề nghị báo cáo.pdf")],
            requested_by="Trần Thị B",
        )
        (base / "Công văn đề nghị báo cáo.pdf").write_bytes(PDF)
        seen.out = adhoc_report(request=request, now=at(2018, 8, 27, 10))
        with Session(engine) as s:
            rnd = round_by_key(session=s, key=seen.out.round)
            seen.round = rnd
            seen.roster = sorted(
                a.code
                for a in s.exec(
                    select(Agency)
                    .join(RosterEntry, col(RosterEntry.agency_id) == col(Agency.id))
                    .where(RosterEntry.round_id == rnd.id)
                )
            )
        seen.requests = [m for m in smtp.messages if m["X-Planflow-Kind"] == "request"]

        # The same form submitted twice.
        seen.again = adhoc_report(request=request, now=at(2018, 8, 27, 11))
        seen.messages_after_again = len(smtp.messages)

        # The daily run on the last working day before D = 10/9, which is 7/9.
        daily_cycle(now=at(2018, 9, 7, 8, 10))
        seen.reminded = [
            m for m in smtp.messages if m["X-Planflow-Kind"] == "reminder" and "Quốc khánh" in body(m, "plain")
        ]

        # All three report; then the next tick.
        with Session(engine) as s:
            for code in seen.roster:
                agency = s.exec(select(Agency).where(Agency.code == code)).one()
                assert rnd.id is not None and agency.id is not None
                record_submission(
                    session=s,
                    submission_in=SubmissionIn(
                        round_id=rnd.id,
                        agency_id=agency.id,
                        channel=Channel.upload,
                        received_at=at(2018, 9, 7, 10),
                        items=[ItemIn(task_key=None, results=f"{code}: đã treo băng rôn, đưa tin trên báo.")],
                        actor="test",
                    ),
                )
            s.commit()
        seen.consolidated = daily_cycle(now=at(2018, 9, 7, 14)).consolidated
        with Session(engine) as s:
            drafts = s.exec(select(ReportDraft).where(ReportDraft.round_id == rnd.id))
            seen.draft_versions = [d.version for d in drafts]
        yield seen


def test_an_adhoc_request_opens_a_round_named_for_its_topic_and_due_date(adhoc):
    assert adhoc.out.round == "adhoc-20180910-tinh-hinh-thong-tin-doi-ngoai-dip-quoc"
    assert adhoc.round is not None
    assert (adhoc.round.kind, adhoc.round.state, adhoc.round.created_by) == (
        RoundKind.ad_hoc,
        RoundState.open,
        "Trần Thị B",
    )


def test_the_adhoc_roster_is_the_chosen_agencies_whatever_the_case_of_their_codes(adhoc):
    assert adhoc.roster == ["BVL", "SCT", "SYT"]


def test_each_chosen_agency_gets_a_request_about_the_topic(adhoc):
    assert len(adhoc.requests) == 3 and all(
        "Quốc khánh" in str(m["Subject"]) or "Quốc khánh" in body(m, "plain") for m in adhoc.requests
    )


def test_the_officers_document_goes_with_every_request_under_its_vietnamese_name(adhoc):
    for m in adhoc.requests:
        sent = {part.get_filename(): part.get_content() for part in m.iter_attachments()}
        assert sent["Công văn đề nghị báo cáo.pdf"] == PDF


def test_the_same_adhoc_request_twice_makes_no_second_round_and_sends_nothing(adhoc):
    assert adhoc.again.round == adhoc.out.round and adhoc.again.requests == 0
    assert adhoc.messages_after_again == 3


def test_the_daily_run_reminds_adhoc_agencies_like_a_planned_round(adhoc):
    assert len(adhoc.reminded) == 3


def test_once_everyone_reported_the_next_tick_consolidates_before_the_due_date(adhoc):
    assert adhoc.consolidated == [adhoc.out.round]
    assert adhoc.draft_versions == [1]


def test_adhoc_refuses_unknown_agency_and_past_due(loaded, smtp):
    bad = AdhocRequest(topic="Thử", agencies=["NOPE"], due=dt.date(2018, 9, 10))
    with pytest.raises(ValueError, match="NOPE"):
        adhoc_report(request=bad, now=at(2018, 8, 27))
    late = AdhocRequest(topic="Thử", due=dt.date(2018, 8, 1))
    with pytest.raises(ValueError, match="not in the future"):
        adhoc_report(request=late, now=at(2018, 8, 27))
    missing = AdhocRequest(topic="Thử tệp", due=dt.date(2018, 9, 10), attachments=["/nonexistent/cong-van.pdf"])
    with pytest.raises(FileNotFoundError, match=r"cong-van\.pdf"):
        adhoc_report(request=missing, now=at(2018, 8, 27))
    assert smtp.messages == []
