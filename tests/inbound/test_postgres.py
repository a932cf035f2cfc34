"""Two readers at once on PostgreSQL (row locks, not SQLite's database lock): each reply recorded exactly once."""

from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from inbound.collector import collect_replies
from models.tables import InboundMessage, Submission
from tests.conftest import PG_ADMIN_URL
from tests.inbound.conftest import NOW, append, folder_count, imap_settings, make_world
from tests.inbound.test_reader import replies

pytestmark = [pytest.mark.postgres, pytest.mark.dovecot]


@pytest.fixture
def pg_world(tmp_path, reference_plan, dovecot):
    """A world on its own fresh PostgreSQL database, dropped afterwards."""
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"planflow_inbound_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    world = make_world(
        tmp_path, reference_plan, imap=imap_settings(dovecot), db_url=PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    )
    yield world
    world.engine.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_two_readers_on_postgres_record_each_reply_once(pg_world, dovecot):
    append(dovecot, replies(pg_world, 48))
    reports = []
    threads = [
        threading.Thread(
            target=lambda: reports.append(collect_replies(engine=pg_world.engine, settings=pg_world.settings, now=NOW))
        )
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(reports) == 3
    assert sum(r.recorded for r in reports) == 48
    assert sum(r.quarantined + r.errors for r in reports) == 0
    with Session(pg_world.engine) as s:
        assert s.exec(select(func.count()).select_from(InboundMessage)).one() == 48
        rows = s.exec(select(Submission.agency_id, Submission.version)).all()
    assert len(rows) == 48
    by_agency: dict[int, list[int]] = {}
    for agency_id, version in rows:
        by_agency.setdefault(agency_id, []).append(version)
    assert all(
        sorted(v) == list(range(1, len(v) + 1)) for v in by_agency.values()
    )  # versions 1..n, none skipped or doubled
    assert folder_count(dovecot, "INBOX") == 0 and folder_count(dovecot, "planflow/processed") == 48
