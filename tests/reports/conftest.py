"""Report fixtures: a hand-built round with every status, and the reference plan's full roster with long texts."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from models.db import make_engine, session_scope, upgrade
from models.settings import DatabaseSettings, Settings
from tests.reports.report_builders import Built, build_round


@pytest.fixture
def built(engine) -> tuple[sa.Engine, Built]:
    """The hand-built six-month round (locked) and its 2017 predecessor in a fresh database."""
    with session_scope(engine) as session:
        b = build_round(session)
    return engine, b


@dataclass
class FullDraft:
    """A draft of the reference plan's six-month round, every roster agency having sent long texts."""

    settings: Settings
    engine: sa.Engine
    round_id: int
    agency_names: list[str]
    paragraphs: int
    seconds: float
    result: object


def _long_text(agency: str, task: str, what: str, n: int) -> str:
    return "\n".join(
        f"{what} {i + 1} của {agency} về nhiệm vụ {task}: tổ chức tuyên truyền, quảng bá hình ảnh Vĩnh Long; "
        f"đăng tải tin, bài, ảnh trên Cổng thông tin điện tử; phối hợp với các cơ quan báo chí trong và ngoài tỉnh."
        for i in range(n)
    )


@pytest.fixture(scope="module")
def full_draft(tmp_path_factory, reference_plan) -> Iterator[FullDraft]:
    """The reference plan loaded, its six-month round opened, every agency reporting on each task, then one draft."""
    from models.loading import load_plan
    from models.rounds import open_round, roster, round_by_key, tasks_for
    from models.submissions import ItemIn, SubmissionIn, record_submission
    from models.tables import Channel
    from reports.build import build_draft

    data = tmp_path_factory.mktemp("full") / "data"
    data.mkdir()
    settings = Settings(data_dir=data, db=DatabaseSettings(url=f"sqlite:///{data / 'planflow.db'}"))
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    plan, contacts, path = reference_plan
    due = dt.datetime(2018, 6, 14, 17, 0, tzinfo=dt.UTC)
    paragraphs = 0
    with session_scope(engine) as s:
        load_plan(
            session=s,
            plan=plan,
            contacts=contacts,
            source_path=str(path),
            content_sha256=hashlib.sha256(Path(path).read_bytes()).hexdigest(),
            now=due - dt.timedelta(days=60),
        )
        rnd = round_by_key(session=s, key="six-month-2018")
        assert rnd.id is not None
        open_round(session=s, round_id=rnd.id, now=due - dt.timedelta(days=20))
        names = []
        for i, (_entry, agency) in enumerate(roster(session=s, round_id=rnd.id)):
            names.append(agency.name)
            assert agency.id is not None
            tasks = tasks_for(session=s, round_id=rnd.id, agency_id=agency.id) or [None]
            items = [
                ItemIn(
                    task_key=t.key if t else None,
                    results=_long_text(agency.name, t.key if t else "chung", "Kết quả", 10),
                    difficulties=_long_text(agency.name, t.key if t else "chung", "Khó khăn", 1),
                    proposals=_long_text(agency.name, t.key if t else "chung", "Đề xuất", 1),
                )
                for t in tasks
            ]
            paragraphs += 12 * len(items)
            record_submission(
                session=s,
                submission_in=SubmissionIn(
                    round_id=rnd.id,
                    agency_id=agency.id,
                    channel=Channel.upload,
                    received_at=due - dt.timedelta(hours=i + 1),
                    items=items,
                    actor="test",
                ),
            )
        start = time.perf_counter()
        result = build_draft(session=s, settings=settings, round_id=rnd.id, now=due + dt.timedelta(days=2))
        seconds = time.perf_counter() - start
    yield FullDraft(settings, engine, rnd.id, names, paragraphs, seconds, result)
    engine.dispose()
