"""An ad-hoc round ('báo cáo đột xuất') asks no task: its link shows the instructions and one text box."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlmodel import select

from models.db import session_scope
from models.rounds import create_adhoc_round, open_round
from models.submissions import versions
from models.tables import SubmissionItem
from tests.portal.harness import Portal

INSTRUCTIONS = "Báo cáo nhanh tình hình đón tiếp đoàn khách quốc tế; <b>không</b> quá 2 trang."


def test_adhoc_round_link_takes_a_general_report(portal: Portal, client: httpx.Client):
    now = portal.clock.now
    with session_scope(portal.engine) as session:
        adhoc = create_adhoc_round(
            session=session,
            plan_id=portal.round.plan_id,
            key="dot-xuat-doan-khach",
            title="Báo cáo đột xuất về đoàn khách quốc tế",
            instructions=INSTRUCTIONS,
            agency_codes=[portal.agency.code],
            due=(now + dt.timedelta(days=5)).date(),
            now=now,
            created_by="Cán bộ tổng hợp",
        )
        assert adhoc.id is not None
        open_round(session=session, round_id=adhoc.id, now=now)
        adhoc_id, lock_at = adhoc.id, adhoc.lock_at
    token = portal.token(round_id=adhoc_id, expires_at=lock_at + dt.timedelta(days=30))
    page = client.get(f"/u/{token}")
    assert page.status_code == 200
    assert "Báo cáo đột xuất về đoàn khách quốc tế" in page.text
    assert "&lt;b&gt;không&lt;/b&gt;" in page.text  # the officer's text is shown as text too
    assert "Kỳ báo cáo này không nêu nhiệm vụ cụ thể" in page.text and 'name="results:' not in page.text

    fields = {"csrf": portal.csrf(token), "general": "Đã đón 2 đoàn khách Nhật Bản."}
    done = client.post(
        f"/u/{token}", files=[(k, (None, v)) for k, v in fields.items()]
    )  # multipart, as the page sends it
    assert done.status_code == 200 and "Đã đón 2 đoàn khách Nhật Bản." in done.text
    with session_scope(portal.engine) as session:
        [stored] = versions(session=session, round_id=adhoc_id, agency_id=portal.agency_id)
        [item] = session.exec(select(SubmissionItem).where(SubmissionItem.submission_id == stored.id)).all()
        assert (item.task_id, item.results, stored.body_text) == (
            None,
            "Đã đón 2 đoàn khách Nhật Bản.",
            "Đã đón 2 đoàn khách Nhật Bản.",
        )
    other_agency = portal.token(round_id=adhoc_id, agency_id=portal.other_agency.id, expires_at=lock_at)
    assert client.get(f"/u/{other_agency}").status_code == 404  # not asked in this round
