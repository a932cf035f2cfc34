"""Fuzzing (issue #13, point 7): generated and mutated input never escapes the reader or the portal as an error.

Every generated or mutated MIME message goes through the reader's store-then-decide path: it is stored
raw, byte for byte, and ends recorded, quarantined, ignored or a bounce (or is a duplicate of bytes
already seen), never an exception. Every generated multipart body and file name gets an answer from
the portal that is not a 5xx.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from inbound.ingest import DUPLICATE, ingest_raw
from models.tables import InboundDisposition, InboundMessage
from models.tokens import form_token
from notifications import addressing
from portal.app import create_app
from tests.inbound.conftest import EML, ON_TIME, make_world
from tests.portal.harness import serve_in_thread
from tests.security.conftest import AUTHSERV_ID, link_token

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
FINAL = {"recorded", "quarantined", "ignored", "bounce"}
CORPUS = sorted(p.name for p in EML.glob("*.eml") if p.stat().st_size < 200_000)


@pytest.fixture(scope="module")
def fuzz_world(tmp_path_factory, reference_plan):
    """One world for all the examples of this module (each message is new bytes, so they do not interfere)."""
    return make_world(tmp_path_factory.mktemp("fuzz"), reference_plan, authserv_ids=[AUTHSERV_ID])


def _no_dns(name, timeout=5):
    """No DKIM key is published anywhere: the fuzz run never touches the network."""
    return None


def _check(world, raw: bytes) -> str:
    result = ingest_raw(engine=world.engine, settings=world.settings, raw=raw, now=ON_TIME, dnsfunc=_no_dns)
    assert result.disposition in FINAL | {DUPLICATE}, result
    with Session(world.engine) as s:
        row = s.get(InboundMessage, result.inbound_id)
        assert row is not None and row.disposition != InboundDisposition.received
        assert (world.settings.data_dir / row.raw_path).read_bytes() == raw  # stored raw first, byte for byte
    return result.disposition


hostile_text = st.lists(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["\x00", "\r", "\n", "\u202e", "=?utf-8?b?", "?=", '"', ";", "<", ">", "[BC-", "/", "]"]),
    ),
    max_size=40,
).map("".join)
content_types = st.sampled_from(
    [
        "text/plain",
        "text/html",
        "application/pdf",
        "application/octet-stream",
        "message/rfc822",
        "message/delivery-status",
        "multipart/mixed",
        "multipart/report; report-type=delivery-status",
        "text/rfc822-headers",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "image/png",
        "garbage",
    ]
)


@st.composite
def mime_messages(draw, world) -> bytes:
    """A message assembled from hostile pieces: headers, addresses, tags, tokens, nested parts, encodings."""
    round_id, agency_id = world.ids[("six-month-2018", draw(st.sampled_from(["SKHDT", "SCT", "STC"])))]
    to = draw(
        st.sampled_from(
            [
                addressing.reply_address(settings=world.settings, round_id=round_id, agency_id=agency_id),
                "baocao+r1a1x000000000000@vinhlong.example.gov.vn",
                "baocao@vinhlong.example.gov.vn",
            ]
        )
    )
    sender = draw(
        st.sampled_from(
            ["vanthu@skhdt.vinhlong.example", "x@evil.example", "", "a@b, c@d", "MAILER-DAEMON@vinhlong.example.gov.vn"]
        )
    )
    headers = [
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {draw(st.sampled_from(['', '[BC-SIX-MONTH-2018/SKHDT] ', 'Re: ']))}{draw(hostile_text)}",
        f"Message-ID: <{uuid.uuid4().hex}@fuzz>",
    ]
    for _ in range(draw(st.integers(0, 4))):
        name = draw(
            st.sampled_from(
                ["Authentication-Results", "DKIM-Signature", "In-Reply-To", "References", "Auto-Submitted", "X-Any"]
            )
        )
        headers.append(f"{name}: {draw(hostile_text)}")
    boundary = draw(st.sampled_from(["b1", "", "b1 b2", uuid.uuid4().hex]))
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        ctype = draw(content_types)
        name = draw(hostile_text)
        cte = draw(st.sampled_from(["base64", "quoted-printable", "8bit", "x-unknown", ""]))
        payload = (
            draw(st.binary(max_size=300))
            if draw(st.booleans())
            else draw(hostile_text).encode("utf-8", "surrogatepass")
        )
        parts.append(
            f'--{boundary}\r\nContent-Type: {ctype}; name="{name}"\r\nContent-Disposition: attachment; filename="{name}"\r\n'
            f"Content-Transfer-Encoding: {cte}\r\n\r\n".encode("utf-8", "surrogatepass")
            + payload
            + b"\r\n"
        )
    top = draw(st.sampled_from(["multipart/mixed", "multipart/report; report-type=delivery-status", "text/plain"]))
    head = "\r\n".join([*headers, "MIME-Version: 1.0", f'Content-Type: {top}; boundary="{boundary}"']).encode(
        "utf-8", "surrogatepass"
    )
    closing = f"--{boundary}--\r\n".encode() if draw(st.booleans()) else b""
    return head + b"\r\n\r\n" + b"".join(parts) + closing


@st.composite
def mutated_corpus(draw, world) -> bytes:
    """A corpus message (placeholders filled) with bytes flipped, inserted, deleted or the tail cut."""
    raw = bytearray(world.corpus(draw(st.sampled_from(CORPUS))))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "dup"]))
        at = draw(st.integers(0, max(len(raw) - 1, 0)))
        if op == "flip" and raw:
            raw[at] = draw(st.integers(0, 255))
        elif op == "insert":
            raw[at:at] = draw(st.sampled_from([b"\x00", b"\r\n", b"\r\n\r\n", b"--", b"=?utf-8?q?", b"\xff\xfe", b";"]))
        elif op == "delete":
            del raw[at : at + draw(st.integers(1, 50))]
        elif op == "truncate":
            del raw[at:]
        elif op == "dup":
            raw[at:at] = raw[max(0, at - 200) : at]
    return bytes(raw)


@pytest.mark.parametrize("kind", ["generated", "mutated"])
def test_the_reader_never_raises_and_stores_every_message(fuzz_world, kind):
    strategy = mime_messages(fuzz_world) if kind == "generated" else mutated_corpus(fuzz_world)
    seen: dict[str, int] = {}

    @FUZZ
    @given(raw=strategy)
    def run(raw: bytes) -> None:
        disposition = _check(fuzz_world, raw)
        seen[disposition] = seen.get(disposition, 0) + 1

    run()
    print(f"fuzz {kind}: {seen}")
    assert sum(seen.values()) >= 30  # the examples really ran


@pytest.fixture(scope="module")
def fuzz_portal(fuzz_world):
    app = create_app(fuzz_world.settings, fuzz_world.engine, clock=lambda: ON_TIME)
    with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield client


file_names = st.one_of(
    hostile_text,
    st.sampled_from(
        ["../../../../tmp/x.pdf", "\u202efdp.exe.pdf", "....", "", "a" * 600 + ".pdf", "CON.pdf", "x.docx"]
    ),
)


@st.composite
def multipart_bodies(draw, csrf: str) -> tuple[bytes, str]:
    """A multipart body with hostile names, values and files; sometimes broken on purpose."""
    boundary = uuid.uuid4().hex
    pieces = []
    if draw(st.integers(0, 3)):  # mostly a valid form token, so the files and fields are really read
        pieces.append(f'Content-Disposition: form-data; name="csrf"\r\n\r\n{csrf}'.encode())
    for _ in range(draw(st.integers(0, 5))):
        if draw(st.booleans()):
            name = (
                draw(st.sampled_from(["general", "nil", "contact_name", "results:IV.12.1", "x"]))
                if draw(st.booleans())
                else draw(hostile_text)
            )
            value = draw(hostile_text)
            pieces.append(
                f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}'.encode("utf-8", "surrogatepass")
            )
        else:
            filename = draw(file_names)
            content = draw(
                st.one_of(
                    st.binary(max_size=400),
                    st.just(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
                    st.just(b"MZ\x90\x00%PDF-1.4"),
                )
            )
            pieces.append(
                f'Content-Disposition: form-data; name="files"; filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'.encode(
                    "utf-8", "surrogatepass"
                )
                + content
            )
    body = b"".join(f"--{boundary}\r\n".encode() + p + b"\r\n" for p in pieces) + f"--{boundary}--\r\n".encode()
    if not draw(st.integers(0, 2)):
        cut = draw(st.integers(0, len(body)))
        body = body[:cut] + draw(st.binary(max_size=20)) + body[cut:]
    ctype = draw(
        st.sampled_from([f"multipart/form-data; boundary={boundary}", "multipart/form-data", "text/plain", ""])
    )
    return body, ctype


def test_the_portal_never_answers_500(fuzz_world, fuzz_portal):
    token = link_token(fuzz_world)
    csrf = form_token(fuzz_world.settings.secret_key.get_secret_value(), token)

    seen: dict[int, int] = {}

    @FUZZ
    @given(
        case=multipart_bodies(csrf),
        path_token=st.one_of(st.just(token), st.sampled_from([token[:-3] + "abc", "x", "%00"])),
    )
    def run(case: tuple[bytes, str], path_token: str) -> None:
        body, ctype = case
        answer = fuzz_portal.post(f"/u/{path_token}", content=body, headers={"content-type": ctype})
        assert answer.status_code < 500, (answer.status_code, answer.text[:300])
        assert answer.status_code in (200, 303, 400, 403, 404, 413, 415), answer.status_code
        seen[answer.status_code] = seen.get(answer.status_code, 0) + 1

    run()
    print(f"fuzz portal: {seen}")
    assert sum(seen.values()) >= 30
    tmp = fuzz_world.settings.data_dir / "files" / "tmp"
    assert not tmp.exists() or not any(Path(tmp).iterdir())  # no partial upload left behind
