"""A round's status in the Prefect UI stays small at any roster size: counts per status and a link to the roster file."""

from __future__ import annotations

import csv
import json
import re
from urllib.parse import unquote, urlparse

from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from sqlmodel import Session, col, select

from flows.status import publish_status, roster_key, status_key
from models.rounds import open_round, round_by_key
from models.submissions import ItemIn, record_submission
from models.tables import Agency, Channel
from tests.flows.conftest import at


def _latest(key: str):
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
    return max(found, key=lambda a: a.created.timestamp() if a.created else 0.0)


@flow
def _publish(round_id: int, max_table_rows: int) -> dict:
    return publish_status(round_id, max_table_rows=max_table_rows)


def test_a_roster_longer_than_the_table_is_counted_and_linked(loaded):
    with Session(loaded) as s:
        rnd = round_by_key(session=s, key="budget-2018")
        assert rnd.id is not None
        entries = open_round(session=s, round_id=rnd.id, now=at(2018, 4, 16))
        sct = s.exec(select(Agency).where(col(Agency.code) == "SCT")).one()
        assert sct.id is not None
        record_submission(
            session=s,
            round_id=rnd.id,
            agency_id=sct.id,
            channel=Channel.upload,
            received_at=at(2018, 5, 3, 10),
            items=[ItemIn(task_key="III.1", results="Đã xây dựng kế hoạch và dự toán.")],
            actor="test",
        )
        s.commit()
        round_id, round_key = rnd.id, rnd.key

    result = _publish(round_id, max_table_rows=10)

    assert len(entries) == 36 and (result["reported"], result["expected"]) == (1, 36)
    rows = json.loads(str(_latest(status_key(round_key)).data))
    assert rows == [{"Trạng thái": "Chưa nộp", "Số cơ quan": 35}, {"Trạng thái": "Đúng hạn", "Số cơ quan": 1}]
    link = re.search(r"\((file://[^)]+)\)", str(_latest(roster_key(round_key)).data))  # [text](link)
    assert link is not None
    with open(unquote(urlparse(link.group(1)).path), encoding="utf-8-sig", newline="") as f:
        roster = list(csv.DictReader(f))
    assert len(roster) == 36 and set(roster[0]) == {"Cơ quan", "Trạng thái", "Ngày nhận", "Lần nộp"}
    assert [r["Trạng thái"] for r in roster].count("Đúng hạn") == 1
    assert next(r for r in roster if r["Trạng thái"] == "Đúng hạn")["Cơ quan"] == "Sở Công Thương"
