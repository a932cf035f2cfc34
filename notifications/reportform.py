"""The Word report form (.docx) sent with a request, prefilled with the agency's tasks, and its reader.

Machine-readable markers survive editing in Word and LibreOffice: the round key and agency code are
in the core properties (`identifier`, `keywords`) and in a small marker line at the top; each task
is a table whose first row is "Mã nhiệm vụ | <task key>", followed by one row per field.
"""

from __future__ import annotations

import io
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt, RGBColor
from docx.styles.style import ParagraphStyle

KEY_LABEL = "Mã nhiệm vụ"
GENERAL_KEY = "(chung)"
FIELDS = (
    ("results", "Kết quả thực hiện"),
    ("difficulties", "Khó khăn, vướng mắc"),
    ("proposals", "Đề xuất, kiến nghị"),
)
CONTACT_LABELS = ("Người báo cáo", "Số điện thoại")
_MARKER_RE = re.compile(r"planflow:round=([a-z0-9-]+);agency=([A-Z0-9_-]+)")


@dataclass(frozen=True)
class FormTask:
    """A task printed on the form."""

    key: str
    section: str
    text: str


@dataclass
class FormItem:
    """What the agency wrote for one task (task_key None: the general section); same fields as ItemIn."""

    task_key: str | None
    results: str = ""
    difficulties: str = ""
    proposals: str = ""

    @property
    def is_empty(self) -> bool:
        """True when nothing was written in any field."""
        return not (self.results or self.difficulties or self.proposals)


@dataclass
class FormContent:
    """A filled form read back: its round and agency, and the non-empty items."""

    round_key: str | None
    agency_code: str | None
    items: list[FormItem] = field(default_factory=list)
    contact_name: str | None = None
    contact_phone: str | None = None

    def item_ins(self) -> list:
        """The items as `models.submissions.ItemIn`, ready for `record_submission`."""
        from models.submissions import ItemIn

        return [
            ItemIn(task_key=i.task_key, results=i.results, difficulties=i.difficulties, proposals=i.proposals)
            for i in self.items
        ]


class NotAForm(ValueError):
    """The document is not a planflow report form (no markers found)."""


def marker(round_key: str, agency_code: str) -> str:
    """The marker text naming a round and an agency."""
    return f"planflow:round={round_key};agency={agency_code}"


def build_form(
    *,
    round_key: str,
    round_title: str,
    agency_code: str,
    agency_name: str,
    due_text: str,
    tasks: list[FormTask],
    issuer: str,
) -> bytes:
    """A .docx form: one section per task (results, difficulties, proposals), plus a general section.

    The form of a round and task set is built once (`_skeleton`); each agency's copy only gets its
    code and name written in before it is saved.
    """
    skeleton = _skeleton(round_key, round_title, due_text, tuple(tasks), issuer)
    with skeleton.lock:
        skeleton.fill(agency_code, agency_name)
        out = io.BytesIO()
        skeleton.doc.save(out)
    return out.getvalue()


@dataclass
class _Skeleton:
    """A built form with the places that differ per agency: the marker run and the agency's line."""

    round_key: str
    doc: Any
    marker_run: Any
    agency_run: Any
    # One Document is filled and saved per agency: two threads must not interleave on it.
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fill(self, agency_code: str, agency_name: str) -> None:
        """Write one agency's code and name into the form."""
        props = self.doc.core_properties
        props.subject = agency_name
        props.identifier = marker(self.round_key, agency_code)
        props.keywords = marker(self.round_key, agency_code)
        self.marker_run.text = marker(self.round_key, agency_code)
        self.agency_run.text = f"Cơ quan, đơn vị: {agency_name}"


# A round has a few task sets (one per kind of agency); at most this many forms are kept built.
@lru_cache(maxsize=64)
def _skeleton(round_key: str, round_title: str, due_text: str, tasks: tuple[FormTask, ...], issuer: str) -> _Skeleton:
    """The form of a round and task set, with the agency's fields still blank."""
    doc = Document()
    style = cast(ParagraphStyle, doc.styles["Normal"])
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    props = doc.core_properties
    props.title = f"Mẫu báo cáo - {round_title}"
    # The agency's properties are set blank here, so that each keeps its place in core.xml when filled.
    props.subject = ""
    props.author = issuer
    props.identifier = ""
    props.keywords = ""
    props.comments = "Biểu mẫu do planflow tạo; xin giữ nguyên các bảng và ô “Mã nhiệm vụ”."

    small = doc.add_paragraph()
    marker_run = small.add_run("")
    marker_run.font.size = Pt(7)
    marker_run.font.color.rgb = RGBColor(0x99, 0x99, 0x99)

    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    r = heading.add_run("BÁO CÁO")
    r.bold = True
    r.font.size = Pt(14)
    sub = doc.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub.add_run(round_title).bold = True
    agency_run = doc.add_paragraph().add_run("")
    doc.add_paragraph(f"Hạn gửi: {due_text}")
    doc.add_paragraph(
        "Hướng dẫn: ghi nội dung vào cột bên phải của từng bảng; không xóa hoặc sửa ô “Mã nhiệm vụ”. "
        "Gửi lại tệp này bằng cách trả lời thư yêu cầu báo cáo hoặc tải lên qua đường dẫn riêng."
    )

    contact = doc.add_table(rows=len(CONTACT_LABELS), cols=2)
    contact.style = "Table Grid"
    for row, label in zip(contact.rows, CONTACT_LABELS, strict=True):
        row.cells[0].text = label

    for number, task in enumerate(tasks, start=1):
        doc.add_paragraph()
        p = doc.add_paragraph()
        p.add_run(f"{number}. Nhiệm vụ {task.key} (mục {task.section})").bold = True
        doc.add_paragraph(task.text)
        _field_table(doc, task.key)

    doc.add_paragraph()
    doc.add_paragraph().add_run(f"{len(tasks) + 1}. Nội dung khác (không thuộc nhiệm vụ nào ở trên)").bold = True
    _field_table(doc, GENERAL_KEY)
    return _Skeleton(round_key=round_key, doc=doc, marker_run=marker_run, agency_run=agency_run)


def _field_table(doc, key: str) -> None:
    table = doc.add_table(rows=1 + len(FIELDS), cols=2)
    table.style = "Table Grid"
    table.rows[0].cells[0].text = KEY_LABEL
    table.rows[0].cells[1].text = key
    for row, (_, label) in zip(table.rows[1:], FIELDS, strict=True):
        row.cells[0].text = label


def read_form(data: bytes) -> FormContent:
    """Read a filled form back: round key, agency code, the non-empty items, the reporter's contact."""
    try:
        doc = Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several unrelated types on a non-docx file
        raise NotAForm(f"not a Word document: {exc}") from exc
    round_key = agency_code = None
    for candidate in (
        doc.core_properties.identifier,
        doc.core_properties.keywords,
        *(p.text for p in doc.paragraphs[:5]),
    ):
        m = _MARKER_RE.search(candidate or "")
        if m:
            round_key, agency_code = m.group(1), m.group(2)
            break
    content = FormContent(round_key=round_key, agency_code=agency_code)
    labels = {label.casefold(): name for name, label in FIELDS}
    found_table = False
    for table in doc.tables:
        rows = [[c.text.strip() for c in row.cells] for row in table.rows]
        if not rows or len(rows[0]) < 2:
            continue
        if rows[0][0].casefold() == CONTACT_LABELS[0].casefold():
            found_table = True
            values = {r[0].casefold(): r[-1] for r in rows if len(r) >= 2}
            content.contact_name = values.get(CONTACT_LABELS[0].casefold()) or None
            content.contact_phone = values.get(CONTACT_LABELS[1].casefold()) or None
            continue
        if rows[0][0].casefold() != KEY_LABEL.casefold():
            continue
        found_table = True
        key = rows[0][-1]
        item = FormItem(task_key=None if key in ("", GENERAL_KEY) else key)
        for r in rows[1:]:
            name = labels.get(r[0].casefold())
            if name and len(r) >= 2:
                setattr(item, name, r[-1])
        if not item.is_empty:
            content.items.append(item)
    if round_key is None and not found_table:
        raise NotAForm("no planflow markers in this document")
    return content
