"""Portal test harness: the portal on a real uvicorn in a thread, a settable clock, an open round and personal links."""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
import uvicorn
from sqlmodel import col, select

from models.db import session_scope
from models.rounds import open_round, tasks_for
from models.settings import Settings
from models.tables import Agency, RosterEntry, Round
from models.tokens import form_token, upload_token


class Clock:
    """The portal's idea of now, set by the test."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


class Server(uvicorn.Server):
    """uvicorn that leaves signals alone, so it can run in a thread (encode/httpx tests/conftest.py)."""

    def install_signal_handlers(self) -> None:  # older uvicorn
        pass


@contextlib.contextmanager
def serve_in_thread(app, *, limit_concurrency: int | None = None) -> Iterator[str]:
    """Serve `app` on a free loopback port in a thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = Server(uvicorn.Config(app, log_level="warning", lifespan="off", limit_concurrency=limit_concurrency))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@dataclass
class Portal:
    """A served portal and the open round it is tested against."""

    url: str
    settings: Settings
    engine: sa.Engine
    clock: Clock
    round: Round
    agency: Agency
    other_agency: Agency
    task_keys: list[str]

    @property
    def round_id(self) -> int:
        """The id of the round under test (a stored row)."""
        assert self.round.id is not None
        return self.round.id

    @property
    def agency_id(self) -> int:
        """The id of the agency under test (a stored row)."""
        assert self.agency.id is not None
        return self.agency.id

    def token(
        self, *, round_id: int | None = None, agency_id: int | None = None, expires_at: dt.datetime | None = None
    ) -> str:
        """A signed personal-link token (default: this round and agency, valid 60 days after the lock)."""
        return upload_token(
            self.settings.secret_key.get_secret_value(),
            round_id if round_id is not None else self.round_id,
            agency_id if agency_id is not None else self.agency_id,
            expires_at=expires_at or self.round.lock_at + dt.timedelta(days=60),
        )

    def link(self, token: str | None = None) -> str:
        """The personal link's full URL."""
        return f"{self.url}/u/{token or self.token()}"

    def csrf(self, token: str | None = None) -> str:
        """The form token that goes with a link token."""
        return form_token(self.settings.secret_key.get_secret_value(), token or self.token())


SMALL_FILE_LIMIT = 1024 * 1024


def open_test_round(engine: sa.Engine, *, min_tasks: int = 2) -> tuple[Round, Agency, Agency, list[str]]:
    """Open the plan's first six-month round; return it, an agency with at least `min_tasks` tasks, another agency, and its task keys."""
    with session_scope(engine) as session:
        round = session.exec(select(Round).where(Round.kind == "six_month").order_by(col(Round.due_at))).first()
        assert round is not None and round.id is not None
        open_round(session=session, round_id=round.id, now=round.opens_at)
        rows = session.exec(
            select(RosterEntry, Agency)
            .join(Agency, col(Agency.id) == col(RosterEntry.agency_id))
            .where(RosterEntry.round_id == round.id)
            .order_by(Agency.code)
        ).all()
        chosen = None
        for _, agency in rows:
            assert agency.id is not None
            keys = [t.key for t in tasks_for(session=session, round_id=round.id, agency_id=agency.id)]
            if len(keys) >= min_tasks:
                chosen = (agency, keys)
                break
        assert chosen is not None, "the plan has no agency with enough tasks"
        other = next(a for _, a in rows if a.id != chosen[0].id)
        return round, chosen[0], other, chosen[1]
