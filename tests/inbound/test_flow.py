"""Flow `collect-replies` on the Prefect test harness: reads Dovecot, records, publishes its artifact, sends the receipts."""

from __future__ import annotations

import email
import socket
import threading
from email import policy

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session, select

from models.tables import OutboundMessage, OutboxState
from tests.inbound.conftest import NOW, ON_TIME, append

pytestmark = pytest.mark.dovecot


class Recorder:
    """Keeps every message a real aiosmtpd server accepts."""

    def __init__(self):
        self.messages, self.lock = [], threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    recorder.port = port
    yield recorder
    controller.stop()


def test_collect_replies_flow(prefect_harness, world, dovecot, smtp, monkeypatch):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.collect import collect_replies

    imap = world.settings.imap
    for name, value in {
        "PLANFLOW_DATA_DIR": str(world.settings.data_dir),
        "PLANFLOW_DB_URL": world.settings.database_url,
        "PLANFLOW_IMAP_HOST": imap.host,
        "PLANFLOW_IMAP_PORT": str(imap.port),
        "PLANFLOW_IMAP_USERNAME": imap.username,
        "PLANFLOW_IMAP_PASSWORD": imap.password.get_secret_value(),
        "PLANFLOW_LIMITS_MAX_FILE_BYTES": str(world.settings.limits.max_file_bytes),
        "PLANFLOW_SMTP_HOST": "127.0.0.1",
        "PLANFLOW_SMTP_PORT": str(smtp.port),
        "PLANFLOW_SMTP_RATE_PER_SECOND": "0",
    }.items():
        monkeypatch.setenv(name, value)
    names = ["outlook_thread_index.eml", "stranger.eml", "out_of_office.eml", "bounce.eml"]
    # A stranger whose From is Markdown: the run's artifact must show it as text (issue #13, finding 7).
    hostile = world.corpus("stranger.eml").replace(
        b"Nguoi La <nguoila@mail.example.com>", b'"[Bam vao day](http://evil.example/x)"@evil.example'
    )
    assert hostile != world.corpus("stranger.eml")
    append(
        dovecot,
        [(world.corpus(n), ON_TIME) for n in names] + [(hostile.replace(b"stranger-1@", b"stranger-2@"), ON_TIME)],
    )

    summary = collect_replies(now=NOW)

    assert (summary["read"], summary["recorded"], summary["quarantined"], summary["ignored"], summary["bounces"]) == (
        5,
        1,
        2,
        1,
        1,
    )
    # The receipt and the three requests the fixture queued earlier: the stranger gets nothing (no backscatter).
    assert summary["delivery"]["sent"] == 4
    kinds = sorted(str(m["X-Planflow-Kind"]) for m in smtp.messages)
    assert kinds == ["receipt", "request", "request", "request"]
    receipt = next(m for m in smtp.messages if str(m["X-Planflow-Kind"]) == "receipt")
    assert str(receipt["To"]) == "vanthu@svhttdl.vinhlong.example"
    with Session(world.engine) as s:
        assert all(
            m.state == OutboxState.sent
            for m in s.exec(select(OutboundMessage).where(OutboundMessage.kind.in_(["receipt", "refusal"])))
        )
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["collect-replies", "collect-replies-detail"]))
        )
    by_key = {a.key: a for a in artifacts}
    assert set(by_key) == {"collect-replies", "collect-replies-detail"}
    detail = str(by_key["collect-replies-detail"].data)
    assert "cách ly **2**" in detail
    assert "[bam vao day](http" not in detail and "\\[bam vao day\\](http" in detail  # addresses are lower-cased
    import json

    assert {"measure": "recorded", "count": 1} in json.loads(by_key["collect-replies"].data)
    # The recorded reply shows at once in the round's status table in the UI.
    with get_client(sync_client=True) as client:
        status = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["round-six-month-2018-status"]))
        )
    rows = json.loads(max(status, key=lambda a: a.created).data)
    reported = [r for r in rows if r["Lần nộp"] == 1]
    assert [r["Cơ quan"] for r in reported] == ["Sở Văn hóa, Thể thao và Du lịch"]
