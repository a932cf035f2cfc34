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
