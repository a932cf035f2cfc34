"""The outbox and the sender on PostgreSQL: several workers, each message delivered exactly once."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import col, func, select

from models.db import make_engine, session_scope, upgrade
from models.tables import OutboundMessage, OutboxState
from notifications import outbox
from notifications.compose import compose
from notifications.render import Rendered
from notifications.sender import deliver_pending
from tests.conftest import PG_ADMIN_URL
from tests.outbound.conftest import smtp_settings
from tests.smtpd import FaultyHandler, start

NOW = dt.datetime(2018, 6, 11, 1, tzinfo=dt.UTC)
pytestmark = pytest.mark.postgres


@pytest.fixture
def outbox_pg():
    """A database of its own on the machine's PostgreSQL, so no other test's outbox rows are delivered here."""
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"planflow_outbox_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


async def test_concurrent_workers_on_postgres_send_each_message_once(outbox_pg, settings):
    handler = FaultyHandler(
        lambda mid, attempt: "451 4.3.0 later" if mid.startswith("<pg-7@") and attempt == 1 else "250"
    )
    ctl = start(handler)
    try:
        s = smtp_settings(settings, ctl.port, concurrency=3)
        with session_scope(outbox_pg) as session:
            for i in range(60):
                msg = compose(
                    sender="Sở TT&TT <s@example.vn>",
                    to=[f"Đơn vị {i} <u{i}@example.vn>"],
                    date=NOW,
                    message_id=f"<pg-{i}@example.vn>",
                    rendered=Rendered(f"Thư {i} — tiếng Việt", "nội dung", "<p>nội dung</p>"),
                )
                outbox.enqueue(session=session, key=f"pg:{i}", kind="test", message=msg, now=NOW)
        reports = await asyncio.gather(*(deliver_pending(engine=outbox_pg, settings=s, now=NOW) for _ in range(3)))
        later = await deliver_pending(engine=outbox_pg, settings=s, now=NOW + dt.timedelta(hours=1))
    finally:
        ctl.stop()
    assert sum(r.sent for r in reports) == 59 and sum(r.retried for r in reports) == 1 and later.sent == 1
    assert handler.accepted() == {f"<pg-{i}@example.vn>": 1 for i in range(60)}
    with session_scope(outbox_pg) as session:
        states = session.exec(
            select(col(OutboundMessage.state), func.count()).group_by(col(OutboundMessage.state))
        ).all()
    assert dict(states) == {OutboxState.sent: 60}
