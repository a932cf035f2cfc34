"""Fixtures of the email reader's tests: a real Dovecot, a database with the reference plan and open rounds, the corpus."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from imapclient import IMAPClient
from pydantic import SecretStr
from sqlmodel import Session, select

from devstack.dovecot import DovecotServer, start_dovecot
from models.db import make_engine, session_scope, upgrade
from models.loading import load_plan
from models.rounds import open_round, round_by_key
from models.settings import DatabaseSettings, ImapSettings, LimitSettings, Settings, TrustSettings
from models.tables import Agency
from notifications import addressing, notices

EML = Path(__file__).resolve().parent.parent / "data" / "eml"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
ON_TIME = dt.datetime(2018, 6, 10, 10, 0, tzinfo=VN)
NOW = dt.datetime(2018, 6, 20, 9, 0, tzinfo=VN)
_PLACEHOLDER = re.compile(rb"\{\{(TOKEN|MSGID):([A-Z0-9_]+):([a-z0-9-]+)\}\}")


@dataclass
class World:
    """A database and settings ready for replies: plan loaded, budget and 6-month rounds open, requests queued."""

    settings: Settings
    engine: sa.Engine
    ids: dict[tuple[str, str], tuple[int, int]]  # (round key, agency code) -> (round id, agency id)

    def fill(self, raw: bytes) -> bytes:
        """Replace the corpus placeholders with this database's reply addresses and Message-IDs."""

        def sub(m: re.Match) -> bytes:
            kind, code, key = m.group(1).decode(), m.group(2).decode(), m.group(3).decode()
            if kind == "TOKEN":
                round_id, agency_id = self.ids[(key, code)]
                return addressing.reply_address(settings=self.settings, round_id=round_id, agency_id=agency_id).encode()
            return (
                notices.request_message_id(settings=self.settings, round_key=key, agency_code=code).strip("<>").encode()
            )

        return _PLACEHOLDER.sub(sub, raw)

    def corpus(self, name: str) -> bytes:
        """One corpus file, placeholders filled."""
        return self.fill((EML / name).read_bytes())


def make_world(
    base: Path,
    reference_plan,
    *,
    imap: ImapSettings | None = None,
    max_file_bytes: int = 1024 * 1024,
    db_url: str | None = None,
    authserv_ids: list[str] | None = None,
) -> World:
    """Build a fresh world in `base` (SQLite file, data folder)."""
    data = base / "data"
    data.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        data_dir=data,
        db=DatabaseSettings(url=db_url or f"sqlite:///{data / 'planflow.db'}"),
        imap=imap or ImapSettings(),
        limits=LimitSettings(max_file_bytes=max_file_bytes),
        trust=TrustSettings(authserv_ids=authserv_ids or []),
    )
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    plan, contacts, path = reference_plan
    with session_scope(engine) as session:
        load_plan(
            session=session,
            plan=plan,
            contacts=contacts,
            source_path=str(path),
            content_sha256=hashlib.sha256(Path(path).read_bytes()).hexdigest(),
            now=dt.datetime(2018, 5, 1, tzinfo=dt.UTC),
        )
    ids = {}
    with session_scope(engine) as session:
        for key, opened in (
            ("budget-2018", dt.datetime(2018, 4, 16, tzinfo=VN)),
            ("six-month-2018", dt.datetime(2018, 5, 15, tzinfo=VN)),
        ):
            r = round_by_key(session=session, key=key)
            assert r.id is not None
            open_round(session=session, round_id=r.id, now=opened)
            for agency in session.exec(select(Agency).where(Agency.plan_id == r.plan_id)):
                ids[(key, agency.code)] = (r.id, agency.id)
        r = round_by_key(session=session, key="six-month-2018")
        assert r.id is not None
        for code in ("SKHDT", "SCT", "STC"):
            notices.enqueue_request(
                session=session,
                settings=settings,
                round_id=r.id,
                agency_id=ids[(r.key, code)][1],
                now=dt.datetime(2018, 5, 15, 8, tzinfo=VN),
            )
    return World(settings=settings, engine=engine, ids=ids)


def imap_settings(server: DovecotServer, **kw) -> ImapSettings:
    """Settings that point the reader at a test Dovecot."""
    return ImapSettings(
        host=server.host, port=server.port, username=server.user, password=SecretStr(server.password), **kw
    )


def append(server: DovecotServer, messages: list[tuple[bytes, dt.datetime]], folder: str = "INBOX") -> None:
    """Put messages in the mailbox with IMAP APPEND, each with its INTERNALDATE."""
    client = IMAPClient(server.host, port=server.port, ssl=False)
    client.login(server.user, server.password)
    try:
        for raw, when in messages:
            client.append(folder, raw, msg_time=when)
    finally:
        client.logout()


def folder_count(server: DovecotServer, folder: str) -> int:
    """How many messages a folder holds (0 if it does not exist)."""
    client = IMAPClient(server.host, port=server.port, ssl=False)
    client.login(server.user, server.password)
    try:
        if not client.folder_exists(folder):
            return 0
        return client.folder_status(folder, ["MESSAGES"])[b"MESSAGES"]
    finally:
        client.logout()


@pytest.fixture
def dovecot():
    """A fresh private Dovecot for one test."""
    server = start_dovecot()
    yield server
    server.stop()


@pytest.fixture
def world(tmp_path, reference_plan, dovecot) -> World:
    """A fresh world whose reader points at this test's Dovecot."""
    return make_world(tmp_path, reference_plan, imap=imap_settings(dovecot))


def session_of(world: World) -> Session:
    """A session on the world's database."""
    return Session(world.engine)
