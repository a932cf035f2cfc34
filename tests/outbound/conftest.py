"""Fixtures of the outbound tests: settings pointing at the root conftest's SMTP server, an opened round."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.db import session_scope
from models.rounds import open_round, roster
from models.settings import Settings
from models.tables import Agency, Plan, Round

ROUND_KEY = "six-month-2018"
# Friday 1 June 2018, 08:00 in Vĩnh Long: the six-month round is open, due before 15 June.
OPENED = dt.datetime(2018, 6, 1, 1, 0, tzinfo=dt.UTC)


def smtp_settings(settings: Settings, port: int, **smtp) -> Settings:
    """The test settings with the SMTP server at 127.0.0.1:`port` (no rate limit, short timeouts)."""
    values = {"host": "127.0.0.1", "port": port, "rate_per_second": 0, "timeout": 5.0, "concurrency": 2} | smtp
    return settings.model_copy(update={"smtp": settings.smtp.model_copy(update=values)})


@dataclass
class World:
    """The reference plan loaded, its six-month round opened."""

    engine: sa.Engine
    plan_id: int
    round_id: int
    agencies: list[Agency]

    def agency(self, code: str) -> Agency:
        """The roster agency with this code."""
        return next(a for a in self.agencies if a.code == code)


def open_six_month(engine: sa.Engine) -> World:
    """Open the loaded reference plan's six-month round on 1 June 2018."""
    with session_scope(engine) as session:
        plan = session.exec(select(Plan)).one()
        rnd = session.exec(select(Round).where(Round.key == ROUND_KEY)).one()
        assert plan.id is not None and rnd.id is not None
        open_round(session=session, round_id=rnd.id, now=OPENED)
        agencies = [a for _, a in roster(session=session, round_id=rnd.id)]
        return World(engine, plan.id, rnd.id, agencies)


@pytest.fixture
def world(loaded_engine) -> World:
    """The reference plan with its six-month round opened on 1 June 2018."""
    return open_six_month(loaded_engine)
