"""Fixtures of the hostile-world tests: a world with the reference plan and open rounds (no mailbox), and the portal on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from models.tokens import form_token, upload_token
from portal.app import create_app
from tests.inbound.conftest import ON_TIME, World, make_world
from tests.portal.harness import serve_in_thread

AUTHSERV_ID = "mx.stttt.vinhlong.example"


@pytest.fixture
def world(tmp_path, reference_plan) -> World:
    """A database with the plan loaded, the six-month and budget rounds open, requests to SKHDT, SCT, STC queued."""
    return make_world(tmp_path, reference_plan, authserv_ids=[AUTHSERV_ID])


@dataclass
class LivePortal:
    """The portal served on a real uvicorn over the world, and one agency's personal link."""

    url: str
    world: World
    token: str
    csrf: str
    client: httpx.Client

    def link(self) -> str:
        """The personal link's path."""
        return f"/u/{self.token}"


def link_token(world: World, code: str = "SKHDT", round_key: str = "six-month-2018", secret: str | None = None) -> str:
    """A personal-link token for an agency in a round (signed with `secret`, default the current key)."""
    round_id, agency_id = world.ids[(round_key, code)]
    return upload_token(
        secret or world.settings.secret_key.get_secret_value(),
        round_id,
        agency_id,
        expires_at=ON_TIME + dt.timedelta(days=120),
    )


@pytest.fixture
def live_portal(world: World) -> Iterator[LivePortal]:
    """The portal for the world, its clock on time for the six-month round."""
    app = create_app(world.settings, world.engine, clock=lambda: ON_TIME)
    token = link_token(world)
    with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield LivePortal(url, world, token, form_token(world.settings.secret_key.get_secret_value(), token), client)


@pytest.fixture
def pg_world(tmp_path, reference_plan) -> Iterator[World]:
    """The same world on its own fresh PostgreSQL database (dropped afterwards)."""
    import uuid

    import sqlalchemy as sa

    from tests.conftest import PG_ADMIN_URL

    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"planflow_hostile_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    world = make_world(
        tmp_path, reference_plan, db_url=PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", authserv_ids=[AUTHSERV_ID]
    )
    yield world
    world.engine.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
