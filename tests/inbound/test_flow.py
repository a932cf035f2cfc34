"""Flow `collect-replies` on the Prefect test harness: reads Dovecot, records, publishes its artifact, sends the receipts."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from models.tables import OutboundMessage, OutboxState
from tests.inbound.conftest import NOW, ON_TIME, append

pytestmark = pytest.mark.dovecot


def test_collect_replies_flow(prefect_harness, world, dovecot, smtp, export_settings):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.collect import collect_replies

    mail = {"host": "127.0.0.1", "port": smtp.port, "rate_per_second": 0}
    export_settings(world.settings.model_copy(update={"smtp": world.settings.smtp.model_copy(update=mail)}))
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
            for m in s.exec(select(OutboundMessage).where(col(OutboundMessage.kind).in_(["receipt", "refusal"])))
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

    assert {"measure": "recorded", "count": 1} in json.loads(str(by_key["collect-replies"].data))
    # The recorded reply shows at once in the round's status table in the UI.
    with get_client(sync_client=True) as client:
        status = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["round-six-month-2018-status"]))
        )
    rows = json.loads(str(max(status, key=lambda a: a.created.timestamp() if a.created else 0.0).data))
    reported = [r for r in rows if r["Lần nộp"] == 1]
    assert [r["Cơ quan"] for r in reported] == ["Sở Văn hóa, Thể thao và Du lịch"]
