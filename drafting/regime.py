"""Reporting rounds from a plan's words: 'báo cáo 6 tháng trước ngày 15/6', 'hằng quý (trước ngày 15
của tháng cuối quý)', 'báo cáo đột xuất theo yêu cầu'.

Pure: text, its line and the plan's year and date in, round specifications out. A period with no
deadline it can read, or a date with no year it can infer, comes out with a `todo` instead of a
date. The data cut-off periods follow Decree 09/2019/NĐ-CP (`cutoff`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, replace

from drafting.vntext import fold

KINDS = ("monthly", "quarterly", "six_month", "nine_month", "annual", "ad_hoc")


@dataclass(frozen=True)
class RoundSpec:
    """One reporting round the regime sets (or a period it names without a usable deadline)."""

    kind: str
    due: dt.date | None
    line: int
    source: str  # the words it comes from
    period: int | None = None  # the month (monthly) or quarter (quarterly)
    todo: str | None = None
    cutoff: tuple[dt.date, dt.date] | None = None  # the data cut-off the plan states, when it states one


def _c(pattern: str) -> str:
    """A pattern written in Vietnamese, for folded text (named groups survive the fold)."""
    return fold(pattern).replace("(?p<", "(?P<")


_KEYWORDS: list[tuple[str, bool, str]] = [  # (kind, weak, pattern): a weak word counts only with a deadline
    ("nine_month", False, _c(r"\b(?:9|chín)\s+tháng\b")),
    ("six_month", False, _c(r"\b(?:6|sáu)\s+tháng\b|\bnửa năm\b")),
    ("six_month", True, _c(r"\bsơ kết\b")),
    ("quarterly", False, _c(r"\b(?:hằng|hàng|mỗi|theo|định kỳ)\s+quý\b|\bbáo cáo\s+quý\b|\bquý\s*,")),
    ("monthly", False, _c(r"\b(?:hằng|hàng|mỗi|định kỳ)\s+tháng\b|\bbáo cáo\s+tháng\b")),
    (
        "annual",
        False,
        _c(r"\b(?:báo cáo|hằng|hàng|cả|tổng kết)\s+năm\b(?!\s*\d)|(?:\bvà\b|,)\s*năm(?=\s*\(|\s+trước|\s+chậm|\s*:)"),
    ),
    ("annual", True, _c(r"\btổng kết\b")),
    ("ad_hoc", False, _c(r"\bđột xuất\b")),
]
_KEYWORD_RX = re.compile("|".join(f"(?P<k{i}>{p})" for i, (_, _, p) in enumerate(_KEYWORDS)))

_LEAD = _c(r"(?:trước|chậm nhất(?:\s+là)?|không quá|hạn chót|trước hoặc vào|vào|trong)\s+(?:ngày\s+)?")
_DATE = re.compile(
    _LEAD
    + r"(?P<d>\d{1,2})\s*(?:/|-|\.|\s+"
    + _c("tháng")
    + r"\s+)\s*(?P<m>\d{1,2})(?:\s*(?:/|-|\.|\s+"
    + _c("năm")
    + r"\s+)\s*(?P<y>\d{4}))?(?P<next>\s+"
    + _c(r"(?:của\s+)?năm\s+(?:sau|tiếp theo|kế tiếp)")
    + r")?"
)
# More dates listed after one ('trước ngày 15/6 và 15/12'): the same shape without the lead words.
_DATE_MORE = re.compile(
    r"\s*(?:,|" + _c("và") + r"|;)\s*(?:" + _c("ngày") + r"\s+)?(?P<d>\d{1,2})\s*(?:/|-|\.)\s*(?P<m>\d{1,2})"
    r"(?:\s*(?:/|-|\.)\s*(?P<y>\d{4}))?"
)
_QUARTER_RULE = re.compile(
    _LEAD
    + r"(?P<d>\d{1,2})\s+"
    + _c(
        r"(?:của\s+)?(?:hằng\s+|hàng\s+)?tháng\s+(?P<which>cuối|đầu)\s+(?:của\s+)?(?:mỗi\s+)?quý(?P<after>\s+sau|\s+tiếp theo|\s+kế tiếp)?"
    )
)
_MONTH_RULE = re.compile(
    _LEAD + r"(?P<d>\d{1,2})\s+" + _c(r"(?:của\s+)?(?:hằng|hàng|mỗi|các)\s+tháng(?P<after>\s+sau|\s+tiếp theo)?")
)
_MONTH_RULE2 = re.compile(_LEAD + r"(?P<d>\d{1,2})\s+" + _c(r"(?:của\s+)?tháng\s+(?P<after>sau|tiếp theo|kế tiếp)"))
_DEADLINE_WORDS = re.compile(
    _c(
        r"(?:trước|chậm nhất|hạn chót|không quá)\s+(?:ngày|tuần|thời điểm|cuối)[^.;,()]*?(?=[.;,()]|\s+và\s|\s+hoặc\s|$)"
    )
)
_AD_HOC = re.compile(_c(r"(?:báo cáo\s+)?đột xuất(?:\s+(?:khi|theo)\s+(?:có\s+)?yêu cầu(?:\s+của\s+[^.,;()]+)?)?"))


@dataclass
class _Hit:
    kind: str
    weak: bool
    start: int
    end: int
    dates: list[tuple[int, int, re.Match, str]]  # (start, end, match, rule) rule: date|quarter|month|words


def states_deadline(text: str) -> bool:
    """Whether `text` names a reporting period or a deadline (a regime's sentence, not a task)."""
    f = fold(text)
    return any(rx.search(f) for rx in (_KEYWORD_RX, _DATE, _QUARTER_RULE, _MONTH_RULE))


def read_regime(text: str, line: int, year: int | None, plan_date: dt.date | None) -> list[RoundSpec]:
    """The rounds one paragraph of a reporting regime sets."""
    f = fold(text)
    hits: list[_Hit] = []
    for m in _KEYWORD_RX.finditer(f):
        i = int(next(k for k, v in m.groupdict().items() if v is not None)[1:])
        kind, weak, _ = _KEYWORDS[i]
        hits.append(_Hit(kind, weak, m.start(), m.end(), []))
    if not hits:
        # A report asked for by a date, with no period named ('báo cáo kết quả … trước ngày 15/11/2024'):
        # the date is the document's, the kind of report is not said.
        if fold("báo cáo") in f and (d := _DATE.search(f)):
            hits.append(_Hit("unspecified", False, d.start(), d.start(), []))
        else:
            return []
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, int, re.Match, str]] = []
    for rule, rx in (("quarter", _QUARTER_RULE), ("month", _MONTH_RULE), ("month", _MONTH_RULE2), ("date", _DATE)):
        for m in rx.finditer(f):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append((m.start(), m.end(), m, rule))
    for m in _DEADLINE_WORDS.finditer(f):
        if not any(s < m.end() and m.start() < e for s, e in taken):
            found.append((m.start(), m.end(), m, "words"))
    for item in [x for x in found if x[3] == "date"]:
        end = item[1]
        while (more := _DATE_MORE.match(f, end)) is not None:
            found.append((more.start(), more.end(), more, "date"))
            end = more.end()
    found.sort(key=lambda x: x[0])
    for item in found:
        before = [h for h in hits if h.end <= item[0]]
        # A deadline belongs to the period named just before it in the same sentence, else to the next
        # one; across a ';' it opens a new clause, and belongs to a period named later in that clause.
        target = before[-1] if before and "." not in f[before[-1].end : item[0]] else None
        if target is not None and ";" in f[target.end : item[0]]:
            clause_end = min([k for k in (f.find(";", item[1]), f.find(".", item[1])) if k != -1] or [len(f)])
            later = [h for h in hits if item[1] <= h.start < clause_end and not h.dates and h.kind != "ad_hoc"]
            if later:
                target = later[0]
        if target is None:
            after = [h for h in hits if h.start >= item[1] and not h.dates]
            target = after[0] if after else None
        if target is not None and target.kind != "ad_hoc":
            target.dates.append(item)
    # 'Báo cáo 6 tháng và năm trước ngày 15/6 và 15/12': periods named together, their dates listed
    # together afterwards, in the same order.
    for n, h in enumerate(hits):
        if len(h.dates) > 1 and h.kind not in ("quarterly", "monthly"):
            waiting = []
            for prev in reversed(hits[:n]):
                if prev.dates or prev.kind in ("ad_hoc", "quarterly", "monthly") or prev.weak:
                    break
                waiting.insert(0, prev)
            if waiting and len(waiting) + 1 == len(h.dates):
                for target, date in zip([*waiting, h], list(h.dates), strict=True):
                    target.dates = [date]
    out: list[RoundSpec] = []
    for h in hits:
        if h.kind == "ad_hoc":
            m = _AD_HOC.search(f, h.start - 8 if h.start >= 8 else 0)
            src = text[m.start() : m.end()] if m else text[h.start : h.end]
            out.append(RoundSpec("ad_hoc", None, line, src.strip()))
            continue
        if not h.dates:
            if not h.weak:
                out.append(RoundSpec(h.kind, None, line, text[h.start : h.end], todo="no deadline in the text"))
            continue
        stated = _stated_cutoff(f, h, hits)
        out.extend(replace(r, cutoff=_cutoff_dates(stated, r.due)) if stated and r.due else r
                   for r in _rounds(h, text, line, year, plan_date))  # fmt: skip
    return out


# 'Thời gian chốt số liệu: từ ngày 15/12/2023 đến ngày 14/6/2024', 'số liệu tính từ 01/01 đến 31/5'
_STATED_CUTOFF = re.compile(
    _c(r"(?:chốt số liệu|số liệu(?:\s+báo cáo)?(?:\s+tính)?)[^.;]*?từ\s+(?:ngày\s+)?")
    + r"(?P<d1>\d{1,2})/(?P<m1>\d{1,2})(?:/(?P<y1>\d{4}))?(?P<prev>\s+"
    + _c(r"(?:của\s+)?năm\s+trước")
    + r")?\s+"
    + _c(r"đến\s+(?:ngày\s+)?")
    + r"(?P<d2>\d{1,2})/(?P<m2>\d{1,2})(?:/(?P<y2>\d{4}))?"
)


def _stated_cutoff(f: str, h: _Hit, hits: list[_Hit]) -> re.Match | None:
    """A cut-off the plan states for period `h`: after it, before the next period, in the same sentence."""
    later = [x.start for x in hits if x.start > h.end]
    end = min([*later, *(k for k in (f.find(".", h.end),) if k != -1), len(f)])
    return _STATED_CUTOFF.search(f, h.end, end)


def _cutoff_dates(m: re.Match, due: dt.date) -> tuple[dt.date, dt.date] | None:
    end_year = int(m["y2"]) if m["y2"] else due.year
    end = _safe_date(end_year, int(m["m2"]), int(m["d2"]))
    if end is None:
        return None
    if m["y1"]:
        start_year = int(m["y1"])
    else:
        earlier = (int(m["m1"]), int(m["d1"])) > (end.month, end.day)
        start_year = end_year - 1 if m["prev"] or earlier else end_year
    start = _safe_date(start_year, int(m["m1"]), int(m["d1"]))
    return (start, end) if start and start <= end else None


def _year_for(m: re.Match, year: int | None) -> tuple[int | None, str | None]:
    if m.groupdict().get("y"):
        return int(m["y"]), None
    if year is None:
        return None, "the deadline has no year and the plan's year is unknown"
    return year + (1 if m.groupdict().get("next") else 0), None


def _safe_date(y: int, mth: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, mth, d)
    except ValueError:
        return None


def _rounds(h: _Hit, text: str, line: int, year: int | None, plan_date: dt.date | None) -> list[RoundSpec]:
    out: list[RoundSpec] = []
    for start, end, m, rule in h.dates:
        src = text[h.start : end]
        if rule == "words":
            out.append(
                RoundSpec(h.kind, None, line, text[start:end].strip(), todo="a deadline in words it cannot read")
            )
            continue
        if year is None and rule != "date":
            out.append(RoundSpec(h.kind, None, line, src, todo="the plan's year is unknown"))
            continue
        if rule == "quarter" and h.kind == "quarterly" and year is not None:
            day = int(m["d"])
            for q in range(1, 5):
                month = 3 * q if m["which"] == fold("cuối") else 3 * q - 2
                if m["after"] or m["which"] == fold("đầu"):
                    month = 3 * q + 1
                y = year + (month - 1) // 12
                due = _safe_date(y, (month - 1) % 12 + 1, day)
                out.append(RoundSpec("quarterly", due, line, src, period=q, todo=None if due else "impossible date"))
            continue
        if rule == "month" and h.kind == "monthly" and year is not None:
            day = int(m["d"])
            for month in range(1, 13):
                after = 1 if m["after"] else 0
                y, mm = year + (month + after - 1) // 12, (month + after - 1) % 12 + 1
                day_ok = min(day, calendar.monthrange(y, mm)[1])
                out.append(RoundSpec("monthly", dt.date(y, mm, day_ok), line, src, period=month))
            continue
        if rule != "date":
            out.append(RoundSpec(h.kind, None, line, src, todo="a deadline rule that does not fit this period"))
            continue
        y, why = _year_for(m, year)
        if y is None:
            out.append(RoundSpec(h.kind, None, line, src, todo=why))
            continue
        due = _safe_date(y, int(m["m"]), int(m["d"]))
        if due is None:
            out.append(RoundSpec(h.kind, None, line, src, todo="impossible date"))
            continue
        period = None
        if h.kind == "quarterly":  # a date in a quarter's last month closes it; earlier, the one before
            period = due.month // 3 if due.month % 3 == 0 else ((due.month - 1) // 3 or 4)
        out.append(RoundSpec(h.kind, due, line, src, period=period))
    if h.kind not in ("quarterly", "monthly") and len([r for r in out if r.due]) > 1:
        # one period, several dates: keep the first, the others are not this round's
        first = next(r for r in out if r.due)
        out = [first]
    return out


def budget_deadline(text: str, line: int, year: int | None) -> RoundSpec | None:
    """The budget-estimate round when the funding section sets a date ('gửi Sở Tài chính trước ngày 30/4')."""
    m = _DATE.search(fold(text))
    if m is None:
        return None
    y, why = _year_for(m, year)
    due = _safe_date(y, int(m["m"]), int(m["d"])) if y is not None else None
    source = text[m.start() : m.end()]
    return RoundSpec("budget_estimate", due, line, source, todo=None if due else (why or "impossible date"))


def merge_rounds(specs: list[RoundSpec], plan_date: dt.date | None) -> tuple[list[RoundSpec], list[str]]:
    """One round per period: the first with a deadline wins; a quarter whose report is the 6-month,
    9-month or annual one is left to it; periods due before the plan was issued are dropped.
    Returns the rounds and notes on what was dropped."""
    notes: list[str] = []
    out: list[RoundSpec] = []
    seen: set[tuple[str, int | None]] = set()
    dated_kinds = {s.kind for s in specs if s.due or s.kind == "ad_hoc"}
    for s in specs:
        if s.due is None and s.kind != "ad_hoc" and s.kind in dated_kinds:
            continue  # the same period has a deadline elsewhere
        key = (s.kind, s.period)
        if key in seen:
            continue
        seen.add(key)
        out.append(s)
    longer = {s.due for s in out if s.kind in ("six_month", "nine_month", "annual") and s.due}
    kept = []
    early: dict[str, list[str]] = {}
    for s in out:
        if s.kind in ("quarterly", "monthly") and s.due in longer:
            notes.append(f"{s.kind} {s.period}: due {s.due}, the same day as a longer period's report, left to it")
            continue
        if s.kind in ("quarterly", "monthly") and s.due and plan_date and s.due <= plan_date:
            early.setdefault(s.kind, []).append(str(s.period))
            continue
        kept.append(s)
    for kind, periods in early.items():
        notes.append(f"{kind} periods {', '.join(periods)}: due before the plan's date {plan_date}, not drafted")
    return kept, notes


def cutoff(kind: str, due: dt.date, period: int | None) -> tuple[dt.date, dt.date] | None:
    """Decree 09/2019's data cut-off period for a round of `kind` due on `due`, ending before `due`."""
    y = due.year
    if kind == "monthly" and period:
        ry = y if due.month >= period else y - 1  # a report due early next month covers this month
        start = dt.date(ry, period - 1, 15) if period > 1 else dt.date(ry - 1, 12, 15)
        end = dt.date(ry, period, 14)
    elif kind == "quarterly" and period:
        last = 3 * period
        ry = y if due.month >= last else y - 1
        start = dt.date(ry, last - 3, 15) if period > 1 else dt.date(ry - 1, 12, 15)
        end = dt.date(ry, last, 14)
    elif kind in ("six_month", "nine_month", "annual"):
        start = dt.date(y - 1, 12, 15)
        end = dt.date(y, {"six_month": 6, "nine_month": 9, "annual": 12}[kind], 14)
        if due.month == 1 and kind == "annual":  # an annual report due in January covers the year before
            start, end = dt.date(y - 2, 12, 15), dt.date(y - 1, 12, 14)
    else:
        return None
    end = min(end, due - dt.timedelta(days=1))
    return (start, end) if start <= end else None
