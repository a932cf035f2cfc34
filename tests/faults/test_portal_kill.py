"""Whole-system faults, the portal side: the serving process SIGKILLed while agencies upload, then restarted.

Every agency's browser retries the same form until it gets an answer (as a person presses "Gửi" again).
Afterwards each agency has exactly one version (a replay after a crash records nothing new), every
attachment row has its file, and the partial files of the killed uploads are swept by `prune_orphans`.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from devstack.stack import free_port
from inbound.files import prune_orphans
from models.tables import Attachment, OutboundMessage, RosterEntry, Round, Submission
from models.tokens import form_token, upload_token
from tests.faults.conftest import Ledger
from tests.inbound.conftest import make_world

pytestmark = [pytest.mark.faults, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def _start(world, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANFLOW_")}
    env |= {
        "PLANFLOW_DATA_DIR": str(world.settings.data_dir),
        "PLANFLOW_DB_URL": world.settings.database_url,
        "PLANFLOW_PORTAL_HOST": "127.0.0.1",
        "PLANFLOW_PORTAL_PORT": str(port),
        "PLANFLOW_LIMITS_MAX_FILE_BYTES": str(4 * 1024 * 1024),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "portal", "serve", "--no-migrate"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("portal did not start")


def test_portal_killed_mid_upload_then_restarted(tmp_path, reference_plan, ledger: Ledger):
    world = make_world(tmp_path, reference_plan, max_file_bytes=4 * 1024 * 1024)
    now = dt.datetime.now(dt.UTC)
    with Session(world.engine) as s:  # the round is open now, so the portal's own clock accepts reports
        rnd = s.exec(select(Round).where(Round.key == "six-month-2018")).one()
        rnd.due_at, rnd.lock_at = now + dt.timedelta(days=10), now + dt.timedelta(days=20)
        s.add(rnd)
        s.commit()
        codes = {
            code: agency_id
            for (key, code), (round_id, agency_id) in world.ids.items()
            if key == "six-month-2018"
            and s.exec(
                select(RosterEntry).where(RosterEntry.round_id == round_id, RosterEntry.agency_id == agency_id)
            ).first()
        }
        round_id = int(rnd.id or 0)
    secret = world.settings.secret_key.get_secret_value()
    port = free_port()
    proc = _start(world, port)
    answers: dict[str, int] = {}
    attempts: Counter = Counter()

    def agency(code: str, agency_id: int) -> None:
        token = upload_token(secret, round_id, agency_id, expires_at=now + dt.timedelta(days=60))
        body = b"%PDF-1.4\n% " + code.encode() + b"\n" + os.urandom(256 * 1024).hex().encode() + b"\n%%EOF\n"
        form = [
            ("csrf", (None, form_token(secret, token))),
            ("general", (None, f"Báo cáo 6 tháng của {code}.")),
            ("files", (f"Báo cáo {code}.pdf", body, "application/pdf")),
        ]
        for _ in range(60):
            attempts[code] += 1
            try:
                answer = httpx.post(
                    f"http://127.0.0.1:{port}/u/{token}", files=form, timeout=20, follow_redirects=False
                )
            except httpx.HTTPError:
                time.sleep(0.3)  # the server went away: the person tries again a moment later
                continue
            answers[code] = answer.status_code
            return

    threads = [threading.Thread(target=agency, args=item) for item in sorted(codes.items())]
    rng = random.Random(7)
    try:
        for t in threads:
            t.start()
        for _ in range(3):
            time.sleep(rng.uniform(0.3, 1.5))
            proc.send_signal(signal.SIGKILL)  # mid-upload, mid-recording: wherever it is
            proc.wait()
            ledger.faults_injected += 1
            proc = _start(world, port)
        for t in threads:
            t.join(timeout=240)
    finally:
        proc.kill()
        proc.wait()

    ledger.replies_sent += len(codes)
    assert set(answers) == set(codes) and set(answers.values()) == {303}, answers
    with Session(world.engine) as s:
        versions = Counter(sub.agency_id for sub in s.exec(select(Submission)).all())
        receipts = Counter(
            m.agency_id for m in s.exec(select(OutboundMessage).where(OutboundMessage.kind == "receipt")).all()
        )
        attachments = s.exec(select(Attachment)).all()
    duplicates = sum(n - 1 for n in versions.values()) + sum(n - 1 for n in receipts.values())
    lost = len(codes) - len(versions)
    ledger.duplicates += duplicates
    ledger.replies_lost += lost
    ledger.replies_recorded += len(versions)
    assert duplicates == 0 and lost == 0
    assert all((world.settings.data_dir / a.storage_path).is_file() for a in attachments)
    retried = sum(attempts.values()) - len(codes)
    print(f"portal kill: {retried} retried uploads after {ledger.faults_injected} kills")
    assert retried > 0  # the kills really hit uploads in flight
    report = prune_orphans(settings=world.settings, engine=world.engine, grace=dt.timedelta(0))
    remaining = [p for p in (world.settings.data_dir / "files").rglob("*") if p.is_file()]
    assert len(remaining) == len(attachments) == len(codes), report
