"""The .docx read back with python-docx: Decree 30 layout, section order, tables, distribution, text intact."""

from __future__ import annotations

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Length
from docx.styles.style import ParagraphStyle
from docx.table import Table
from sqlmodel import Session, col, select

from models.db import session_scope
from models.tables import AuditLog, Plan, ReportDraft
from reports.build import build_draft
from tests.reports.report_builders import AFTER_LOCK, LAYOUT, SCRIPT, plan_document


def _build(engine, settings, round_id):
    with session_scope(engine) as s:
        return build_draft(session=s, settings=settings, round_id=round_id, now=AFTER_LOCK)


def _mm(length: Length | None) -> float:
    """A length the document sets, in millimetres."""
    assert length is not None
    return length.mm


def _pt(length: Length | None) -> float:
    """A length the document sets, in points."""
    assert length is not None
    return length.pt


def _blocks(document):
    """The body in order: ('p', text) for paragraphs, ('t', table) for tables."""
    out = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            out.append(("p", "".join(t.text or "" for t in child.iter(qn("w:t")))))
        elif child.tag == qn("w:tbl"):
            out.append(("t", Table(child, document)))
    return out


def _cell_lines(cell):
    return [p.text for p in cell.paragraphs if p.text]


def test_layout_header_and_page(built, settings):
    engine, b = built
    result = _build(engine, settings, b.round_id)
    d = docx.Document(str(result.docx_path))
    sec = d.sections[0]
    assert abs(_mm(sec.page_width) - 210) < 0.2 and abs(_mm(sec.page_height) - 297) < 0.2
    assert [round(_mm(x)) for x in (sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin)] == [
        20,
        20,
        30,
        15,
    ]
    # Page numbers centred at the top from page 2; none on page 1.
    assert sec.different_first_page_header_footer
    assert "PAGE" in "".join(t.text for t in sec.header._element.iter(qn("w:instrText")))
    assert sec.header.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert "".join(p.text for p in sec.first_page_header.paragraphs) == ""

    # Times New Roman for every script, in the defaults and the Normal style; no theme font overriding it.
    for rpr in (
        d.styles.element.find(qn("w:docDefaults")).find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}"),
        d.styles["Normal"].element.rPr,
    ):
        fonts = rpr.find(qn("w:rFonts"))
        assert {fonts.get(qn(f"w:{a}")) for a in ("ascii", "hAnsi", "eastAsia", "cs")} == {"Times New Roman"}
        assert fonts.get(qn("w:asciiTheme")) is None
    normal = d.styles["Normal"]
    assert isinstance(normal, ParagraphStyle) and _pt(normal.font.size) == 14

    header = d.tables[0]
    left, right = header.rows[0].cells
    assert _cell_lines(left) == [
        "UBND TỈNH VĨNH LONG",
        "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        "Số:\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0/BC-STTTT",
    ]
    assert _cell_lines(right) == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Vĩnh Long, ngày\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0tháng\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0năm 2018",
    ]
    runs = {p.text: p.runs[-1] for p in left.paragraphs + right.paragraphs if p.text}
    assert runs["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"].bold and runs["Độc lập - Tự do - Hạnh phúc"].bold
    assert runs["SỞ THÔNG TIN VÀ TRUYỀN THÔNG"].bold and not runs["UBND TỈNH VĨNH LONG"].bold
    assert runs[right.paragraphs[-1].text].italic
    assert 12 <= _pt(runs["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"].font.size) <= 13
    # The header table has no borders; short lines under the issuing body and the motto are paragraph borders.
    assert header._tbl.tblPr.find(qn("w:tblBorders")).find(qn("w:top")).get(qn("w:val")) == "nil"
    assert len(list(left._tc.iter(qn("w:pBdr")))) == 1 and len(list(right._tc.iter(qn("w:pBdr")))) == 1


def test_sections_in_order_with_statistics_table_and_distribution(built, settings):
    engine, b = built
    result = _build(engine, settings, b.round_id)
    d = docx.Document(str(result.docx_path))
    blocks = _blocks(d)
    texts = [t for kind, t in blocks if kind == "p"]
    order = [
        "BÁO CÁO",
        "Kết quả thực hiện công tác thông tin đối ngoại 6 tháng đầu năm 2018",
        "I. KẾT QUẢ THỰC HIỆN",
        "II. TÌNH HÌNH BÁO CÁO CỦA CÁC CƠ QUAN, ĐƠN VỊ",
        "III. KHÓ KHĂN, VƯỚNG MẮC",
        "IV. ĐỀ XUẤT, KIẾN NGHỊ",
        "PHỤ LỤC",
    ]
    positions = [texts.index(t) for t in order]
    assert positions == sorted(positions)
    title = next(p for p in d.paragraphs if p.text == order[1])
    assert title.runs[0].bold and title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    body = next(p for p in d.paragraphs if p.text.startswith("Thực hiện Kế hoạch số 21/KH-STTTT"))
    assert body.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY and _pt(body.paragraph_format.space_after) == 6
    assert (
        texts.index("1. Tuyên truyền đường lối, chính sách đối ngoại")
        < texts.index("3. Giới thiệu tiềm năng đầu tư, du lịch")
        < texts.index("4. Các nhiệm vụ, kết quả khác")
    )

    assert "Số báo cáo đã nhận: 5/6, đạt tỷ lệ 83,3%; trong đó đúng hạn: 3, trễ hạn: 1, không phát sinh: 1." in texts
    assert any(
        t.startswith(
            "So với kỳ báo cáo trước (Kết quả 6 tháng đầu năm 2017): tỷ lệ báo cáo 83,3% so với 50,0% (tăng 33,3 điểm phần trăm)"
        )
        for t in texts
    )
    assert "Các cơ quan, đơn vị chưa báo cáo: Sở Tài chính." in texts
    assert "Các cơ quan, đơn vị báo cáo không phát sinh: Công an tỉnh." in texts

    stats = d.tables[1]
    rows = [[c.text for c in r.cells] for r in stats.rows]
    assert rows == [
        ["STT", "Cơ quan, đơn vị", "Ngày nhận", "Tình trạng"],
        ["1", "Sở Văn hóa, Thể thao và Du lịch", "12/06/2018", "Đúng hạn"],
        ["2", "Sở Kế hoạch và Đầu tư", "17/06/2018", "Trễ hạn"],
        ["3", "Công an tỉnh", "10/06/2018", "Không phát sinh"],
        ["4", "Sở Tài chính", "", "Không báo cáo"],
        ["5", "Sở Nội vụ", "", "Miễn báo cáo"],
        ["6", "Báo Vĩnh Long", "14/06/2018", "Đúng hạn"],
        ["7", "UBND thị xã Bình Minh", "14/06/2018", "Đúng hạn"],
    ]
    # Signer level with "Nơi nhận:", the distribution list from the plan, ending with the archive line.
    signature = d.tables[2]
    left, right = signature.rows[0].cells
    assert _cell_lines(left) == ["Nơi nhận:", *LAYOUT["distribution"]]
    noi_nhan = left.paragraphs[0].runs[0]
    assert noi_nhan.bold and noi_nhan.italic and _pt(noi_nhan.font.size) == 12
    assert all(_pt(p.runs[0].font.size) == 11 for p in left.paragraphs[1:])
    assert _cell_lines(left)[-1].startswith("- Lưu: VT")
    assert _cell_lines(right) == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]
    assert all(p.runs[0].bold for p in right.paragraphs if p.text)
    # The annex lists every version and the attachments.
    annex = [[c.text for c in r.cells] for r in d.tables[3].rows]
    assert ["1", "Sở Văn hóa, Thể thao và Du lịch", "1", "Thư điện tử", "00:00 12/06/2018", ""] in annex
    assert ["", "", "2*", "Trang báo cáo trực tuyến", "00:00 16/06/2018", "bao-cao-6-thang.pdf (200 KB)"] in annex
    assert ["4", "Sở Tài chính", "", "", "", "Không báo cáo"] in annex


def test_agency_text_intact_traced_and_literal(built, settings):
    engine, b = built
    result = _build(engine, settings, b.round_id)
    d = docx.Document(str(result.docx_path))
    texts = [p.text for p in d.paragraphs]
    assert (
        "Sở Văn hóa, Thể thao và Du lịch: Tổ chức 3 đoàn famtrip quảng bá du lịch sông nước miệt vườn (đoạn 1)."
        in texts
    )
    assert (
        "(Nguồn: Sở Văn hóa, Thể thao và Du lịch, báo cáo lần 2, nhận qua trang nộp báo cáo trực tuyến ngày 16/06/2018)"
        in texts
    )
    assert "(Nguồn: Báo Vĩnh Long, báo cáo lần 1, do cán bộ tổng hợp nhập ngày 14/06/2018)" in texts
    assert f"Báo Vĩnh Long: {SCRIPT}" in texts
    assert f"Sở Kế hoạch và Đầu tư: {SCRIPT}" in texts
    assert "Bản cũ không được tổng hợp." not in " ".join(texts)


def test_each_build_is_a_new_recorded_version(built, settings):
    engine, b = built
    first = _build(engine, settings, b.round_id)
    second = _build(engine, settings, b.round_id)
    assert (first.version, second.version) == (1, 2)
    with Session(engine) as s:
        drafts = s.exec(
            select(ReportDraft).where(ReportDraft.round_id == b.round_id).order_by(col(ReportDraft.version))
        ).all()
        audits = s.exec(select(AuditLog).where(AuditLog.action == "draft_built")).all()
    assert [d.version for d in drafts] == [1, 2] and len(audits) == 2
    assert drafts[1].docx_path == "reports/six-month-2018/v2/bao-cao-tong-hop-six-month-2018-v2.docx"
    for draft in drafts:
        for rel in (draft.docx_path, draft.html_path, draft.markdown_path):
            assert (settings.data_dir / rel).is_file()
    assert drafts[0].statistics["reporting_rate"] == 5 / 6 and drafts[0].statistics["not_reported"] == ["TC"]
    assert drafts[0].statistics["previous"]["round_key"] == "six-month-2017"


def test_layout_comes_from_the_plan(built, settings):
    engine, b = built
    with session_scope(engine) as s:
        plan = s.get(Plan, b.plan_id)
        assert plan is not None
        plan.document = plan_document(
            place="Cần Thơ",
            symbol="BC-SNV",
            parent_body="UBND THÀNH PHỐ CẦN THƠ",
            issuing_body="SỞ NỘI VỤ",
            signer={"authority": None, "title": "GIÁM ĐỐC", "name": "Nguyễn Văn A"},
            distribution=["- Như trên;", "- Lưu: VT."],
            margins_mm={"top": 25, "bottom": 22, "left": 35, "right": 20},
        )
    result = _build(engine, settings, b.round_id)
    d = docx.Document(str(result.docx_path))
    sec = d.sections[0]
    assert [round(_mm(x)) for x in (sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin)] == [
        25,
        22,
        35,
        20,
    ]
    left, right = d.tables[0].rows[0].cells
    assert _cell_lines(left)[:2] == ["UBND THÀNH PHỐ CẦN THƠ", "SỞ NỘI VỤ"] and _cell_lines(left)[2].endswith("/BC-SNV")
    assert _cell_lines(right)[2].startswith("Cần Thơ, ngày")
    sl, sr = d.tables[2].rows[0].cells
    assert _cell_lines(sl) == ["Nơi nhận:", "- Như trên;", "- Lưu: VT."]
    assert _cell_lines(sr) == ["GIÁM ĐỐC", "Nguyễn Văn A"]
