"""Benchmark (not a test): one reporting round with N agencies, end to end, against real servers on 127.0.0.1.

Run: `nice -n 10 .venv/bin/python bench/scale.py --agencies 1000 --db sqlite --json bench/results/x.json`.

It writes a plan with N reporting agencies (`bench/planmaker.py`), starts Dovecot, the mail catcher
(`devstack/mailcatcher.py`, its own process, one .eml file per message) and a Prefect server, then
runs the round through the `planflow` commands an operator runs, each stage in its own process:

| stage | command |
|---|---|
| validate | `planflow plan validate PLAN --contacts CONTACTS` |
| load | `planflow plan load PLAN --contacts CONTACTS` (after an untimed `planflow db upgrade`) |
| open | `planflow round open six-month-2018` (the open-round flow: roster, compose, deliver, status) |
| send | `planflow outbox send`, the N requests put back in the queue first |
| replies_1 | `planflow replies collect`: the first half of the agencies' replies, appended into Dovecot |
| tick | `planflow tick` with half reported: reminders to the other half, the officer's digest |
| replies_2 | `planflow replies collect`: the other half |
| consolidate | the `consolidate-round` flow (draft and Prefect artifacts) |
| report | `planflow report build six-month-2018 --out DIR` (Word, HTML, Markdown) |

The replies are made as an agency would: a reply to the request it received at the catcher, from
its focal point to the request's Reply-To (the token address), threaded under it, with the request's
Word form filled in and attached. Peak RSS is the stage process's, its reaped children included
(`wait4`, through GNU `time`). The baselines are measured in the same run: the same N requests over pooled aiosmtplib
to the same catcher, an `imaplib` fetch of the same N replies, and the ingestion floor (that fetch,
a stdlib parse of every part, and one batched SQLite insert of the raw bytes).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import email
import email.policy
import imaplib
import io
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.planmaker import make_plan  # noqa: E402
from devstack.dovecot import DovecotServer, start_dovecot  # noqa: E402
from devstack.prefect_server import PrefectServer  # noqa: E402
from devstack.stack import free_port  # noqa: E402

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ROUND = "six-month-2018"
# The round's clock: it opens on 15/5, the first half replies by 5/6, the tick of 12/6 08:30 finds the
# other half pending (before-3 reminders), the other half replies on 13/6, the draft is built on 16/6.
OPEN_AT = "2018-05-15T08:00:00+0700"
FIRST_HALF_AT = dt.datetime(2018, 6, 5, 9, 0, tzinfo=VN)
TICK_AT = "2018-06-12T08:30:00+0700"
SECOND_HALF_AT = dt.datetime(2018, 6, 13, 9, 0, tzinfo=VN)
REPORT_AT = "2018-06-16T09:00:00+0700"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
TIME = "/usr/bin/time"  # GNU time (Debian package `time`): peak RSS of the stage process
STAGES = ("validate", "load", "open", "send", "replies_1", "tick", "replies_2", "consolidate", "report")


# ---------------------------------------------------------------- output: rich on a terminal, plain lines otherwise


class Display:
    """Progress for a person at a terminal (a rich bar), or one plain line per event (logs, CI)."""

    def __init__(self, total: int):
        self.rich = sys.stdout.isatty()
        self.progress = None
        if self.rich:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                TextColumn("{task.description:<28}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TimeElapsedColumn(),
            )
            self.progress.start()
            self.overall = self.progress.add_task("round", total=total)

    def note(self, text: str) -> None:
        """One line of information."""
        if self.progress is not None:
            self.progress.console.print(text)
        else:
            print(text, flush=True)

    @contextmanager
    def step(self, name: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
        """A unit of work with an optional count; yields `advance(n)`."""
        if self.progress is None:
            print(f"-- {name} ...", flush=True)
            yield lambda n=1: None
            return
        sub = self.progress.add_task(name, total=total or 1)
        yield lambda n=1: self.progress.advance(sub, n) if self.progress else None
        self.progress.update(sub, completed=total or 1, visible=False)

    def stage_done(self) -> None:
        """Advance the overall bar."""
        if self.progress is not None:
            self.progress.advance(self.overall)

    def close(self) -> None:
        """Stop the live display."""
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


# ---------------------------------------------------------------- the world: servers, database, environment


@dataclass
class World:
    """The running servers and the environment every stage process gets."""

    work: Path
    agencies: int
    db: str
    dovecot: DovecotServer
    prefect: PrefectServer
    catcher: subprocess.Popen
    catcher_dir: Path
    smtp_port: int
    db_url: str
    pg_name: str | None
    env: dict[str, str] = field(default_factory=dict)

    def cli(self, *args: str) -> list[str]:
        """The argv of a `planflow` command."""
        return [sys.executable, "-m", "cli.main", *args]


def _wait_port(port: int, timeout: float = 20) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def _create_pg_database() -> tuple[str, str]:
    import psycopg
    from psycopg import sql

    name = f"planflow_scale_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name, f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def _drop_pg_database(name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def start_world(work: Path, agencies: int, db: str, smtp_rate: float, concurrency: int) -> World:
    """Start Dovecot, the mail catcher and a Prefect server; the database; the stages' environment."""
    dovecot = start_dovecot(base_dir=work / "dovecot")
    smtp_port = free_port()
    catcher_dir = work / "mailcatcher"
    with open(work / "mailcatcher.log", "wb") as catcher_log:
        catcher = subprocess.Popen(
            [sys.executable, "-m", "devstack.mailcatcher", "--port", str(smtp_port), "--dir", str(catcher_dir)],
            cwd=ROOT,
            stdout=catcher_log,
            stderr=subprocess.STDOUT,
        )
    prefect = PrefectServer(work / "prefect")
    try:
        _wait_port(smtp_port)
        prefect.start()
    except Exception:
        catcher.terminate()
        dovecot.stop(remove=False)
        prefect.stop()
        raise
    pg_name = None
    if db == "postgresql":
        pg_name, db_url = _create_pg_database()
    else:
        db_url = f"sqlite:///{work / 'data' / 'planflow.db'}"
    env = prefect.client_env()
    env.update(
        PYTHONPATH=str(ROOT),
        PLANFLOW_DATA_DIR=str(work / "data"),
        PLANFLOW_DB_URL=db_url,
        PLANFLOW_SMTP_HOST="127.0.0.1",
        PLANFLOW_SMTP_PORT=str(smtp_port),
        PLANFLOW_SMTP_RATE_PER_SECOND=str(smtp_rate),
        PLANFLOW_SMTP_CONCURRENCY=str(concurrency),
        PLANFLOW_IMAP_HOST=dovecot.host,
        PLANFLOW_IMAP_PORT=str(dovecot.port),
        PLANFLOW_IMAP_USERNAME=dovecot.user,
        PLANFLOW_IMAP_PASSWORD=dovecot.password,
        # One collect run reads every reply waiting (the default batch is 200).
        PLANFLOW_IMAP_BATCH_SIZE=str(agencies + 100),
    )
    return World(work, agencies, db, dovecot, prefect, catcher, catcher_dir, smtp_port, db_url, pg_name, env)


def stop_world(world: World) -> None:
    """Stop every server this run started; drop its PostgreSQL database."""
    world.catcher.terminate()
    try:
        world.catcher.wait(10)
    except subprocess.TimeoutExpired:
        world.catcher.kill()
    world.prefect.stop()
    world.dovecot.stop(remove=False)
    if world.pg_name:
        _drop_pg_database(world.pg_name)


def status_artifact_bytes(world: World) -> int:
    """Size of the round's latest status table artifact on the Prefect server (its event carries it whole)."""
    import httpx

    found = httpx.post(
        f"{world.prefect.api_url}/artifacts/filter",
        json={"artifacts": {"key": {"any_": [f"round-{ROUND}-status"]}}, "sort": "CREATED_DESC", "limit": 1},
        timeout=30,
    ).json()
    if not found:
        return 0
    data = found[0]["data"]
    return len((data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)).encode())


def prefect_server_peak_mb(world: World) -> float:
    """The Prefect server's peak RSS (VmHWM) summed over its process group, read before it stops."""
    proc = world.prefect.process
    if proc is None:
        return 0.0
    total_kb = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat.rpartition(")")[2].split()[2]) != proc.pid:  # field 5: process group
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total_kb += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total_kb / 1024


# ---------------------------------------------------------------- stages


@dataclass
class StageResult:
    """Wall seconds, peak RSS (MB) and CPU seconds (user + system) of one stage process, and what it printed."""

    seconds: float
    peak_rss_mb: float
    output: str
    cpu_seconds: float = 0.0


def run_stage(world: World, name: str, argv: list[str]) -> StageResult:
    """Run one stage as a child process; its wall time, and its peak RSS with its reaped children's.

    The stage runs under GNU `time`, whose `%M` comes from `wait4`. A child forked straight from this
    process would inherit this process's high-water mark (Linux keeps `maxrss` across `exec`), and
    this process holds every reply in memory; `time` is a small C program, so it adds nothing.
    """
    log_path = world.work / "logs" / f"{name}.log"
    rss_path = world.work / "logs" / f"{name}.rss"
    log_path.parent.mkdir(exist_ok=True)
    with open(log_path, "w+b") as log:
        t0 = time.perf_counter()
        proc = subprocess.run(
            [TIME, "-f", "%M %U %S", "-o", str(rss_path), *argv],
            cwd=ROOT,
            env=world.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        seconds = time.perf_counter() - t0
        log.seek(0)
        output = log.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"stage {name} failed (exit {proc.returncode}); log {log_path}:\n{output[-3000:]}")
    peak_kb, user, system = rss_path.read_text().split()[-3:]
    return StageResult(seconds, int(peak_kb) / 1024, output, float(user) + float(system))


def _engine(world: World):
    import sqlalchemy as sa

    return sa.create_engine(world.db_url)


def requeue_requests(world: World) -> int:
    """Put the round's requests back in the queue, so `outbox send` delivers the same N messages again."""
    import sqlalchemy as sa

    engine = _engine(world)
    with engine.begin() as conn:
        n = conn.execute(
            sa.text(
                "UPDATE outbound_message SET state = 'queued', attempts = 0, next_attempt_at = NULL, sent_at = NULL "
                "WHERE kind = 'request'"
            )
        ).rowcount
    engine.dispose()
    return n


def request_rows(world: World) -> list[tuple[str, list[str], bytes]]:
    """(envelope sender, recipients, raw) of every request in the outbox: the raw-SMTP baseline's input."""
    import sqlalchemy as sa

    engine = _engine(world)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT sender, recipients, raw FROM outbound_message WHERE kind = 'request' ORDER BY id")
        ).all()
    engine.dispose()
    out = []
    for sender, recipients, raw in rows:
        rcpts = json.loads(recipients) if isinstance(recipients, str) else list(recipients)
        out.append((parseaddr(sender)[1] or sender, [parseaddr(r)[1] for r in rcpts], bytes(raw)))
    return out


async def raw_smtp(port: int, messages: list[tuple[str, list[str], bytes]], concurrency: int) -> float:
    """Baseline: the same raw messages over `concurrency` pooled aiosmtplib connections; seconds."""
    import aiosmtplib

    queue: asyncio.Queue = asyncio.Queue()
    for m in messages:
        queue.put_nowait(m)

    async def worker() -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=60, start_tls=False)
        await client.connect()
        while not queue.empty():
            sender, rcpts, raw = queue.get_nowait()
            await client.sendmail(sender, rcpts, raw)
        await client.quit()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - t0


def caught(world: World) -> list[Path]:
    """The messages the catcher holds, oldest first."""
    return sorted(world.catcher_dir.glob("*.eml"))


# ---------------------------------------------------------------- the agencies' replies


def fill_form(data: bytes, agency_name: str, n: int) -> bytes:
    """The request's Word form with the reporter and every task's results written in, as an agency returns it."""
    from docx import Document

    doc = Document(io.BytesIO(data))
    for table in doc.tables:
        first = table.rows[0].cells
        if first[0].text.strip() == "Người báo cáo":
            first[1].text = f"Nguyễn Văn {chr(0x41 + n % 26)}"
            table.rows[1].cells[1].text = f"0270 38{n % 100000:05d}"
        elif first[0].text.strip() == "Mã nhiệm vụ" and first[1].text.strip() != "(chung)":
            table.rows[1].cells[1].text = (
                f"{agency_name} đã quán triệt và triển khai nhiệm vụ {first[1].text.strip()}: tổ chức 2 hội nghị, "
                "đăng 15 tin, bài trên trang thông tin điện tử."
            )
            table.rows[2].cells[1].text = "Kinh phí còn hạn chế."
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def make_replies(world: World, display: Display) -> list[Path]:
    """One reply per request caught at the mail catcher, as the agency's focal point would write it; their files.

    The first N/2 are dated before the tick, the others before the second collect. Streamed from
    the catcher's files to `replies/`, so that memory stays flat at any N.
    """
    out = world.work / "replies"
    out.mkdir(exist_ok=True)
    seen: set[str] = set()
    paths: list[Path] = []
    with display.step("writing the agencies' replies", world.agencies) as advance:
        for path in caught(world):
            req = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            message_id = str(req["Message-ID"])
            if req.get("X-Planflow-Kind") != "request" or message_id in seen:
                continue
            seen.add(message_id)
            n = len(paths)
            written = (FIRST_HALF_AT if n < world.agencies // 2 else SECOND_HALF_AT) - dt.timedelta(hours=1)
            focal = req["To"].addresses[0]
            form = next(p for p in req.iter_attachments() if (p.get_filename() or "").endswith(".docx"))
            agency_name = focal.display_name.removeprefix("Văn thư ") or focal.addr_spec
            reply = EmailMessage()
            reply["From"] = req["To"]
            reply["To"] = req["Reply-To"]
            reply["Subject"] = "Re: " + req["Subject"]
            reply["Date"] = format_datetime(written)
            reply["Message-ID"] = make_msgid(domain=focal.domain)
            reply["In-Reply-To"] = message_id
            reply["References"] = message_id
            reply.set_content(
                f"Kính gửi Sở Thông tin và Truyền thông,\n\n{agency_name} gửi báo cáo theo mẫu đính kèm.\n\n"
                f"Trân trọng,\n{focal.display_name}\n"
            )
            reply.add_attachment(
                fill_form(form.get_content(), agency_name, n),
                maintype="application",
                subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
                filename=form.get_filename(),
            )
            paths.append(out / f"{n:06d}.eml")
            paths[-1].write_bytes(bytes(reply))
            advance(1)
    return paths


def append_replies(world: World, replies: list[Path], when: dt.datetime) -> None:
    """Deliver replies into the mailbox (IMAP APPEND with the arrival time)."""
    from imapclient import IMAPClient

    with IMAPClient(world.dovecot.host, port=world.dovecot.port, ssl=False) as client:
        client.login(world.dovecot.user, world.dovecot.password)
        for path in replies:
            client.append("INBOX", path.read_bytes(), msg_time=when)


# ---------------------------------------------------------------- ingestion baselines


def _imap_fetch(world: World, folder: str) -> list[bytes]:
    conn = imaplib.IMAP4(world.dovecot.host, world.dovecot.port)
    conn.login(world.dovecot.user, world.dovecot.password)
    conn.select(f'"{folder}"', readonly=True)
    _, data = conn.uid("SEARCH", None, "ALL")  # type: ignore[arg-type]
    uids = data[0].split()
    raws: list[bytes] = []
    for i in range(0, len(uids), 200):
        _, parts = conn.uid("FETCH", b",".join(uids[i : i + 200]).decode(), "(BODY.PEEK[] INTERNALDATE)")
        raws.extend(p[1] for p in parts if isinstance(p, tuple))
    conn.logout()
    return raws


def raw_imap_fetch(world: World, folder: str) -> tuple[float, int]:
    """Baseline: one imaplib login and FETCH of every message in the folder, 200 per round trip; seconds, count."""
    t0 = time.perf_counter()
    raws = _imap_fetch(world, folder)
    return time.perf_counter() - t0, len(raws)


def parse_and_store(world: World, folder: str) -> tuple[float, int]:
    """The ingestion floor: the fetch, a stdlib parse of every part, one batched SQLite insert of the raw bytes."""
    db = world.work / "floor.db"
    t0 = time.perf_counter()
    raws = _imap_fetch(world, folder)
    rows = []
    for raw in raws:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        for part in msg.walk():
            if not part.is_multipart():
                part.get_content()
        rows.append((msg["Message-ID"], msg["From"], msg["Subject"], raw))
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE IF NOT EXISTS inbound (message_id TEXT, sender TEXT, subject TEXT, raw BLOB)")
    with conn:
        conn.executemany("INSERT INTO inbound VALUES (?, ?, ?, ?)", rows)
    conn.close()
    return time.perf_counter() - t0, len(rows)


# ---------------------------------------------------------------- the run


def _field(output: str, name: str) -> int:
    for token in output.split():
        if token.startswith(name + "="):
            return int(token.split("=", 1)[1])
    raise ValueError(f"no {name}= in: {output[-500:]}")


def run(args: argparse.Namespace, display: Display) -> dict:
    """The whole benchmark; the JSON result."""
    n = args.agencies
    work = Path(tempfile.mkdtemp(prefix=f"planflow-scale-{n}-"))
    display.note(f"work folder {work}")
    plan_path, contacts_path = make_plan(n, work / "plan")
    with display.step("starting Dovecot, mail catcher, Prefect server"):
        world = start_world(work, n, args.db, args.smtp_rate, args.concurrency)
    stages: dict[str, dict] = {}
    baselines: dict[str, float] = {}
    cpu: dict[str, float] = {}  # CPU seconds per stage: steadier than wall time on a shared machine
    notes: list[str] = []

    def stage(name: str, argv: list[str]) -> StageResult:
        with display.step(name):
            result = run_stage(world, name, argv)
        stages[name] = {"seconds": round(result.seconds, 2), "peak_rss_mb": round(result.peak_rss_mb, 1)}
        cpu[name] = round(result.cpu_seconds, 2)
        display.note(
            f"{name:<12} {result.seconds:8.2f} s  {result.peak_rss_mb:8.1f} MB  cpu {result.cpu_seconds:8.2f} s"
        )
        display.stage_done()
        return result

    try:
        stage("validate", world.cli("plan", "validate", str(plan_path), "--contacts", str(contacts_path)))
        run_stage(world, "db-upgrade", world.cli("db", "upgrade"))
        stage("load", world.cli("plan", "load", str(plan_path), "--contacts", str(contacts_path)))
        stage("open", world.cli("round", "open", ROUND, "--now", OPEN_AT))
        sent_by_open = len(caught(world))
        if sent_by_open != n:
            raise RuntimeError(f"the catcher holds {sent_by_open} messages after open, not {n}")

        requeued = requeue_requests(world)
        stage("send", world.cli("outbox", "send"))
        if len(caught(world)) != 2 * n or requeued != n:
            raise RuntimeError(f"send delivered {len(caught(world)) - n} of {requeued} requests")
        messages = request_rows(world)
        with display.step("baseline: raw pooled aiosmtplib"):
            baselines["raw_smtp_seconds"] = round(asyncio.run(raw_smtp(world.smtp_port, messages, args.concurrency)), 2)
        if len(caught(world)) != 3 * n:
            raise RuntimeError("the raw SMTP baseline did not deliver every message")

        replies = make_replies(world, display)
        if len(replies) != n:
            raise RuntimeError(f"{len(replies)} requests to reply to at the catcher, not {n}")
        first, second = replies[: n // 2], replies[n // 2 :]
        append_replies(world, first, FIRST_HALF_AT - dt.timedelta(hours=1))
        out = stage("replies_1", world.cli("replies", "collect", "--now", FIRST_HALF_AT.isoformat()))
        if _field(out.output, "recorded") != len(first):
            notes.append(f"replies_1 recorded {_field(out.output, 'recorded')} of {len(first)}: {out.output.strip()}")
        before_tick = len(caught(world))
        stage("tick", world.cli("tick", "--now", TICK_AT))
        notes.append(f"tick delivered {len(caught(world)) - before_tick} messages (reminders, digest, receipts)")
        notes.append(f"round status table artifact: {status_artifact_bytes(world):,} bytes")
        append_replies(world, second, SECOND_HALF_AT - dt.timedelta(hours=1))
        out = stage("replies_2", world.cli("replies", "collect", "--now", SECOND_HALF_AT.isoformat()))
        if _field(out.output, "recorded") != len(second):
            notes.append(f"replies_2 recorded {_field(out.output, 'recorded')} of {len(second)}: {out.output.strip()}")
        consolidate = (
            "import datetime as dt; from flows.consolidate import consolidate_round; "
            f"print(consolidate_round(round_key={ROUND!r}, now=dt.datetime.strptime({REPORT_AT!r}, '%Y-%m-%dT%H:%M:%S%z')))"
        )
        stage("consolidate", [sys.executable, "-c", consolidate])
        stage("report", world.cli("report", "build", ROUND, "--out", str(work / "report"), "--now", REPORT_AT))

        processed = world.env.get("PLANFLOW_IMAP_PROCESSED_FOLDER", "planflow/processed")
        with display.step("baseline: imaplib fetch"):
            seconds, fetched = raw_imap_fetch(world, processed)
        baselines["raw_imap_fetch_seconds"] = round(seconds, 3)
        with display.step("baseline: fetch + parse + store"):
            seconds, stored = parse_and_store(world, processed)
        baselines["parse_and_store_seconds"] = round(seconds, 3)
        if fetched != n or stored != n:
            notes.append(f"the processed folder holds {fetched} messages, not {n}")
        server_mb = prefect_server_peak_mb(world)
    finally:
        stop_world(world)
    return {
        "agencies": n,
        "db": args.db,
        "workers": args.workers,
        "stages": stages,
        "total_seconds": round(sum(s["seconds"] for s in stages.values()), 2),
        "baselines": baselines,
    } | {"_notes": notes, "_prefect_server_peak_mb": round(server_mb, 1), "_work": str(work), "_cpu": cpu}


def table(result: dict, smtp_rate: float, concurrency: int) -> str:
    """The figures as a plain text table with the ratios to the baselines."""
    n = result["agencies"]
    b = result["baselines"]
    s = result["stages"]
    lines = [
        f"planflow scale benchmark: N = {n} agencies, db = {result['db']}, workers = {result['workers']}, "
        f"SMTP rate limit = {smtp_rate or 'unlimited'}/s over {concurrency} connections",
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        f"{'stage':<12} {'seconds':>9} {'ms/agency':>10} {'peak RSS MB':>12} {'CPU s':>9}",
    ]
    for name, v in s.items():
        lines.append(
            f"{name:<12} {v['seconds']:9.2f} {1000 * v['seconds'] / n:10.1f} {v['peak_rss_mb']:12.1f} "
            f"{result['_cpu'].get(name, 0):9.2f}"
        )
    lines.append(f"{'total':<12} {result['total_seconds']:9.2f} {1000 * result['total_seconds'] / n:10.1f}")
    ingest = s["replies_1"]["seconds"] + s["replies_2"]["seconds"]
    lines += [
        f"baseline raw pooled aiosmtplib   {b['raw_smtp_seconds']:8.2f} s   send / raw   = {s['send']['seconds'] / b['raw_smtp_seconds']:6.2f}x",
        f"baseline imaplib fetch           {b['raw_imap_fetch_seconds']:8.2f} s   replies / fetch = {ingest / b['raw_imap_fetch_seconds']:6.1f}x",
        f"baseline fetch + parse + store   {b['parse_and_store_seconds']:8.2f} s   replies / floor = {ingest / b['parse_and_store_seconds']:6.1f}x",
        f"Prefect server peak RSS (process group): {result['_prefect_server_peak_mb']:.0f} MB",
    ]
    return "\n".join(lines + [f"note: {x}" for x in result["_notes"]])


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--agencies", type=int, required=True, help="reporting agencies (at least 36)")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", type=int, default=1, help="Prefect workers (only 1 until the fan-out exists)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--smtp-rate", type=float, default=0, help="PLANFLOW_SMTP_RATE_PER_SECOND (0 = unlimited)")
    parser.add_argument("--concurrency", type=int, default=4, help="SMTP connections (planflow's and the baseline's)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (databases, mail, logs, report)")
    args = parser.parse_args()
    if args.workers != 1:
        parser.error("--workers > 1 needs the fan-out of issue #14 point 2, which does not exist yet")
    display = Display(len(STAGES))
    try:
        result = run(args, display)
    finally:
        display.close()
    print(table(result, args.smtp_rate, args.concurrency))
    if not args.keep:
        shutil.rmtree(result["_work"], ignore_errors=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        public = {k: v for k, v in result.items() if not k.startswith("_")}
        args.json.write_text(json.dumps(public, indent=2) + "\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
