"""HTML and Markdown carry the same content as the .docx, and agency text prints as text in both."""

from __future__ import annotations

import html
from html.parser import HTMLParser

from markdown_it import MarkdownIt

from models.db import session_scope
from reports.build import build_draft
from reports.markdown import md_escape
from tests.reports.report_builders import AFTER_LOCK, AGENCIES, SCRIPT


class Page(HTMLParser):
    """Tags and text of an HTML page."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []
        self._skip = False
        self.feed(source)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._skip = tag == "style"

    def handle_endtag(self, tag):
        self._skip = False

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)

    def joined(self) -> str:
        return " ".join(" ".join(self.text).split())


def _build(built, settings):
    engine, b = built
    with session_scope(engine) as s:
        return build_draft(session=s, settings=settings, round_id=b.round_id, now=AFTER_LOCK)


def test_html_autoescaped_same_content(built, settings):
    result = _build(built, settings)
    source = result.html_path.read_text(encoding="utf-8")
    page = Page(source)
    text = page.joined()
    assert page.tags.count("script") == 0 and "<script>" not in source
    assert f"Báo Vĩnh Long: {SCRIPT}" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    for heading in (
        "I. KẾT QUẢ THỰC HIỆN",
        "II. TÌNH HÌNH BÁO CÁO CỦA CÁC CƠ QUAN, ĐƠN VỊ",
        "III. KHÓ KHĂN, VƯỚNG MẮC",
        "IV. ĐỀ XUẤT, KIẾN NGHỊ",
    ):
        assert heading in text
    assert (
        "(Nguồn: Sở Văn hóa, Thể thao và Du lịch, báo cáo lần 2, nhận qua trang nộp báo cáo trực tuyến ngày 16/06/2018)"
        in text
    )
    assert all(name in text for _, name in AGENCIES)
    assert (
        "Nơi nhận: - UBND tỉnh (b/c); - Ban Chỉ đạo TTĐN tỉnh (b/c); - Giám đốc, các PGĐ Sở; - Lưu: VT, TTBCXB." in text
    )
    # Header table, statistics (head + 7 agencies), signature, annex (head + one row per version or agency).
    assert page.tags.count("tr") == 1 + (1 + 7) + 1 + (1 + 8)


def test_markdown_renders_agency_text_as_text(built, settings):
    result = _build(built, settings)
    source = result.markdown_path.read_text(encoding="utf-8")
    assert source == result.markdown
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(source)
    page = Page(rendered)
    text = page.joined()
    # Raw HTML is on in this renderer, as in a permissive viewer: the agency's <script> must still be text.
    assert "script" not in page.tags and "a" not in page.tags
    assert f"Báo Vĩnh Long: {SCRIPT}" in text
    assert page.tags.count("h2") == 5 and page.tags.count("h1") == 1  # the agency's '# tiêu đề' made no heading
    assert "<strong>đậm</strong>" not in rendered and "<strong>Báo Vĩnh Long:</strong>" in rendered
    assert page.tags.count("table") == 2 and page.tags.count("tr") == (1 + 7) + (1 + 8)
    assert "| 4 | Sở Tài chính |  | Không báo cáo |" in source
    assert "Số:\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0/BC-STTTT" in source  # the blank for the number survives
    assert all(name in text for _, name in AGENCIES)


def test_md_escape_neutralises_markdown_and_html():
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    for hostile in (
        "- list",
        "1. one",
        "# h",
        "> quote",
        "<img src=x onerror=alert(1)>",
        "[x](http://a)",
        "`code`",
        "a | b",
        "**b**",
        "&amp;",
        "===",
        "+ x",
        "    indented",
    ):
        out = md.render(md_escape(hostile))
        assert out.startswith("<p>") and out.count("<") == 2, (hostile, out)
        assert html.unescape(out[3:-5]) == hostile.strip(), (hostile, out)
