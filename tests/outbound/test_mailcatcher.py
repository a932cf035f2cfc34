"""The local mail catcher: run as a process, it stores every message it receives as an .eml file."""

from __future__ import annotations

import email
import os
import signal
import socket
import subprocess
import sys
import time
from email import policy

from devstack.stack import free_port
from models.db import session_scope
from notifications import notices
from notifications.sender import deliver_pending
from tests.outbound.conftest import smtp_settings
from tests.outbound.cycle import BEFORE

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _wait_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"mail catcher did not listen on {port}")


async def test_mailcatcher_process_writes_eml_files(world, settings, tmp_path):
    port = free_port()
    folder = tmp_path / "mailcatcher"
    proc = subprocess.Popen(  # noqa: ASYNC220  (the catcher is another process; nothing on this loop waits)
        [
            sys.executable,
            "-m",
            "devstack.mailcatcher",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(folder),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_port(port)
        s = smtp_settings(settings, port)
        agency = world.agencies[0]
        with session_scope(world.engine) as session:
            row = notices.enqueue_request(
                session=session, settings=s, round_id=world.round_id, agency_id=agency.id, now=BEFORE
            )
        report = await deliver_pending(engine=world.engine, settings=s, now=BEFORE)
        assert report.sent == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    files = sorted(folder.glob("*.eml"))
    assert len(files) == 1 and not list(folder.glob(".*.tmp"))
    msg = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert str(msg["Message-ID"]) == row.message_id
    assert str(msg["Subject"]) == row.subject
    assert msg["X-Envelope-To"] and row.recipients[0] in str(msg["X-Envelope-To"])
    assert {p.get_filename() for p in msg.iter_attachments()} == {notices.form_filename(agency), notices.ICS_FILENAME}
