"""Keep every message exactly as it arrived, before anything else is done with it: bytes by sha256, one row each."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.settings import Settings
from models.tables import InboundMessage


def raw_relpath(sha256: str) -> str:
    """Where a raw message with this hash lives, relative to the data folder."""
    return f"inbound/{sha256[:2]}/{sha256[2:]}.eml"


def write_raw(*, settings: Settings, raw: bytes) -> tuple[str, str]:
    """Write the bytes under their hash (atomically; once); returns (sha256, relative path)."""
    sha = hashlib.sha256(raw).hexdigest()
    rel = raw_relpath(sha)
    final = settings.data_dir / rel
    if not final.exists():
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, final)
    return sha, rel


def read_raw(*, settings: Settings, row: InboundMessage) -> bytes:
    """The stored bytes of an inbound message."""
    return (settings.data_dir / row.raw_path).read_bytes()


def store_raw(
    *,
    engine: sa.Engine,
    settings: Settings,
    raw: bytes,
    mailbox: str | None = None,
    uidvalidity: int | None = None,
    uid: int | None = None,
    server_received_at: dt.datetime | None = None,
) -> tuple[InboundMessage, bool]:
    """Store the message (file, then row, committed); returns (row, created). The same bytes twice give one row."""
    sha, rel = write_raw(settings=settings, raw=raw)
    with Session(engine, expire_on_commit=False) as session:
        existing = session.exec(select(InboundMessage).where(InboundMessage.sha256 == sha)).first()
        if existing is not None:
            return existing, False
        row = InboundMessage(
            sha256=sha,
            raw_path=rel,
            size=len(raw),
            mailbox=mailbox,
            uidvalidity=uidvalidity,
            uid=uid,
            server_received_at=server_received_at,
        )
        session.add(row)
        try:
            session.commit()
        except IntegrityError:  # another reader stored the same bytes at the same moment
            session.rollback()
            return session.exec(select(InboundMessage).where(InboundMessage.sha256 == sha)).one(), False
        return row, True


def path_of(*, settings: Settings, row: InboundMessage) -> Path:
    """The absolute path of a stored raw message."""
    return settings.data_dir / row.raw_path
