"""Bounded work per input (issue #13, point 1 and finding 1): hostile .docx files cost the reader and the portal little memory.

Finding 1: an 87 KB .docx took 850 MB and a 189 KB one 2.2 GB, because zip members of 4 MiB or less
skipped the ratio check and the form reader parsed every XML part the document links to. Each test
runs the file through the real path in a fresh process and bounds the rise of its peak resident size.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from inbound.attachments import MAX_ZIP_RATIO, FileRefused, sniff_kind
from notifications.reportform import MAX_XML_DEPTH, NotAForm, read_form
from tests.security.hostile import MIB, W_NS, form_docx, padded_docx

ROOT = Path(__file__).resolve().parents[2]
LIMIT_MIB = 50

DOCUMENTS = {
    # name: (builder, what must become of it in the reader and in the portal)
    "8 parts, 87 KB": (lambda: padded_docx(parts=8), ("archive_bomb", "415")),
    "24 parts, 189 KB": (lambda: padded_docx(parts=24), ("archive_bomb", "415")),
    "at the cap, ~390 KB": (
        lambda: padded_docx(parts=7, target_ratio=MAX_ZIP_RATIO - 5, pad_body=True),
        ("recorded", "303"),
    ),
}


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile-docx")
    out = {}
    for i, (name, (build, _)) in enumerate(DOCUMENTS.items()):
        out[name] = folder / f"doc{i}.docx"
        out[name].write_bytes(build())
    return out


def _probe(mode: str, path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "tests.security.memory_probe", mode, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_documents_are_the_findings_shapes(documents):
    sizes = {name: path.stat().st_size for name, path in documents.items()}
    assert 60_000 < sizes["8 parts, 87 KB"] < 120_000
    assert 150_000 < sizes["24 parts, 189 KB"] < 250_000
    assert 300_000 < sizes["at the cap, ~390 KB"] < 450_000
    with zipfile.ZipFile(documents["at the cap, ~390 KB"]) as zf:
        ratios = [i.file_size / max(i.compress_size, 1) for i in zf.infolist() if i.file_size > MIB]
    assert ratios and max(ratios) <= MAX_ZIP_RATIO  # every check accepts it: the reader must cope by design


@pytest.mark.parametrize("mode", ["reader", "portal"])
@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_peak_memory_rises_less_than_50_mb(documents, mode, name):
    result = _probe(mode, documents[name])
    rise_mib = (result["after_kib"] - result["before_kib"]) / 1024
    expected = DOCUMENTS[name][1][0 if mode == "reader" else 1]
    assert expected in result["outcome"], result
    assert rise_mib < LIMIT_MIB, f"{mode} peak memory rose {rise_mib:.0f} MiB for {name}"


def test_a_small_member_with_a_bomb_ratio_is_refused(tmp_path):
    """No size exemption: a 1 MiB member compressing 1000 times is refused like a large one."""
    path = tmp_path / "small-bomb.docx"
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"<w:p/>" * (MIB // 6))
    path.write_bytes(data.getvalue())
    with pytest.raises(FileRefused):
        sniff_kind(path)


def test_the_form_reader_reads_only_the_parts_it_needs():
    """A linked part that is not even XML does not disturb the reader: it is never opened."""
    source = zipfile.ZipFile(io.BytesIO(form_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/styles.xml":
                data = b"<<< not xml at all"
            zf.writestr(info.filename, data)
    content = read_form(out.getvalue())
    assert (content.round_key, content.agency_code) == ("six-month-2018", "SKHDT")


def test_deeply_nested_xml_is_not_a_form():
    source = zipfile.ZipFile(io.BytesIO(form_docx()))
    out = io.BytesIO()
    deep = "<w:sdt>" * (MAX_XML_DEPTH + 5) + "</w:sdt>" * (MAX_XML_DEPTH + 5)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace(b"<w:body>", f'<w:body xmlns:w="{W_NS}">{deep}'.encode(), 1)
            zf.writestr(info.filename, data)
    with pytest.raises(NotAForm):
        read_form(out.getvalue())


def test_entities_are_never_expanded():
    """A billion-laughs document part is refused or read without expansion, never inflated in memory."""
    source = zipfile.ZipFile(io.BytesIO(form_docx()))
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
        + f']><w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&i;</w:t></w:r></w:p></w:body></w:document>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                data = laughs.encode()
            zf.writestr(info.filename, data)
    try:
        content = read_form(out.getvalue())
    except NotAForm:
        return
    assert all(len(i.results) < 1000 for i in content.items)


def test_nothing_of_an_unauthenticated_sender_is_opened(world):
    """Attachments of a sender who is not trusted are not decoded, stored or read: only the headers decide."""
    from sqlmodel import Session, select

    from inbound.ingest import UNAUTHENTICATED, ingest_raw
    from models.tables import Attachment
    from tests.inbound.conftest import ON_TIME
    from tests.security.hostile import reply

    raw = reply(
        sender="vanthu@skhdt.vinhlong.example",  # a real contact's address, forged: no token, no authentication
        to="baocao@vinhlong.example.gov.vn",
        subject="[BC-SIX-MONTH-2018/SKHDT] Báo cáo",
        at=ON_TIME,
        attachments=[
            (
                "bom.docx",
                padded_docx(parts=8),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
            ("bao-cao.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
        ],
    )
    result = ingest_raw(engine=world.engine, settings=world.settings, raw=raw, now=ON_TIME)
    assert result.disposition == "quarantined" and str(result.reason).startswith(UNAUTHENTICATED)
    assert "archive_bomb" not in str(result.reason)  # the bomb was never even looked at
    with Session(world.engine) as s:
        assert s.exec(select(Attachment)).all() == []
    assert not (world.settings.data_dir / "files").exists()
