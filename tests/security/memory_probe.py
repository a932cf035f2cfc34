"""Run one hostile .docx through the email reader or the portal in a fresh process and print its peak-memory rise.

Usage: python -m tests.security.memory_probe reader|portal FILE.docx
Prints one JSON line: the peak resident size before and after (KiB, `ru_maxrss`), and what became of the file.
A warm-up with a normal form first, so imports and caches are not counted as the hostile file's cost.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import sys
import tempfile
from pathlib import Path

import httpx
from sqlmodel import Session, select

from inbound.ingest import ingest_raw
from models.planfile import load_contacts_file, load_plan_file
from models.tables import Attachment, InboundMessage
from models.tokens import form_token, upload_token
from notifications import addressing
from plans import plan_default_paths
from portal.app import create_app
from tests.inbound.conftest import ON_TIME, make_world
from tests.portal.harness import serve_in_thread
from tests.security.hostile import form_docx, reply

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def peak_kib() -> int:
    """The process's peak resident set size so far (KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(mode: str, path: str) -> None:
    hostile = Path(path).read_bytes()
    plan_path, contacts_path = plan_default_paths()
    plan = load_plan_file(plan_path)
    with tempfile.TemporaryDirectory() as tmp:
        world = make_world(Path(tmp), (plan, load_contacts_file(contacts_path, plan), plan_path))
        round_id, agency_id = world.ids[("six-month-2018", "SKHDT")]
        if mode == "reader":
            to = addressing.reply_address(settings=world.settings, round_id=round_id, agency_id=agency_id)

            def send(data: bytes, n: int) -> str:
                raw = reply(
                    sender="vanthu@skhdt.vinhlong.example",
                    to=to,
                    subject=f"Báo cáo {n}",
                    at=ON_TIME,
                    attachments=[(f"bao-cao-{n}.docx", data, DOCX)],
                )
                result = ingest_raw(engine=world.engine, settings=world.settings, raw=raw, now=ON_TIME)
                return f"{result.disposition}: {result.reason}"

            send(form_docx(), 1)
            before = peak_kib()
            outcome = send(hostile, 2)
        else:
            settings = world.settings
            secret = settings.secret_key.get_secret_value()
            token = upload_token(secret, round_id, agency_id, expires_at=ON_TIME + dt.timedelta(days=90))
            app = create_app(settings, world.engine, clock=lambda: ON_TIME)
            with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=120) as client:

                def upload(data: bytes, n: int) -> str:
                    response = client.post(
                        f"/u/{token}",
                        data={"csrf": form_token(secret, token), "general": f"Lần {n}"},
                        files={"files": (f"bao-cao-{n}.docx", data, DOCX)},
                    )
                    return str(response.status_code)

                upload(form_docx(), 1)
                before = peak_kib()
                outcome = upload(hostile, 2)
        after = peak_kib()
        with Session(world.engine) as session:
            files = len(session.exec(select(Attachment)).all())
            inbound = len(session.exec(select(InboundMessage)).all())
    print(
        json.dumps({"before_kib": before, "after_kib": after, "outcome": outcome, "files": files, "inbound": inbound})
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
