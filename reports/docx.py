"""The consolidated report as a Word document in the layout of Decree 30/2020/NĐ-CP (Phụ lục I), with python-docx.

Sizes and styles are the Decree's; the bodies, symbol, place, signer, distribution list, font and
margins come from the plan's `report` section (`ReportLayout`). Agency text is added as plain runs,
so whatever it contains prints as text.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from notifications.reportform import xml_text
from reports.view import ANNEX_HEADERS, SECTION_TITLES, TABLE_HEADERS, ReportView

# Decree 30/2020, Phụ lục I: sizes in points.
BODY_PT = 14
HEADER_PT = 13
TABLE_PT = 12
NOI_NHAN_PT = 12
RECIPIENT_PT = 11
# The header table reaches a little into the margins (as the Decree's samples do) so that the
# issuing body and the national title each fit on one line.
HEADER_OUTDENT_MM = 8
HEADER_EXTRA_MM = 10
LEFT_COL_MM = 76
QUOC_HIEU_PT = 12
TABLE_STYLE = "Table Text"
# Children of w:pPr that come after w:pBdr in the schema's order.
_AFTER_PBDR = (
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)
CENTER, JUSTIFY, LEFT, RIGHT = (
    WD_ALIGN_PARAGRAPH.CENTER,
    WD_ALIGN_PARAGRAPH.JUSTIFY,
    WD_ALIGN_PARAGRAPH.LEFT,
    WD_ALIGN_PARAGRAPH.RIGHT,
)


def _set_font(rpr_parent, name: str) -> None:
    """Name the font for every script (Latin, East Asian, complex), so Vietnamese renders in it everywhere."""
    rpr = rpr_parent.get_or_add_rPr() if hasattr(rpr_parent, "get_or_add_rPr") else rpr_parent
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _setup_styles(document, font: str) -> None:
    styles = document.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
        if rpr is not None:
            _set_font(rpr, font)
    for name in ("Normal", "Table Grid", "Normal Table", "Header", "Footer"):
        try:
            style = styles[name]
        except KeyError:
            continue
        style.font.name = font
        _set_font(style.element, font)
    normal = styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    fmt = normal.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing = 1.0
    cell = styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = normal
    cell.font.size = Pt(TABLE_PT)
    cell.paragraph_format.space_before = Pt(1)
    cell.paragraph_format.space_after = Pt(1)


def _setup_page(document, view: ReportView) -> None:
    m = {"top": 20, "bottom": 20, "left": 30, "right": 15, **view.layout.margins_mm}
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(m["top"]), Mm(m["bottom"])
    section.left_margin, section.right_margin = Mm(m["left"]), Mm(m["right"])
    section.header_distance = Mm(10)
    section.footer_distance = Mm(10)
    section.different_first_page_header_footer = True
    # Page numbers centred in the top margin from page 2; the first-page header stays empty.
    p = section.header.paragraphs[0]
    p.alignment = CENTER
    _page_field(p.add_run(), view.layout.font)
    section.first_page_header.paragraphs[0].text = ""


def _page_field(run, font: str) -> None:
    run.font.size = Pt(BODY_PT)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "2"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == " PAGE ":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)


def _para(
    container,
    text: str = "",
    *,
    bold=False,
    italic=False,
    size=BODY_PT,
    align=JUSTIFY,
    after=6,
    before=0,
    indent_cm=None,
    keep=False,
    upper=False,
):
    """A paragraph of one run, formatted."""
    p = container.add_paragraph()
    p.alignment = align
    fmt = p.paragraph_format
    fmt.space_after = Pt(after)
    fmt.space_before = Pt(before)
    if indent_cm is not None:
        fmt.first_line_indent = Cm(indent_cm)
    if keep:
        fmt.keep_with_next = True
    if text:
        run = p.add_run(xml_text(text.upper() if upper else text))
        run.bold, run.italic = bold, italic
        run.font.size = Pt(size)
    return p


def _rule(container, *, length_mm: float, width_mm: float, after=6, before=2) -> None:
    """A short solid line centred in a column `width_mm` wide: an empty paragraph with a top border."""
    p = container.add_paragraph()
    fmt = p.paragraph_format
    side = max(0.0, (width_mm - length_mm) / 2)
    fmt.left_indent = Mm(side)
    fmt.right_indent = Mm(side)
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    ppr = p._p.get_or_add_pPr()
    # A 1-pt paragraph mark keeps the empty paragraph (and so the gap under the line) tiny.
    mark = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "2")
    mark.append(size)
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(k), v)
    borders.append(top)
    ppr.insert_element_before(borders, *_AFTER_PBDR)
    ppr.append(mark)


def _no_borders(table) -> None:
    """No borders, and no left/right cell padding, for the header and signature tables."""
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.insert_element_before(
        borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription"
    )
    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), "28")
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    tbl_pr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription")


def _indent(table, mm: float) -> None:
    """Shift a table left (negative) or right of the margin."""
    ind = OxmlElement("w:tblInd")
    ind.set(qn("w:w"), str(int(mm * 56.7)))
    ind.set(qn("w:type"), "dxa")
    table._tbl.tblPr.insert_element_before(
        ind, "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription"
    )


def _widths(table, widths_mm) -> None:
    table.autofit = False
    total = table._tbl.tblPr.find(qn("w:tblW"))
    if total is not None:
        total.set(qn("w:type"), "dxa")
        total.set(qn("w:w"), str(int(sum(widths_mm) * 56.7)))
    for i, w in enumerate(widths_mm):
        table.columns[i].width = Mm(w)
        for cell in table.columns[i].cells:
            cell.width = Mm(w)


def _text_width_mm(view: ReportView) -> float:
    m = {"left": 30, "right": 15, **view.layout.margins_mm}
    return 210 - m["left"] - m["right"]


def _estimate_mm(text: str, size_pt: float, bold: bool = False) -> float:
    """A rough printed width of a line of Times New Roman text, for sizing the lines under titles."""
    em = 0.5 if bold else 0.46
    return len(text) * size_pt * em * 25.4 / 72


def _header(document, view: ReportView) -> None:
    layout = view.layout
    width = _text_width_mm(view) + HEADER_EXTRA_MM
    left_w, right_w = LEFT_COL_MM, width - LEFT_COL_MM
    table = document.add_table(rows=1, cols=2)
    _no_borders(table)
    _widths(table, (left_w, right_w))
    _indent(table, -HEADER_OUTDENT_MM)
    left, right = table.rows[0].cells
    left.paragraphs[0].text = ""
    p = left.paragraphs[0]
    r = p.add_run(xml_text(layout.parent_body.upper()))
    r.font.size = Pt(QUOC_HIEU_PT)
    p.alignment = CENTER
    _para(left, layout.issuing_body, bold=True, size=QUOC_HIEU_PT, align=CENTER, after=0, upper=True)
    _rule(left, length_mm=min(left_w * 0.45, 30), width_mm=left_w, after=6)
    _para(left, view.number_line, size=HEADER_PT, align=CENTER, after=0)

    p = right.paragraphs[0]
    r = p.add_run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    r.bold = True
    r.font.size = Pt(QUOC_HIEU_PT)
    p.alignment = CENTER
    motto = "Độc lập - Tự do - Hạnh phúc"
    _para(right, motto, bold=True, size=HEADER_PT, align=CENTER, after=0)
    _rule(right, length_mm=min(_estimate_mm(motto, HEADER_PT, bold=True), right_w), width_mm=right_w, after=6)
    _para(right, view.place_date, italic=True, size=HEADER_PT, align=CENTER, after=0)


def _title(document, view: ReportView) -> None:
    _para(document, "BÁO CÁO", bold=True, align=CENTER, before=18, after=0, keep=True)
    _para(document, view.title, bold=True, align=CENTER, after=0, keep=True)
    width = _text_width_mm(view)
    _rule(document, length_mm=40, width_mm=width, after=12, before=6)


def _body_para(document, text: str, **kw):
    return _para(document, text, indent_cm=1.0, **kw)


def _blocks(document, view: ReportView, blocks) -> None:
    for block in blocks:
        first = True
        for paragraph in block.paragraphs:
            p = _body_para(document, "")
            if first:
                lead = p.add_run(xml_text(f"{block.agency.name}: "))
                lead.bold = True
                first = False
            p.add_run(xml_text(paragraph.text))
        note = _body_para(document, view.source(block), italic=True, size=TABLE_PT)
        note.alignment = RIGHT


def _grid_table(document, headers, rows, widths_mm) -> None:
    table = document.add_table(rows=1, cols=len(headers))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=False):
        cell.paragraphs[0].style = document.styles[TABLE_STYLE]
        cell.paragraphs[0].alignment = CENTER
        run = cell.paragraphs[0].add_run(xml_text(text))
        run.bold = True
        run.font.size = Pt(TABLE_PT)
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    for values in rows:
        cells = table.add_row().cells
        for i, (cell, text) in enumerate(zip(cells, values, strict=False)):
            p = cell.paragraphs[0]
            p.style = document.styles[TABLE_STYLE]
            p.alignment = LEFT if (i in (1, len(values) - 1) and len(values) > 4) or i == 1 else CENTER
            run = p.add_run(xml_text(str(text)))
            run.font.size = Pt(TABLE_PT)
    _widths(table, widths_mm)


def _section_results(document, view: ReportView) -> None:
    _para(document, SECTION_TITLES[0], bold=True, keep=True, before=6)
    for n, section in enumerate(view.consolidation.results, start=1):
        _body_para(document, f"{n}. {section.title}", bold=True, keep=True)
        if not section.blocks:
            _body_para(document, "Chưa có cơ quan, đơn vị báo cáo kết quả thực hiện nội dung này.", italic=True)
        _blocks(document, view, section.blocks)


def _section_reporting(document, view: ReportView) -> None:
    _para(document, SECTION_TITLES[1], bold=True, keep=True, before=6)
    for line in view.statistics_lines:
        _body_para(document, line)
    for line in (view.comparison_line, view.nil_line, view.exempt_line, view.not_reported_line):
        if line:
            _body_para(document, line)
    _body_para(document, "Tình hình báo cáo của từng cơ quan, đơn vị:", keep=True)
    width = _text_width_mm(view)
    _grid_table(
        document,
        TABLE_HEADERS,
        [(r.index, r.agency, r.received, r.status) for r in view.rows],
        (12, width - 12 - 30 - 38, 30, 38),
    )


def _section_compiled(document, view: ReportView, title: str, blocks, empty: str) -> None:
    _para(document, title, bold=True, keep=True, before=12)
    if not blocks:
        _body_para(document, empty, italic=True)
    _blocks(document, view, blocks)


def _signature(document, view: ReportView) -> None:
    layout = view.layout
    width = _text_width_mm(view)
    table = document.add_table(rows=1, cols=2)
    _no_borders(table)
    _widths(table, (width * 0.5, width * 0.5))
    left, right = table.rows[0].cells
    p = left.paragraphs[0]
    run = p.add_run("Nơi nhận:")
    run.bold, run.italic = True, True
    run.font.size = Pt(NOI_NHAN_PT)
    p.paragraph_format.space_before = Pt(6)
    for line in layout.distribution:
        _para(left, line, size=RECIPIENT_PT, align=LEFT, after=0)
    p = right.paragraphs[0]
    p.alignment = CENTER
    p.paragraph_format.space_before = Pt(6)
    signer = layout.signer
    first = signer.authority or signer.title
    run = p.add_run(xml_text(first.upper()))
    run.bold = True
    run.font.size = Pt(BODY_PT)
    if signer.authority:
        _para(right, signer.title, bold=True, align=CENTER, after=0, upper=True)
    for _ in range(4):
        _para(right, "", align=CENTER, after=0)
    _para(right, signer.name or "", bold=True, align=CENTER, after=0)


def _annex(document, view: ReportView) -> None:
    p = document.add_paragraph()
    p.add_run().add_break(WD_BREAK.PAGE)
    _para(document, "PHỤ LỤC", bold=True, align=CENTER, after=0)
    _para(document, "DANH SÁCH BÁO CÁO CỦA CÁC CƠ QUAN, ĐƠN VỊ", bold=True, align=CENTER, after=0)
    _para(
        document,
        f"(Kèm theo Báo cáo số{view.number_line[3:]} ngày{view.place_date.split('ngày', 1)[1]} "
        f"của {view.consolidator})",
        italic=True,
        align=CENTER,
        after=12,
    )
    width = _text_width_mm(view)
    _grid_table(
        document,
        ANNEX_HEADERS,
        [(r.index, r.agency, r.version, r.channel, r.received, r.files) for r in view.annex_rows],
        (13, 50, 12, 25, 26, width - 13 - 50 - 12 - 25 - 26),
    )
    _para(document, view.annex_note, italic=True, size=TABLE_PT, before=6)


def write_docx(view: ReportView, path: Path) -> Path:
    """Write the report to `path` as .docx: header, title, sections I–IV, signature, distribution, annex."""
    document = Document()
    _setup_styles(document, view.layout.font)
    _setup_page(document, view)
    # The blank first paragraph of a new document would push the header down; reuse nothing, remove it.
    body = document.element.body
    for p in list(body.iterchildren(qn("w:p"))):
        body.remove(p)
    _header(document, view)
    _title(document, view)
    _body_para(document, view.intro)
    _section_results(document, view)
    _section_reporting(document, view)
    _section_compiled(
        document,
        view,
        SECTION_TITLES[2],
        view.consolidation.difficulties,
        "Các cơ quan, đơn vị không báo cáo khó khăn, vướng mắc.",
    )
    _section_compiled(
        document,
        view,
        SECTION_TITLES[3],
        view.consolidation.proposals,
        "Các cơ quan, đơn vị không có đề xuất, kiến nghị.",
    )
    _para(document, "", after=6)
    _signature(document, view)
    _annex(document, view)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path
