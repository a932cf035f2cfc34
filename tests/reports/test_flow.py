"""The `consolidate-round` flow on a Prefect test server: draft recorded, artifacts under readable keys."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote, urlparse

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from sqlmodel import Session

from models.tables import ReportDraft, Round, RoundState
from tests.reports.report_builders import AFTER_LOCK


def test_consolidate_round_publishes_artifacts(built, settings, export_settings, prefect_harness):
    engine, b = built
    export_settings(settings)
    from flows.consolidate import consolidate_round

    state = consolidate_round(round_key="six-month-2018", now=AFTER_LOCK, return_state=True)
    assert state.is_completed()
    draft_id = state.result()
    run_id = state.state_details.flow_run_id
    with Session(engine) as s:
        draft = s.get(ReportDraft, draft_id)
        rnd = s.get(Round, b.round_id)
    assert draft is not None
    assert draft.round_id == b.round_id and draft.version == 1
    assert rnd is not None
    assert rnd.state == RoundState.consolidated  # it was locked

    with get_client(sync_client=True) as client:
        assert run_id is not None
        assert client.read_flow_run(run_id).name == "consolidate six-month-2018"
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
        )
    by_key = {a.key: a for a in found}
    assert set(by_key) == {
        "consolidated-six-month-2018",
        "consolidated-six-month-2018-statistics",
        "consolidated-six-month-2018-docx",
    }

    table = by_key["consolidated-six-month-2018-statistics"]
    assert table.type == "table"
    assert isinstance(table.data, str)
    rows = json.loads(table.data)
    assert {"Chỉ tiêu": "Tỷ lệ báo cáo", "Kỳ này": "83,3%", "Kỳ trước (six-month-2017)": "50,0%"} in rows
    assert {"Chỉ tiêu": "Không báo cáo (quá hạn khóa sổ)", "Kỳ này": 1, "Kỳ trước (six-month-2017)": 2} in rows

    md = by_key["consolidated-six-month-2018"]
    assert md.type == "markdown" and isinstance(md.data, str)
    assert "Kết quả thực hiện công tác thông tin đối ngoại 6 tháng đầu năm 2018" in md.data
    assert "&lt;script&gt;" in md.data and "<script>" not in md.data

    link = by_key["consolidated-six-month-2018-docx"]
    assert link.type == "markdown"  # Prefect stores a link artifact as "[text](link)" markdown
    assert isinstance(link.data, str)
    target = next(part for part in link.data.replace("(", " ").replace(")", " ").split() if part.startswith("file://"))
    path = Path(unquote(urlparse(target).path))
    assert path == (settings.data_dir / draft.docx_path).resolve() and path.is_file()
