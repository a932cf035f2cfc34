"""The shared file checks (email parts and portal uploads): type by content and name, size, safe names, storage."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document
from sqlmodel import Session

from inbound.attachments import FileRefused, FileSink, safe_filename, save_attachment, store_bytes
from models.tables import Attachment


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def docx_bytes() -> bytes:
    out = io.BytesIO()
    Document().save(out)
    return out.getvalue()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
SAMPLES = {
    "pdf": b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n",
    "docx": docx_bytes(),
    "xlsx": zip_of({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}),
    "odt": zip_of({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"}),
    "ods": zip_of({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"}),
    "doc": OLE + "WordDocument".encode("utf-16-le") + bytes(100),
    "xls": OLE + "Workbook".encode("utf-16-le") + bytes(100),
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00" + bytes(40),
    "jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(40),
}


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_every_allowed_type_is_accepted_by_content(settings, kind):
    stored = store_bytes(settings=settings, data=SAMPLES[kind], original_name=f"Báo cáo.{kind}")
    assert stored.kind == kind
    assert stored.storage_path == f"files/{stored.sha256[:2]}/{stored.sha256[2:]}"
    assert (settings.data_dir / stored.storage_path).read_bytes() == SAMPLES[kind]


@pytest.mark.parametrize(
    "name, data, code",
    [
        ("Bao cao.pdf", b"MZ\x90\x00" + bytes(200), "content_mismatch"),  # an .exe renamed .pdf
        ("Bao cao.docx", SAMPLES["xlsx"], "content_mismatch"),  # a spreadsheet named as a Word file
        ("Bao cao.png", SAMPLES["pdf"], "content_mismatch"),
        ("setup.exe", b"MZ" + bytes(100), "type_not_allowed"),
        ("macro.docm", SAMPLES["docx"], "type_not_allowed"),
        ("noextension", SAMPLES["pdf"], "type_not_allowed"),
        ("empty.pdf", b"", "empty"),
        ("Bao cao.docx", zip_of({"[Content_Types].xml": b"x", "word/document.xml": b"0" * 60_000_000}), "archive_bomb"),
    ],
)
def test_refused_files_say_why(settings, name, data, code):
    with pytest.raises(FileRefused) as refused:
        store_bytes(settings=settings, data=data, original_name=name)
    assert refused.value.reason_code == code
    assert refused.value.reason_vi  # said to the agency, in Vietnamese
    assert not list((settings.data_dir / "files").rglob("part-*"))  # nothing half-written is left


def test_a_doc_that_is_really_a_docx_is_accepted(settings):
    assert store_bytes(settings=settings, data=SAMPLES["docx"], original_name="bao cao.doc").kind == "docx"


def test_sink_refuses_as_soon_as_the_limit_is_passed(settings):
    sink = FileSink(settings=settings, original_name="lon.pdf", max_bytes=1000)
    sink.write(b"%PDF-" + b"0" * 395)
    sink.write(b"0" * 400)
    with pytest.raises(FileRefused) as refused:
        sink.write(b"0" * 400)
    assert refused.value.reason_code == "too_large" and "1000 byte" in refused.value.reason_vi
    assert not list((settings.data_dir / "files" / "tmp").iterdir())


def test_sink_streams_hashes_and_stores_once(settings, engine):
    data = SAMPLES["pdf"] * 1000
    stored = []
    for _ in range(2):
        with FileSink(settings=settings, original_name="../../etc/Báo cáo quý.pdf") as sink:
            for i in range(0, len(data), 4096):
                sink.write(data[i : i + 4096])
            stored.append(sink.finish())
    assert stored[0] == stored[1] and stored[0].size == len(data)
    assert stored[0].safe_name == "Báo cáo quý.pdf"
    with Session(engine) as session:
        row = save_attachment(session=session, stored=stored[0])
        session.commit()
        saved = session.get(Attachment, row.id)
        assert saved is not None and saved.media_type == "application/pdf"


def test_a_sink_refuses_a_bad_name_before_reading_anything(settings):
    with pytest.raises(FileRefused) as refused:
        FileSink(settings=settings, original_name="virus.exe")
    assert refused.value.reason_code == "type_not_allowed"


@pytest.mark.parametrize(
    "name, safe",
    [
        ("Báo cáo 6 tháng.docx", "Báo cáo 6 tháng.docx"),
        ("C:\\Users\\vanthu\\Desktop\\Kết quả.pdf", "Kết quả.pdf"),
        ("../../../etc/passwd.pdf", "passwd.pdf"),
        ("a\x00b\x1fc\u202egpj.pdf", "abcgpj.pdf"),  # NUL, control and right-to-left override removed
        ("CON.pdf", "_CON.pdf"),
        ('bad<>:"|?*.pdf', "bad_______.pdf"),
        ("...", "tep"),
        ("", "tep"),
        ("Ba\u0301o ca\u0301o.pdf", "Báo cáo.pdf"),  # decomposed Vietnamese made NFC
    ],
)
def test_safe_names(name, safe):
    assert safe_filename(name) == safe


def test_long_names_are_cut_keeping_the_extension():
    name = safe_filename("Báo cáo " * 60 + ".xlsx")
    assert name.endswith(".xlsx") and len(name.encode()) <= 180
