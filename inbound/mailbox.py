"""The IMAP side of the reader: connect, find new mail by UID, fetch a bounded batch, move what was processed.

Where the reader stopped is kept in `MailboxState` (UIDVALIDITY and the last UID stored), so each run
reads only new mail; a change of UIDVALIDITY starts over, and the sha256 dedupe keeps that harmless.
"""

from __future__ import annotations

import datetime as dt
import ssl
from dataclasses import dataclass
from typing import cast

import sqlalchemy as sa
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models.settings import ImapSettings
from models.tables import MailboxState

FETCH_CHUNK = 25


class MailboxUnavailable(Exception):
    """The IMAP server could not be reached or refused the login (nothing was read)."""


@dataclass(frozen=True)
class Fetched:
    """One message fetched from the server."""

    uid: int
    raw: bytes
    internaldate: dt.datetime | None


def connect(imap: ImapSettings) -> IMAPClient:
    """A logged-in IMAP client (implicit TLS, STARTTLS or plain, per settings)."""
    if not imap.host:  # callers check this first: no host means reading replies by email is off
        raise MailboxUnavailable("IMAP: no host configured")
    context = None
    if imap.security != "none":
        context = ssl.create_default_context(cafile=str(imap.ca_file) if imap.ca_file else None)
    try:
        client = IMAPClient(
            imap.host, port=imap.port, ssl=imap.security == "tls", ssl_context=context, timeout=imap.timeout
        )
        if imap.security == "starttls":
            client.starttls(context)
        client.login(imap.username, imap.password.get_secret_value())
    except Exception as exc:
        raise MailboxUnavailable(f"IMAP {imap.host}:{imap.port}: {type(exc).__name__}: {exc}") from exc
    client.normalise_times = False  # keep INTERNALDATE's own offset: it decides on time or late
    return client


def server_folder(client: IMAPClient, name: str) -> str:
    """A configured folder path (`planflow/processed`) with the server's hierarchy delimiter."""
    try:
        delimiter = client.list_folders(directory="", pattern="")[0][1]
        delimiter = delimiter.decode() if isinstance(delimiter, bytes) else delimiter
    except Exception:
        delimiter = "/"
    return name.replace("/", delimiter) if delimiter else name


def ensure_folder(client: IMAPClient, name: str) -> str:
    """Create the folder if missing; returns its server name."""
    folder = server_folder(client, name)
    if not client.folder_exists(folder):
        try:
            client.create_folder(folder)
        except Exception:
            if not client.folder_exists(folder):  # another reader created it meanwhile
                raise
    return folder


def reading_state(*, engine: sa.Engine, account: str, folder: str, uidvalidity: int) -> int:
    """The last UID already stored for this folder (0 when new, or when UIDVALIDITY changed)."""
    with Session(engine) as session:
        state = session.exec(
            select(MailboxState).where(MailboxState.account == account, MailboxState.folder == folder)
        ).first()
        if state is None:
            session.add(MailboxState(account=account, folder=folder, uidvalidity=uidvalidity, last_uid=0))
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
            return 0
        if state.uidvalidity != uidvalidity:
            state.uidvalidity, state.last_uid = uidvalidity, 0
            session.add(state)
            session.commit()
            return 0
        return state.last_uid


def advance(*, engine: sa.Engine, account: str, folder: str, uidvalidity: int, uid: int) -> None:
    """Remember that every message up to `uid` is stored (never moves backwards, safe with several readers)."""
    with engine.begin() as conn:
        conn.execute(
            sa.update(MailboxState)
            .where(
                col(MailboxState.account) == account,
                col(MailboxState.folder) == folder,
                col(MailboxState.uidvalidity) == uidvalidity,
                col(MailboxState.last_uid) < uid,
            )
            .values(last_uid=uid)
        )


def fetch(client: IMAPClient, uids: list[int]) -> list[Fetched]:
    """The raw bytes and INTERNALDATE of these messages, without setting \\Seen."""
    if not uids:
        return []
    data = client.fetch(uids, ["BODY.PEEK[]", "INTERNALDATE"])
    # A message another reader moved away during this FETCH can come back with an empty body
    # (Dovecot does this): ask once more, and drop it only if the server no longer has it.
    empty = [uid for uid in uids if data.get(uid) and not data[uid].get(b"BODY[]")]
    if empty:
        still_there = set(client.search(["UID", ",".join(map(str, empty))]))  # pyright: ignore[reportArgumentType]  # imapclient is unannotated; `criteria` is inferred as str from its default, but lists are documented
        data = {uid: item for uid, item in data.items() if uid not in empty or uid in still_there}
    out = []
    for uid in uids:
        item = data.get(uid)
        if not item or b"BODY[]" not in item:
            continue  # expunged meanwhile (another reader moved it)
        # imapclient types every FETCH value as one union; BODY[] is bytes and INTERNALDATE a datetime.
        body = cast(bytes, item[b"BODY[]"] or b"")
        out.append(Fetched(uid, body, cast("dt.datetime | None", item.get(b"INTERNALDATE"))))
    return out


def move(client: IMAPClient, uids: list[int], folder: str, *, use_move: bool | None = None) -> None:
    """Move messages to `folder`: MOVE when the server has it, else COPY + \\Deleted + (UID) EXPUNGE."""
    if not uids:
        return
    if use_move is None:
        use_move = client.has_capability("MOVE")
    try:
        _move(client, uids, folder, use_move)
    except IMAPClientError as exc:
        if "EXPUNGEISSUED" not in str(exc) and "no longer exist" not in str(exc):
            raise
        # Another reader moved some of them first: move whatever is still here.
        still_here = client.search(["UID", ",".join(str(u) for u in uids)])  # pyright: ignore[reportArgumentType]  # imapclient is unannotated; `criteria` is inferred as str from its default, but lists are documented
        if still_here:
            _move(client, still_here, folder, use_move)


def _move(client: IMAPClient, uids: list[int], folder: str, use_move: bool) -> None:
    if use_move:
        client.move(uids, folder)
        return
    client.copy(uids, folder)
    client.add_flags(uids, [b"\\Deleted"])
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(uids)
    else:
        client.expunge()
