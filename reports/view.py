"""What every format of the consolidated report says, in Vietnamese: labels, dates, rates, sentences.

The docx, HTML and Markdown renderers all take a `ReportView`, so the three formats carry the same
content. Nothing here escapes text: each renderer escapes for its own format.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from models.consolidation import AgencyBlock, Consolidation, SourceRef, Statistics
from models.labels import channel_label, status_label
from models.plan import ReportLayout
from models.plandoc import PlanDocument

CHANNEL_PHRASES = {
    "email": "nhận qua email",
    "upload": "nhận qua trang nộp báo cáo trực tuyến",
    "manual": "do cán bộ tổng hợp nhập",
}

SECTION_TITLES = (
    "I. KẾT QUẢ THỰC HIỆN",
    "II. TÌNH HÌNH BÁO CÁO CỦA CÁC CƠ QUAN, ĐƠN VỊ",
    "III. KHÓ KHĂN, VƯỚNG MẮC",
    "IV. ĐỀ XUẤT, KIẾN NGHỊ",
)
TABLE_HEADERS = ("STT", "Cơ quan, đơn vị", "Ngày nhận", "Tình trạng")
ANNEX_HEADERS = ("STT", "Cơ quan, đơn vị", "Lần", "Kênh", "Thời điểm nhận", "Nội dung, tệp đính kèm")
BLANK = "\u00a0" * 6  # room for the number and the day, filled in by hand when the report is issued


def layout_of(plan_document: dict) -> ReportLayout:
    """The report layout of a plan, from the plan document stored in `Plan.document`."""
    return PlanDocument(plan_document).report_layout()


def local(at: dt.datetime, tz: str) -> dt.datetime:
    """An instant in the report's time zone."""
    return at.astimezone(ZoneInfo(tz))


def date_vi(at: dt.datetime | dt.date | None, tz: str) -> str:
    """dd/mm/yyyy, in the report's time zone for instants."""
    if at is None:
        return ""
    if isinstance(at, dt.datetime):
        at = local(at, tz)
    return at.strftime("%d/%m/%Y")


def datetime_vi(at: dt.datetime | None, tz: str) -> str:
    """'hh:mm dd/mm/yyyy' in the report's time zone."""
    return "" if at is None else local(at, tz).strftime("%H:%M %d/%m/%Y")


def percent_vi(rate: float | None) -> str:
    """A rate as Vietnamese writes it: '91,7%' ('—' when undefined)."""
    if rate is None:
        return "—"
    return f"{rate * 100:.1f}".replace(".", ",") + "%"


def points_vi(change: float) -> str:
    """A change in percentage points, with its direction in words."""
    value = f"{abs(change) * 100:.1f}".replace(".", ",")
    if abs(change) < 0.0005:
        return "không thay đổi"
    return ("tăng " if change > 0 else "giảm ") + value + " điểm phần trăm"


def source_note(source: SourceRef, tz: str) -> str:
    """The short reference after an agency's paragraphs: agency, version, channel, date received."""
    channel = CHANNEL_PHRASES.get(source.channel, source.channel)
    return (
        f"(Nguồn: {source.agency_name}, báo cáo lần {source.version}, {channel} ngày {date_vi(source.received_at, tz)})"
    )


def size_vi(size: int) -> str:
    """A file size in KB or MB."""
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f}".replace(".", ",") + " MB"
    return f"{max(1, round(size / 1024))} KB"


def statistics_sentences(stats: Statistics) -> list[str]:
    """Section II's summary of the statistics, one sentence per paragraph."""
    lines = [
        f"Tổng số cơ quan, đơn vị phải báo cáo theo danh sách khi mở kỳ báo cáo: {stats.expected}"
        + (f", trong đó {stats.exempt} đơn vị được miễn báo cáo" if stats.exempt else "")
        + ".",
        f"Số báo cáo đã nhận: {stats.actual}/{stats.required}, đạt tỷ lệ {percent_vi(stats.reporting_rate)}; "
        f"trong đó đúng hạn: {stats.on_time}, trễ hạn: {stats.late}, không phát sinh: {stats.nil}.",
        f"Tỷ lệ báo cáo đúng hạn (kể cả báo cáo không phát sinh gửi đúng hạn): "
        f"{stats.reported_on_time}/{stats.required}, đạt {percent_vi(stats.on_time_rate)}.",
    ]
    if stats.pending:
        lines.append(
            f"Chưa báo cáo: {stats.missing + stats.pending} (trong đó {stats.pending} đơn vị vẫn còn trong thời hạn nhận báo cáo)."
        )
    else:
        lines.append(f"Chưa báo cáo: {stats.missing}.")
    return lines


@dataclass(frozen=True)
class Row:
    """A row of the reporting-situation table, as text."""

    index: int
    agency: str
    received: str
    status: str


@dataclass(frozen=True)
class AnnexRow:
    """A row of the annex: one version of one agency's submission (or none)."""

    index: str
    agency: str
    version: str
    channel: str
    received: str
    files: str


@dataclass
class ReportView:
    """The consolidated report, every piece of text decided, ready for any format."""

    layout: ReportLayout
    tz: str
    number_line: str
    place_date: str
    title: str
    intro: str
    consolidation: Consolidation
    statistics_lines: list[str]
    comparison_line: str | None
    nil_line: str | None
    not_reported_line: str | None
    exempt_line: str | None
    rows: list[Row]
    annex_rows: list[AnnexRow]
    annex_note: str
    consolidator: str

    def source(self, block: AgencyBlock) -> str:
        """The source reference of a block of agency text."""
        return source_note(block.source, self.tz)


def _names(agencies) -> str:
    return "; ".join(a.name for a in agencies)


def make_view(consolidation: Consolidation, *, plan_document: dict, tz: str, now: dt.datetime) -> ReportView:
    """Decide every piece of text of the report from the consolidation and the plan's layout."""
    document = PlanDocument(plan_document)
    layout = document.report_layout()
    heading = document.heading
    consolidator = (document.consolidator.name if document.consolidator else "") or layout.issuing_body.capitalize()
    today = local(now, tz)
    r = consolidation.round
    intro = "Thực hiện"
    if heading.number:
        intro += f" Kế hoạch số {heading.number}"
        if heading.date:
            intro += f" ngày {heading.date.strftime('%d/%m/%Y')}"
        if heading.title:
            intro += f" về {heading.title[:1].lower() + heading.title[1:]}"
    else:
        intro += " kế hoạch được phê duyệt"
    intro += f"; trên cơ sở báo cáo của các cơ quan, đơn vị, {consolidator} báo cáo {r.title[:1].lower() + r.title[1:]}"
    if r.cutoff_start and r.cutoff_end:
        intro += f" (số liệu tính từ ngày {date_vi(r.cutoff_start, tz)} đến ngày {date_vi(r.cutoff_end, tz)})"
    intro += " như sau:"

    c = consolidation
    comparison = None
    if c.comparison:
        cmp = c.comparison
        comparison = (
            f"So với kỳ báo cáo trước ({cmp.previous_title}): tỷ lệ báo cáo {percent_vi(c.statistics.reporting_rate)} "
            f"so với {percent_vi(cmp.previous.reporting_rate)}"
            + (f" ({points_vi(cmp.reporting_rate_change)})" if cmp.reporting_rate_change is not None else "")
            + f"; tỷ lệ đúng hạn {percent_vi(c.statistics.on_time_rate)} so với {percent_vi(cmp.previous.on_time_rate)}"
            + (f" ({points_vi(cmp.on_time_rate_change)})" if cmp.on_time_rate_change is not None else "")
            + "."
        )
    rows = [
        Row(
            index=row.index,
            agency=row.agency.name,
            received=date_vi(row.first_received_at, tz) if row.status in ("on_time", "late", "nil") else "",
            status=status_label(row.status),
        )
        for row in c.status_rows
    ]
    annex_rows: list[AnnexRow] = []
    for i, entry in enumerate(c.annex, start=1):
        if not entry.versions:
            annex_rows.append(AnnexRow(str(i), entry.agency.name, "", "", "", status_label(entry.status)))
        for j, v in enumerate(entry.versions):
            label = f"{v.version}" + ("*" if v.counted else "")
            files = "; ".join(f"{a.original_name} ({size_vi(a.size)})" for a in v.attachments)
            if v.is_nil:
                files = "; ".join(x for x in ("Không phát sinh", files) if x)
            annex_rows.append(
                AnnexRow(
                    index=str(i) if j == 0 else "",
                    agency=entry.agency.name if j == 0 else "",
                    version=label,
                    channel=channel_label(v.channel),
                    received=datetime_vi(v.received_at, tz),
                    files=files,
                )
            )
    return ReportView(
        layout=layout,
        tz=tz,
        number_line=f"Số:{BLANK}/{layout.symbol}",
        place_date=f"{layout.place}, ngày{BLANK}tháng{BLANK}năm {today.year}",
        title=r.title,
        intro=intro,
        consolidation=c,
        statistics_lines=statistics_sentences(c.statistics),
        comparison_line=comparison,
        nil_line=f"Các cơ quan, đơn vị báo cáo không phát sinh: {_names(c.nil_agencies)}." if c.nil_agencies else None,
        not_reported_line=f"Các cơ quan, đơn vị chưa báo cáo: {_names(c.not_reported)}." if c.not_reported else None,
        exempt_line=f"Các cơ quan, đơn vị được miễn báo cáo: {_names(c.exempt_agencies)}."
        if c.exempt_agencies
        else None,
        rows=rows,
        annex_rows=annex_rows,
        consolidator=consolidator,
        annex_note="Dấu * đánh dấu lần báo cáo được dùng để tổng hợp (lần gửi sau cùng); thời điểm nhận theo giờ Việt Nam.",
    )
