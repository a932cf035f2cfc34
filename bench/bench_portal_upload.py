"""Benchmark (not a test): one large upload through the portal on a real uvicorn, beside the same bytes written to a FileSink directly.

Run: `.venv/bin/python bench/bench_portal_upload.py [MB]` (default 200). Prints both rates, the ratio
(portal / direct sink) and the server process's peak memory growth during the upload, which must stay
far below the upload size since nothing is buffered whole.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DO_NOT_TRACK", "1")

import httpx

from inbound.attachments import FileSink
from models.db import make_engine, session_scope, upgrade
from models.loading import load_plan
from models.planfile import load_contacts_file, load_plan_file
from models.settings import DatabaseSettings, LimitSettings, Settings
from models.tokens import form_token
from plans import plan_default_paths
from portal.app import create_app
from tests.portal.harness import Clock, Portal, open_test_round, serve_in_thread

CHUNK = 256 * 1024


def world(base: Path, size: int) -> tuple[Settings, object]:
    """A database with the reference plan, limits big enough for the upload."""
    data = base / "data"
    data.mkdir()
    settings = Settings(
        data_dir=data,
        db=DatabaseSettings(url=f"sqlite:///{data / 'planflow.db'}"),
        limits=LimitSettings(max_file_bytes=size + CHUNK),
    )
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    plan_path, contacts_path = plan_default_paths()
    plan = load_plan_file(plan_path)
    with session_scope(engine) as session:
        load_plan(
            session=session,
            plan=plan,
            contacts=load_contacts_file(contacts_path, plan),
            source_path=str(plan_path),
            content_sha256=hashlib.sha256(plan_path.read_bytes()).hexdigest(),
            now=dt.datetime(2018, 5, 1, tzinfo=dt.UTC),
        )
    return settings, engine


def payload(size: int):
    """A PDF header followed by `size` bytes of filler, in chunks."""
    block = os.urandom(CHUNK)
    yield b"%PDF-1.4\n"
    sent = 0
    while sent < size:
        yield block
        sent += len(block)


def direct(settings: Settings, size: int) -> float:
    """Seconds to push the bytes through a FileSink and finish it (the baseline)."""
    start = time.perf_counter()
    sink = FileSink(settings=settings, original_name="truc-tiep.pdf")
    for chunk in payload(size):
        sink.write(chunk)
    sink.finish()
    return time.perf_counter() - start


def through_portal(settings: Settings, engine, size: int) -> tuple[float, int]:
    """Seconds for the upload through uvicorn and the portal, and the peak-memory growth in KiB."""
    round, agency, other, keys = open_test_round(engine)
    clock = Clock(round.due_at - dt.timedelta(days=1))
    with serve_in_thread(create_app(settings, engine, clock=clock)) as url:
        portal = Portal(url, settings, engine, clock, round, agency, other, keys)
        token = portal.token()
        boundary = uuid.uuid4().hex

        def body():
            yield (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n'
                f"{form_token(settings.secret_key.get_secret_value(), token)}\r\n"
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="lon.pdf"\r\n'
                "Content-Type: application/pdf\r\n\r\n"
            ).encode()
            yield from payload(size)
            yield f"\r\n--{boundary}--\r\n".encode()

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        response = httpx.post(
            f"{url}/u/{token}",
            content=body(),
            headers={"content-type": f"multipart/form-data; boundary={boundary}"},
            timeout=600,
        )
        elapsed = time.perf_counter() - start
        assert response.status_code == 303, response.text[:500]
        return elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak


def main() -> None:
    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    size = megabytes * 1024 * 1024
    with tempfile.TemporaryDirectory() as tmp:
        settings, engine = world(Path(tmp), size)
        baseline = direct(settings, size)
        portal_seconds, growth_kib = through_portal(settings, engine, size)
    print(f"upload size               {megabytes} MB")
    print(f"direct FileSink           {baseline:6.2f} s  {megabytes / baseline:7.1f} MB/s")
    print(f"portal (uvicorn, stream)  {portal_seconds:6.2f} s  {megabytes / portal_seconds:7.1f} MB/s")
    print(f"ratio portal / direct     {portal_seconds / baseline:6.2f}")
    print(
        f"peak memory growth        {growth_kib / 1024:6.1f} MB  ({100 * growth_kib / 1024 / megabytes:.1f}% of the upload)"
    )


if __name__ == "__main__":
    main()
