"""Benchmark (not a test): ingest 2,000 replies from a real Dovecot, beside a raw `imaplib` fetch of the same messages.

Run: `.venv/bin/python bench/bench_imap.py [N]`. Prints both times and the ratio (planflow / raw fetch).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import imaplib
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from imapclient import IMAPClient
from pydantic import SecretStr
from sqlmodel import Session, func, select

from devstack.dovecot import start_dovecot
from inbound.collector import collect_replies
from models.db import make_engine, session_scope, upgrade
from models.loading import load_plan
from models.planfile import load_contacts_file, load_plan_file
from models.rounds import open_round, round_by_key
from models.settings import DatabaseSettings, ImapSettings, Settings
from models.tables import Agency, Submission
from notifications import addressing
from plans import plan_default_paths

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def build_world(base: Path, server) -> tuple[Settings, sa.Engine, list[tuple[str, str]]]:
    """A database with the reference plan loaded and the 6-month round open; the agencies' reply addresses."""
    data = base / "data"
    data.mkdir(parents=True)
    settings = Settings(
        data_dir=data,
        db=DatabaseSettings(url=f"sqlite:///{data / 'planflow.db'}"),
        imap=ImapSettings(
            host=server.host,
            port=server.port,
            username=server.user,
            password=SecretStr(server.password),
            batch_size=100_000,
        ),
    )
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    plan_path, contacts_path = plan_default_paths()
    plan = load_plan_file(plan_path)
    with session_scope(engine) as s:
        load_plan(
            session=s,
            plan=plan,
            contacts=load_contacts_file(contacts_path, plan),
            source_path=str(plan_path),
            content_sha256=hashlib.sha256(Path(plan_path).read_bytes()).hexdigest(),
            now=dt.datetime(2018, 5, 1, tzinfo=VN),
        )
    senders = []
    with session_scope(engine) as s:
        r = round_by_key(session=s, key="six-month-2018")
        assert r.id is not None
        open_round(session=s, round_id=r.id, now=dt.datetime(2018, 5, 15, tzinfo=VN))
        for a in s.exec(select(Agency).where(Agency.code != "STTTT")):
            assert a.id is not None
            senders.append((a.code, addressing.reply_address(settings=settings, round_id=r.id, agency_id=a.id)))
    return settings, engine, senders


def message(i: int, code: str, to: str) -> bytes:
    """A typical reply: text body and a small PDF attachment (about 3 KB)."""
    pdf = b"%PDF-1.4\n% bao cao " + str(i).encode() + b"\n" + b"0" * 1500 + b"\n%%EOF\n"
    import base64

    b64 = base64.encodebytes(pdf).decode().replace("\n", "\r\n")
    return (
        f"From: vanthu@{code.lower()}.vinhlong.example\r\nTo: {to}\r\n"
        f"Subject: Re: [BC-SIX-MONTH-2018/{code}] =?utf-8?q?B=C3=A1o_c=C3=A1o?= {i}\r\n"
        f"Date: Sun, 10 Jun 2018 09:00:00 +0700\r\nMessage-ID: <bench-{i}@{code.lower()}.vinhlong.example>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        f"Báo cáo số {i}: đã thực hiện các nhiệm vụ thông tin đối ngoại.\r\n"
        f'--b\r\nContent-Type: application/pdf; name="bao-cao-{i}.pdf"\r\nContent-Disposition: attachment; filename="bao-cao-{i}.pdf"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{b64}--b--\r\n"
    ).encode()


def raw_fetch(server, folder: str) -> tuple[int, float]:
    """Baseline: stdlib imaplib, one login, FETCH BODY.PEEK[] of everything in chunks of 25 (as planflow does)."""
    start = time.perf_counter()
    conn = imaplib.IMAP4(server.host, server.port)
    conn.login(server.user, server.password)
    conn.select(folder, readonly=True)
    _, data = conn.uid("SEARCH", "ALL")
    uids = data[0].split()
    total = 0
    for i in range(0, len(uids), 25):
        _, parts = conn.uid("FETCH", b",".join(uids[i : i + 25]).decode(), "(BODY.PEEK[] INTERNALDATE)")
        total += sum(1 for p in parts if isinstance(p, tuple))
    conn.logout()
    return total, time.perf_counter() - start


def main(n: int = 2000) -> None:
    """Append n replies, time the raw fetch and planflow's ingestion of them, print the ratio."""
    server = start_dovecot()
    try:
        base = Path(tempfile.mkdtemp(prefix="bench-imap-"))
        settings, engine, senders = build_world(base, server)
        client = IMAPClient(server.host, port=server.port, ssl=False)
        client.login(server.user, server.password)
        t = time.perf_counter()
        when = dt.datetime(2018, 6, 10, 10, tzinfo=VN)
        for i in range(n):
            code, to = senders[i % len(senders)]
            client.append("INBOX", message(i, code, to), msg_time=when)
        client.logout()
        print(f"appended {n} messages in {time.perf_counter() - t:.1f} s")

        fetched, raw_s = raw_fetch(server, "INBOX")
        t = time.perf_counter()
        report = collect_replies(engine=engine, settings=settings, now=dt.datetime(2018, 6, 20, tzinfo=VN))
        ingest_s = time.perf_counter() - t
        with Session(engine) as s:
            recorded = s.exec(select(func.count()).select_from(Submission)).one()
        assert fetched == n and report.read == n and recorded == n, (fetched, report.summary(), recorded)
        print(f"raw imaplib fetch : {fetched} messages in {raw_s:.2f} s ({fetched / raw_s:,.0f} msg/s)")
        print(
            f"planflow ingestion: {report.recorded} recorded in {ingest_s:.2f} s ({n / ingest_s:,.0f} msg/s)"
            " (store raw, parse, match, sender check, attachment, record, receipt queued, MOVE)"
        )
        print(f"ratio planflow / raw fetch: {ingest_s / raw_s:.1f}x")
    finally:
        server.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
