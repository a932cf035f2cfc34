"""Portal fixtures: settings with small limits, the portal served on a real uvicorn with the reference plan's six-month round open."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa

from models.settings import LimitSettings, Settings
from portal.app import create_app
from tests.portal.harness import SMALL_FILE_LIMIT, Clock, Portal, open_test_round, serve_in_thread


@pytest.fixture
def portal_settings(settings: Settings) -> Settings:
    """Settings with a 1 MB file limit, so the size refusal is cheap to test."""
    return settings.model_copy(
        update={"limits": LimitSettings(max_file_bytes=SMALL_FILE_LIMIT, max_files=5, max_text_chars=20_000)}
    )


@pytest.fixture
def portal(portal_settings: Settings, loaded_engine: sa.Engine) -> Iterator[Portal]:
    """The portal on a real uvicorn, the reference plan loaded, its six-month round open, the clock 3 days 4 hours before the due instant."""
    round, agency, other, keys = open_test_round(loaded_engine)
    clock = Clock(round.due_at - dt.timedelta(days=3, hours=4))
    app = create_app(portal_settings, loaded_engine, clock=clock)
    with serve_in_thread(app) as url:
        yield Portal(
            url=url,
            settings=portal_settings,
            engine=loaded_engine,
            clock=clock,
            round=round,
            agency=agency,
            other_agency=other,
            task_keys=keys,
        )


@pytest.fixture
def client(portal: Portal) -> Iterator[httpx.Client]:
    """An HTTP client for the served portal."""
    with httpx.Client(base_url=portal.url, timeout=30, follow_redirects=True) as c:
        yield c
