"""Damaged or foreign input gives a clear error naming the file and the reason, never a traceback."""

from __future__ import annotations

import struct
import zlib

import docx
import pytest
from pypdf import PdfWriter
from typer.testing import CliRunner

from cli.main import app
from drafting.extract import draft
from drafting.reading import DocumentError, read_document
from tests.drafting.docbuild import SEED, to_pdf

runner = CliRunner()


def _draft_error(path) -> str:
    with pytest.raises(DocumentError) as err:
        draft(read_document(path))
    return str(err.value)


def test_empty_file(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text("\n   \n\t\n", encoding="utf-8")
    assert _draft_error(tmp_path / "empty.txt").endswith("the file is empty")
    assert _draft_error(tmp_path / "blank.txt").endswith("the file is empty")


def test_pdf_without_text_layer_says_ocr_is_needed(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with open(tmp_path / "blank.pdf", "wb") as fh:
        writer.write(fh)
    message = _draft_error(tmp_path / "blank.pdf")
    assert "no text layer" in message and "OCR is needed" in message


def _png(width: int, height: int) -> bytes:
    """A grey PNG, as a scanner would give a page (without text)."""
    raw = b"".join(b"\x00" + bytes([128]) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


@pytest.mark.libreoffice
def test_scanned_pdf_of_an_image_says_ocr_is_needed(tmp_path):
    (tmp_path / "page.png").write_bytes(_png(200, 280))
    document = docx.Document()
    document.add_picture(str(tmp_path / "page.png"))
    document.save(tmp_path / "scan.docx")
    pdf = to_pdf(tmp_path / "scan.docx", tmp_path)
    assert "OCR is needed" in _draft_error(pdf)


def test_plan_without_a_responsibility_section(tmp_path):
    text = SEED.read_text(encoding="utf-8")
    start, end = text.index("IV. TỔ CHỨC THỰC HIỆN"), text.index("V. CHẾ ĐỘ BÁO CÁO")
    (tmp_path / "no-iv.txt").write_text(text[:start] + text[end:], encoding="utf-8")
    message = _draft_error(tmp_path / "no-iv.txt")
    assert "no 'Tổ chức thực hiện' section" in message and "no-iv.txt" in message


def test_document_that_is_not_a_plan(tmp_path):
    (tmp_path / "letter.txt").write_text("Kính gửi: Sở Tài chính\nĐề nghị cung cấp số liệu.\n", encoding="utf-8")
    assert "no 'KẾ HOẠCH' title" in _draft_error(tmp_path / "letter.txt")


def test_unreadable_legacy_font_encoding(tmp_path):
    # "Kế hoạch công tác năm 2018" as a TCVN3 (ABC) font would store it: not Unicode, not Windows-1258.
    (tmp_path / "tcvn3.txt").write_bytes(b"K\xd5 ho\xb9ch c\xabng t\xb8c n\xa8m 2018\r\nS\xe8: 21/KH-STTTT\r\n" * 5)
    message = _draft_error(tmp_path / "tcvn3.txt")
    assert "unreadable encoding" in message and "TCVN3" in message


def test_binary_garbage(tmp_path):
    (tmp_path / "x.txt").write_bytes(bytes(range(256)) * 4)
    assert "not a text document" in _draft_error(tmp_path / "x.txt")


def test_zip_that_is_not_a_docx(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "plan.docx", "w") as z:
        z.writestr("readme.txt", "hello")
    assert "not a Word document" in _draft_error(tmp_path / "plan.docx")


def test_old_binary_word_file(tmp_path):
    (tmp_path / "plan.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    assert "save it as .docx" in _draft_error(tmp_path / "plan.doc")


@pytest.mark.parametrize("name", ["empty.txt", "missing.pdf"])
def test_command_exits_2_with_the_reason_not_a_traceback(tmp_path, name):
    if name == "empty.txt":
        (tmp_path / name).write_bytes(b"")
    result = runner.invoke(app, ["plan", "draft", str(tmp_path / name), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.libreoffice
def test_truncated_docx_and_pdf(tmp_path):
    from tests.drafting.docbuild import build_docx

    docx_path = build_docx(SEED.read_text(encoding="utf-8"), tmp_path / "seed.docx")
    pdf_path = to_pdf(docx_path, tmp_path)
    for path in (docx_path, pdf_path):
        data = path.read_bytes()
        cut = tmp_path / f"cut{path.suffix}"
        cut.write_bytes(data[: len(data) // 3])
        message = _draft_error(cut)
        assert "not a readable" in message or "no text layer" in message, message


def test_mangled_documents_draft_or_give_a_clear_error(tmp_path):
    """Lines dropped, repeated, swapped or cut into: a draft that parses back as YAML, or a DocumentError."""
    import random

    import yaml

    from drafting.writer import render
    from tests.drafting.docbuild import PLANDOCS

    sources = [SEED, *sorted(PLANDOCS.glob("*.txt"))]
    rng = random.Random(15)
    outcomes = {"drafted": 0, "refused": 0}
    for n in range(60):
        lines = rng.choice(sources).read_text(encoding="utf-8").splitlines()
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(lines))
            op = rng.choice(["drop", "repeat", "swap", "cut", "insert"])
            if op == "drop" and len(lines) > 1:
                lines.pop(i)
            elif op == "repeat":
                lines.insert(i, lines[i])
            elif op == "swap":
                j = rng.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
            elif op == "cut":
                lines = lines[: max(1, i)]
            else:
                k = rng.randrange(len(lines[i]) + 1)
                lines[i] = (
                    lines[i][:k] + rng.choice([":", " 31/2", " (", "IV.", "1.", " trước ngày 15/13"]) + lines[i][k:]
                )
        path = tmp_path / f"m{n}.txt"
        path.write_text("\n".join(lines), encoding="utf-8")
        try:
            result = draft(read_document(path))
        except DocumentError:
            outcomes["refused"] += 1
            continue
        assert isinstance(yaml.safe_load(render(result.plan, ["x"])), dict)
        outcomes["drafted"] += 1
    assert outcomes["drafted"] > 10 and outcomes["refused"] > 3, outcomes


def test_docx_typed_in_a_legacy_font_encoding(tmp_path):
    document = docx.Document()
    for text in (
        "KÕ ho¹ch c«ng t¸c th«ng tin ®èi ngo¹i n¨m 2018",
        "I. MôC §ÝCH, Y£U CÇU",
        "Së Th«ng tin vµ TruyÒn th«ng",
    ):
        document.add_paragraph(text)  # what .VnTime (TCVN3) text looks like once its font is taken away
    document.save(str(tmp_path / "tcvn3.docx"))
    assert "legacy Vietnamese font encoding" in _draft_error(tmp_path / "tcvn3.docx")
