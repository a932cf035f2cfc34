"""Small real documents for upload tests: a .docx made with python-docx and a one-page PDF made with pypdf."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from pypdf import PdfWriter


def docx_bytes(text: str = "Báo cáo kết quả thực hiện công tác thông tin đối ngoại 6 tháng đầu năm 2018") -> bytes:
    """A Word document with one heading and one paragraph."""
    doc = Document()
    doc.add_heading("BÁO CÁO", level=1)
    doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def pdf_bytes() -> bytes:
    """A valid one-page (blank A4) PDF."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Phụ lục báo cáo"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def exe_bytes() -> bytes:
    """The start of a Windows executable (an 'MZ' header and a PE signature)."""
    head = bytearray(b"MZ" + b"\x90\x00" * 29 + b"\x00" * 2)
    head += b"\x80\x00\x00\x00"  # e_lfanew at 0x3c
    head = head.ljust(0x80, b"\x00") + b"PE\x00\x00" + b"\x4c\x01" + b"\x00" * 200
    return bytes(head)


def write(folder: Path, name: str, data: bytes) -> Path:
    """Write `data` to `folder/name` and return the path."""
    path = folder / name
    path.write_bytes(data)
    return path


def filled_form(form: bytes, answers: dict[str, dict[str, str]], *, contact: tuple[str, str] | None = None) -> bytes:
    """A planflow report form (notifications.reportform) filled in the way an agency fills it in Word."""
    from notifications.reportform import CONTACT_LABELS, FIELDS, KEY_LABEL

    doc = Document(io.BytesIO(form))
    labels = {label: name for name, label in FIELDS}
    for table in doc.tables:
        first = table.rows[0].cells
        if contact and first[0].text.strip() == CONTACT_LABELS[0]:
            table.rows[0].cells[1].text, table.rows[1].cells[1].text = contact
        if first[0].text.strip() != KEY_LABEL or first[-1].text.strip() not in answers:
            continue
        wanted = answers[first[-1].text.strip()]
        for row in table.rows[1:]:
            name = labels.get(row.cells[0].text.strip())
            if name in wanted:
                row.cells[1].text = wanted[name]
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
