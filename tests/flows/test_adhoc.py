"""An ad-hoc report started with the UI's parameter form: a round for the chosen agencies, opened at once, idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, col, select

from flows.adhoc import AdhocRequest, adhoc_report
from flows.reminders import send_reminders
from models.rounds import round_by_key
from models.submissions import ItemIn, record_submission
from models.tables import Agency, Channel, ReportDraft, RosterEntry, Round, RoundKind, RoundState
from tests.flows.conftest import at
from tests.smtpd import body


def test_adhoc_round_runs_like_a_planned_one(loaded, smtp, tmp_path):
    engine = loaded
    with Session(engine) as s:  # the planned rounds are behind us; only the ad-hoc one is in motion
        for rnd in s.exec(select(Round)).all():
            rnd.state = RoundState.closed
        s.commit()
    request = AdhocRequest(
        topic="Tình hình thông tin đối ngoại dịp Quốc khánh 2/9",
        instructions="Đề nghị báo cáo các hoạt động tuyên truyền đối ngoại dịp Quốc khánh.",
        agencies=["SCT", "syt", "BVL"],
        due=dt.date(2018, 9, 10),
        attachments=[str(tmp_path / "Công văn đề nghị báo cáo.pdf")],
        requested_by="Trần Thị B",
    )
    (tmp_path / "Công văn đề nghị báo cáo.pdf").write_bytes(b"%PDF-1.4\n% cong van\n%%EOF\n")
    out = adhoc_report(request=request, now=at(2018, 8, 27, 10))
    key = out["round"]
    assert key == "adhoc-20180910-tinh-hinh-thong-tin-doi-ngoai-dip-quoc"
    with Session(engine) as s:
        rnd = round_by_key(session=s, key=key)
        codes = sorted(
            a.code
            for a in s.exec(
                select(Agency)
                .join(RosterEntry, col(RosterEntry.agency_id) == col(Agency.id))
                .where(RosterEntry.round_id == rnd.id)
            )
        )
    assert (rnd.kind, rnd.state, rnd.created_by) == (RoundKind.ad_hoc, RoundState.open, "Trần Thị B")
    assert codes == ["BVL", "SCT", "SYT"]
    requests = [m for m in smtp.messages if m["X-Planflow-Kind"] == "request"]
    assert len(requests) == 3 and all(
        "Quốc khánh" in str(m["Subject"]) or "Quốc khánh" in body(m, "plain") for m in requests
    )
    for m in requests:  # the officer's document goes with every request, its Vietnamese name intact
        sent = {part.get_filename(): part.get_content() for part in m.iter_attachments()}
        assert sent["Công văn đề nghị báo cáo.pdf"] == b"%PDF-1.4\n% cong van\n%%EOF\n"

    # The same form submitted twice makes no second round and sends nothing again.
    again = adhoc_report(request=request, now=at(2018, 8, 27, 11))
    assert again["round"] == key and again["requests"] == 0 and len(smtp.messages) == 3

    # The daily run reminds the three agencies like any planned round (last working day before D = 10/9 is 7/9).
    send_reminders(now=at(2018, 9, 7, 8, 10))
    reminded = [m for m in smtp.messages if m["X-Planflow-Kind"] == "reminder" and "Quốc khánh" in body(m, "plain")]
    assert len(reminded) == 3

    # Once all three have reported, the next tick consolidates without waiting for the due date.
    with Session(engine) as s:
        for code in codes:
            agency = s.exec(select(Agency).where(Agency.code == code)).one()
            assert rnd.id is not None and agency.id is not None
            record_submission(
                session=s,
                round_id=rnd.id,
                agency_id=agency.id,
                channel=Channel.upload,
                received_at=at(2018, 9, 7, 10),
                items=[ItemIn(task_key=None, results=f"{code}: đã treo băng rôn, đưa tin trên báo.")],
                actor="test",
            )
        s.commit()
    assert send_reminders(now=at(2018, 9, 7, 14))["consolidated"] == [key]
    with Session(engine) as s:
        assert [d.version for d in s.exec(select(ReportDraft).where(ReportDraft.round_id == rnd.id))] == [1]


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
