"""Reading text in every encoding a Vietnamese office produces, and Word's list numbering."""

from __future__ import annotations

import unicodedata

import docx
from docx.oxml.ns import qn

from drafting.extract import draft
from drafting.reading import decode_text, read_document
from drafting.writer import render
from tests.drafting.docbuild import SEED, build_docx

TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def _cp1258(text: str) -> bytes:
    """`text` as Windows-1258 stores it: vowel letters precomposed, tone marks as combining characters."""
    out = []
    for ch in text:
        d = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in d if c not in TONES))
        out.append(base + "".join(c for c in d if c in TONES))
    return "".join(out).encode("cp1258")


def test_windows_1258_with_combining_tones_reads_as_nfc():
    text = "Kế hoạch công tác thông tin đối ngoại; Sở Văn hoá, Thể thao và Du lịch; Ủy ban nhân dân tỉnh"
    decoded, encoding = decode_text(_cp1258(text))
    assert encoding == "cp1258"
    assert decoded == unicodedata.normalize("NFC", text)


def test_seed_in_every_encoding_drafts_the_same(tmp_path):
    text = SEED.read_text(encoding="utf-8")
    expected = render(draft(read_document(SEED)).plan, ["x"])
    variants = {
        "utf16.txt": text.encode("utf-16"),  # with BOM
        "utf8bom.txt": text.encode("utf-8-sig"),
        "nfd.txt": unicodedata.normalize("NFD", text).encode("utf-8"),
        "cp1258.txt": _cp1258(text),
        "crlf.txt": text.replace("\n", "\r\n").encode("utf-8"),
    }
    for name, data in variants.items():
        (tmp_path / name).write_bytes(data)
        assert render(draft(read_document(tmp_path / name)).plan, ["x"]) == expected, name


def test_docx_list_numbering_restarts_and_bullets_render(tmp_path):
    path = build_docx(
        "I. MỤC A\n1. một\n2. hai\n- gạch\nII. MỤC B\n1. lại một\n| Số: 5/KH-UBND | Hà Nội\n", tmp_path / "a.docx"
    )
    texts = [line.text for line in read_document(path).lines]
    assert texts == ["I. MỤC A", "1. một", "2. hai", "- gạch", "II. MỤC B", "1. lại một", "Số: 5/KH-UBND", "Hà Nội"]


def test_docx_lettered_list_numbering(tmp_path):
    document = docx.Document()
    numbering = document.part.numbering_part.element
    abstract = numbering.num_having_numId(document.styles["List Number"].element.pPr.numPr.numId.val).abstractNumId.val
    absn = next(a for a in numbering.iterchildren() if a.get(qn("w:abstractNumId")) == str(abstract))
    lvl = absn.find(qn("w:lvl"))
    lvl.find(qn("w:numFmt")).set(qn("w:val"), "lowerLetter")
    lvl.find(qn("w:lvlText")).set(qn("w:val"), "%1)")
    for t in ("Chủ trì", "Phối hợp"):
        document.add_paragraph(t, style="List Number")
    document.save(tmp_path / "b.docx")
    assert [line.text for line in read_document(tmp_path / "b.docx").lines] == ["a) Chủ trì", "b) Phối hợp"]


def test_docx_manual_line_breaks_split_lines(tmp_path):
    document = docx.Document()
    run = document.add_paragraph().add_run("KT. CHỦ TỊCH")
    run.add_break()
    run.add_text("PHÓ CHỦ TỊCH")
    document.save(str(tmp_path / "c.docx"))
    assert [line.text for line in read_document(tmp_path / "c.docx").lines] == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]


def test_docx_nested_tables_and_content_controls_are_read_in_order(tmp_path):
    from docx.oxml import OxmlElement

    document = docx.Document()
    document.add_paragraph("Trước bảng")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Ô trái"
    inner = table.cell(0, 1).add_table(rows=1, cols=1)
    inner.cell(0, 0).text = "Ô lồng"
    controlled = document.add_paragraph("Trong ô điều khiển")
    sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    controlled._p.addprevious(sdt)
    sdt.append(content)
    content.append(controlled._p)
    document.add_paragraph("Sau cùng")
    document.save(str(tmp_path / "d.docx"))
    texts = [line.text for line in read_document(tmp_path / "d.docx").lines if line.text]
    assert texts == ["Trước bảng", "Ô trái", "Ô lồng", "Trong ô điều khiển", "Sau cùng"]
