"""The Word report form (.docx) sent with a request, prefilled with the agency's tasks, and its reader.

Machine-readable markers survive editing in Word and LibreOffice: the round key and agency code are
in the core properties (`identifier`, `keywords`) and in a small marker line at the top; each task
is a table whose first row is "Mã nhiệm vụ | <task key>", followed by one row per field.
"""

from __future__ import annotations

import io
import posixpath
import re
import threading
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt, RGBColor
from docx.styles.style import ParagraphStyle
from lxml import etree  # pyright: ignore[reportAttributeAccessIssue] (no stubs for lxml)

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


# Characters XML 1.0 cannot carry (python-docx raises "All strings must be XML compatible" on them), and
# the invisible bidi and format controls that make text display as something else (U+202E reverses a name).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def xml_text(text) -> str:
    """Text any Word document can hold and show as it is: XML-incompatible and bidi/format controls removed.

    Every document builder (this form, the consolidated report) passes outside text through it.
    """
    return _INVISIBLE.sub("", _NOT_XML.sub("", "" if text is None else str(text)))


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
    code and name written in before it is saved. Every outside text is cleaned for XML first.
    """
    round_title, agency_name, due_text, issuer = map(xml_text, (round_title, agency_name, due_text, issuer))
    tasks = [FormTask(xml_text(t.key), xml_text(t.section), xml_text(t.text)) for t in tasks]
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


def read_form(data: bytes | Path) -> FormContent:
    """Read a filled form back: round key, agency code, the non-empty items, the reporter's contact.

    Bounded: only the main document part and the core properties are read, each streamed through a
    size cap and a depth cap, and elements are discarded as soon as their text is taken, so memory
    stays small whatever the document holds (no other part the document links to is ever parsed).
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
    except Exception as exc:  # not a zip container at all
        raise NotAForm(f"not a Word document: {exc}") from exc
    with zf:
        main, core = _part_names(zf)
        if main is None:
            raise NotAForm("not a Word document: no main document part")
        identifier, keywords = _core_markers(zf, core)
        paragraphs, tables = _document_text(zf, main)
    round_key = agency_code = None
    for candidate in (identifier, keywords, *paragraphs[:5]):
        m = _MARKER_RE.search(candidate or "")
        if m:
            round_key, agency_code = m.group(1), m.group(2)
            break
    content = FormContent(round_key=round_key, agency_code=agency_code)
    labels = {label.casefold(): name for name, label in FIELDS}
    found_table = False
    for raw_rows in tables:
        rows = [[c.strip() for c in row] for row in raw_rows]
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


# ---------------------------------------------------------------- bounded reading of the two parts a form needs

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DC_IDENTIFIER = "{http://purl.org/dc/elements/1.1/}identifier"
_CP_KEYWORDS = "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}keywords"
MAX_DOCUMENT_XML_BYTES = 16 * 1024 * 1024  # a filled form with hundreds of tasks stays far below
MAX_SMALL_XML_BYTES = 256 * 1024  # relationships and core properties
MAX_XML_DEPTH = 64  # Word nests a table in a cell in a table...: real forms stay under 30
MAX_TABLE_CELLS = 200_000
_BODY_DEPTH = 2  # w:document / w:body


class _CappedReader:
    """A zip member read through a hard cap on its real (inflated) size; passing it raises NotAForm."""

    def __init__(self, stream, limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.seen = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(64 * 1024 if size is None or size < 0 else min(size, 64 * 1024))
        self.seen += len(chunk)
        if self.seen > self.limit:
            raise NotAForm("document part larger than a form can be")
        return chunk


def _events(zf: zipfile.ZipFile, name: str, limit: int, events=("start", "end")):
    """Streamed parse events of one member: no DTD, no entity expansion, no network, depth and size capped."""
    try:
        member = zf.open(name)
    except KeyError as exc:
        raise NotAForm(f"missing part {name}") from exc
    with member:
        parser = etree.iterparse(
            _CappedReader(member, limit),
            events=events,
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        depth = 0
        try:
            for event, elem in parser:
                if event == "start":
                    depth += 1
                    if depth > MAX_XML_DEPTH:
                        raise NotAForm("document nested deeper than a form can be")
                yield event, elem, depth
                if event == "end":
                    depth -= 1
        except etree.XMLSyntaxError as exc:
            raise NotAForm(f"damaged document part {name}: {exc}") from exc


def _free(elem) -> None:
    """Drop an element whose text was taken, and the siblings before it, so the tree never grows."""
    elem.clear(keep_tail=False)
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]


def _target(base: str, target: str) -> str:
    target = target.replace("\\", "/")
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(base, target))


def _part_names(zf: zipfile.ZipFile) -> tuple[str | None, str | None]:
    """The main document part and the core properties part, from the package relationships."""
    names = set(zf.namelist())
    main = core = None
    if "_rels/.rels" in names:
        for event, elem, _ in _events(zf, "_rels/.rels", MAX_SMALL_XML_BYTES, events=("end",)):
            if event == "end" and elem.tag == f"{_REL_NS}Relationship":
                kind = (elem.get("Type") or "").rsplit("/", 1)[-1]
                if kind == "officeDocument" and main is None:
                    main = _target("", elem.get("Target") or "")
                elif kind == "core-properties" and core is None:
                    core = _target("", elem.get("Target") or "")
                _free(elem)
    if main is None and "word/document.xml" in names:
        main = "word/document.xml"
    if core is None and "docProps/core.xml" in names:
        core = "docProps/core.xml"
    return (main if main in names else None), (core if core in names else None)


def _core_markers(zf: zipfile.ZipFile, core: str | None) -> tuple[str | None, str | None]:
    """The identifier and keywords of the core properties (where planflow puts its marker)."""
    identifier = keywords = None
    if core is None:
        return None, None
    for event, elem, _ in _events(zf, core, MAX_SMALL_XML_BYTES, events=("start", "end")):
        if event != "end":
            continue
        if elem.tag == _DC_IDENTIFIER:
            identifier = (elem.text or "")[:1000]
        elif elem.tag == _CP_KEYWORDS:
            keywords = (elem.text or "")[:1000]
    return identifier, keywords


def _document_text(zf: zipfile.ZipFile, main: str) -> tuple[list[str], list[list[list[str]]]]:
    """The first body paragraphs' text and every top-level table as rows of cell texts (as python-docx reads them).

    A cell's text is its own paragraphs joined by newlines (a table nested in a cell is not part of it);
    a paragraph's text is its runs' text with tabs and line breaks; a cell spanning columns repeats.
    """
    paragraphs: list[str] = []
    tables: list[list[list[str]]] = []
    stack: list[str] = []
    para_text: list[list[str]] = []  # one buffer per open paragraph (text boxes nest paragraphs)
    table: list[list[str]] | None = None
    row: list[str] | None = None
    cell: list[str] | None = None
    span = 1
    cells = 0
    for event, elem, depth in _events(zf, main, MAX_DOCUMENT_XML_BYTES):
        tag = elem.tag
        if event == "start":
            stack.append(tag if isinstance(tag, str) else "")
            if tag == f"{_W}p":
                para_text.append([])
            elif tag == f"{_W}tbl" and depth == _BODY_DEPTH + 1:
                table = []
            elif tag == f"{_W}tr" and table is not None and depth == _BODY_DEPTH + 2:
                row = []
            elif tag == f"{_W}tc" and row is not None and depth == _BODY_DEPTH + 3:
                cell, span = [], 1
            continue
        stack.pop()
        if para_text:
            if tag == f"{_W}t":
                para_text[-1].append(elem.text or "")
            elif tag in (f"{_W}tab", f"{_W}ptab"):
                para_text[-1].append("\t")
            elif tag in (f"{_W}br", f"{_W}cr"):
                para_text[-1].append("\n")
            elif tag == f"{_W}noBreakHyphen":
                para_text[-1].append("-")
        if tag == f"{_W}p":
            text = "".join(para_text.pop())
            if depth == _BODY_DEPTH + 1 and len(paragraphs) < 5:
                paragraphs.append(text[:1000])
            elif cell is not None and depth == _BODY_DEPTH + 4:
                cell.append(text)
        elif tag == f"{_W}gridSpan" and cell is not None and depth == _BODY_DEPTH + 5:
            value = elem.get(f"{_W}val") or "1"
            span = min(int(value), 64) if value.isdigit() and int(value) > 0 else 1
        elif tag == f"{_W}tc" and cell is not None and row is not None and depth == _BODY_DEPTH + 3:
            cells += span
            if cells > MAX_TABLE_CELLS:
                raise NotAForm("more table cells than a form can have")
            row.extend(["\n".join(cell)] * span)
            cell = None
        elif tag == f"{_W}tr" and row is not None and table is not None and depth == _BODY_DEPTH + 2:
            table.append(row)
            row = None
        elif tag == f"{_W}tbl" and table is not None and depth == _BODY_DEPTH + 1:
            tables.append(table)
            table = None
        if depth > _BODY_DEPTH:
            _free(elem)
    return paragraphs, tables
