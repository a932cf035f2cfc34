"""Names are data (issue #13, point 2 and finding 2): hostile file names by upload and by mail, then the report builds.

Finding 2: a control character in an uploaded file's name was stored as is, and python-docx then raised
"All strings must be XML compatible" for that round's report from then on; `../../../../tmp/x.pdf`
and U+202E were echoed in receipts and in the Word report to the Chairman.
"""

from __future__ import annotations

import io
import unicodedata
import uuid

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from inbound.attachments import display_name, safe_filename
from inbound.ingest import ingest_raw
from models.tables import Attachment, InboundMessage, OutboundMessage
from notifications import addressing
from notifications.reportform import xml_text
from reports.build import build_draft
from tests.inbound.conftest import NOW, ON_TIME
from tests.security.conftest import LivePortal
from tests.security.hostile import reply

HOSTILE_NAMES = {
    "control": "báo\x01cáo\x1f.pdf",
    "nul": "bao\x00cao.pdf",
    "traversal": "../../../../tmp/x.pdf",
    "backslash traversal": "..\\..\\windows\\x.pdf",
    "bidi override": "bao-cao-\u202efdp.exe.pdf",
    "very long": "b" * 1000 + ".pdf",
    "empty": "",
    "only dots": "....",
    "zero width": "bao\u200bcao\u2066.pdf",
}
FORBIDDEN = ["\x00", "\x01", "\x1f", "\u202e", "\u200b", "\u2066", "../", "..\\", "/tmp/"]


def _pdf(tag: str) -> bytes:
    return f"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% {tag}\ntrailer << /Root 1 0 R >>\n%%EOF\n".encode()


def _multipart(fields: dict[str, str], filename: str, data: bytes) -> tuple[bytes, str]:
    """A multipart body with the file name's raw UTF-8 bytes as a browser would send them."""
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="'.encode())
    out.write(filename.replace('"', "%22").encode("utf-8"))
    out.write(b'"\r\nContent-Type: application/pdf\r\n\r\n' + data + f"\r\n--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def _assert_clean(text: str) -> None:
    for bad in FORBIDDEN:
        assert bad not in text, (bad, text[:200])


@pytest.mark.parametrize(
    "raw,shown",
    [
        ("../../../../tmp/x.pdf", "x.pdf"),
        ("bao-cao-\u202efdp.exe.pdf", "bao-cao-\\u202efdp.exe.pdf"),
        ("a\x00b.pdf", "a\\u0000b.pdf"),
        ("", "tep-khong-ten"),
        ("x" * 500 + ".pdf", "x" * 199 + "…"),
    ],
)
def test_display_name_is_escaped_and_pathless(raw, shown):
    assert display_name(raw) == shown


def test_hostile_names_by_upload_and_by_mail_then_the_report_builds(live_portal: LivePortal):
    world = live_portal.world
    # By upload: every name, each its own version.
    for label, name in HOSTILE_NAMES.items():
        body, ctype = _multipart(
            {"csrf": live_portal.csrf, "general": f"Báo cáo {label}"}, name, _pdf(f"upload {label}")
        )
        answer = live_portal.client.post(live_portal.link(), content=body, headers={"content-type": ctype})
        assert answer.status_code in (303, 400, 415), (label, answer.status_code)
        _assert_clean(answer.text)
    # By mail: the same names from the agency's focal point through its reply address.
    round_id, agency_id = world.ids[("six-month-2018", "SKHDT")]
    to = addressing.reply_address(settings=world.settings, round_id=round_id, agency_id=agency_id)
    for label, name in HOSTILE_NAMES.items():
        raw = reply(
            sender="vanthu@skhdt.vinhlong.example",
            to=to,
            subject=f"Báo cáo {label}",
            at=ON_TIME,
            attachments=[(name or "x.pdf", _pdf(f"mail {label}"), "application/pdf")],
        )
        if not name:  # an attachment whose name is empty
            raw = raw.replace(b'filename="x.pdf"', b'filename=""')
        result = ingest_raw(engine=world.engine, settings=world.settings, raw=raw, now=ON_TIME)
        assert result.disposition in ("recorded", "quarantined"), (label, result)

    with Session(world.engine) as session:
        names = session.exec(select(Attachment.original_name, Attachment.safe_name)).all()
        assert len(names) >= 10
        for original, safe in names:
            _assert_clean(original)
            _assert_clean(safe)
            assert "/" not in original and "\\u0000" not in safe
        assert any("\\u202e" in original for original, _ in names)  # kept, escaped, for the officer
        draft = build_draft(session=session, settings=world.settings, round_id=round_id, now=NOW)
        text = "\n".join(
            cell.text
            for table in docx.Document(str(world.settings.data_dir / draft.docx_path)).tables
            for row in table.rows
            for cell in row.cells
        )
        assert "x.pdf" in text and "\\u202e" in text
        _assert_clean(text)
        for message in session.exec(
            select(OutboundMessage).where(col(OutboundMessage.kind).in_(["receipt", "refusal"]))
        ):
            _assert_clean(message.raw.decode("utf-8", "replace"))
        assert session.exec(select(InboundMessage)).all()


def test_the_report_survives_a_control_character_stored_before_the_fix(world):
    """A row written by an older version (raw name with a control character) no longer breaks the round's report."""
    round_id, agency_id = world.ids[("six-month-2018", "SKHDT")]
    to = addressing.reply_address(settings=world.settings, round_id=round_id, agency_id=agency_id)
    raw = reply(
        sender="vanthu@skhdt.vinhlong.example",
        to=to,
        subject="Báo cáo",
        at=ON_TIME,
        attachments=[("bao-cao.pdf", _pdf("old row"), "application/pdf")],
    )
    assert ingest_raw(engine=world.engine, settings=world.settings, raw=raw, now=ON_TIME).disposition == "recorded"
    with Session(world.engine) as session:
        row = session.exec(select(Attachment)).one()
        row.original_name = "bao\x01cao\u202e.pdf"
        session.add(row)
        session.commit()
        draft = build_draft(session=session, settings=world.settings, round_id=round_id, now=NOW)
        text = "\n".join(
            c.text
            for t in docx.Document(str(world.settings.data_dir / draft.docx_path)).tables
            for r in t.rows
            for c in r.cells
        )
    assert "baocao.pdf" in text


@settings(max_examples=200, deadline=None)
@given(name=st.text(max_size=400))
def test_any_name_becomes_safe_data(name):
    """Whatever a sender calls a file: no path, no hidden character, bounded, and Word accepts it."""
    shown, safe = display_name(name), safe_filename(name)
    for text in (shown, safe):
        assert "/" not in text and "\\" not in text.replace("\\u", "")
        assert not any(unicodedata.category(ch)[0] == "C" for ch in text)
    assert len(shown) <= 200 and len(safe.encode("utf-8")) <= 180 and shown and safe
    paragraph = docx.Document().add_paragraph()
    paragraph.add_run(xml_text(name))  # raises ValueError on a character XML cannot carry
