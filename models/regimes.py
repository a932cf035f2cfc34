"""Reporting regimes of Decree 09/2019/NĐ-CP: round kinds, their periods, data cut-off and due rules (pure).

Decree 09/2019/NĐ-CP (Article 12) fixes the data cut-off of each periodic report:

- monthly: from the 15th of the previous month to the 14th of the reporting month;
- quarterly: from the 15th of the last month of the previous quarter to the 14th of the quarter's
  last month;
- six-month: from 15/12 of the previous year to 14/6;
- nine-month (common in plans though not listed in the Decree; by analogy): 15/12 to 14/9;
- annual: from 15/12 of the previous year to 14/12.

Ad-hoc, budget-estimate and other rounds have no default: the plan gives their dates. A plan may
also choose whole calendar periods (1/1–31/3, ...) instead of the Decree's 15th-to-14th.
Nothing here reads the clock or imports the plan models, so `models/plan.py` can use it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from enum import StrEnum


class RoundKind(StrEnum):
    """The reporting frequency of a round (Decree 09/2019/NĐ-CP), plus explicit-date kinds."""

    monthly = "monthly"
    quarterly = "quarterly"
    six_month = "six_month"
    nine_month = "nine_month"
    annual = "annual"
    ad_hoc = "ad_hoc"
    budget_estimate = "budget_estimate"
    other = "other"  # any other round: the plan gives every date


class CutoffRule(StrEnum):
    """How a recurring round's data cut-off period is drawn."""

    decree = "decree"  # Decree 09/2019: the 15th of the month before the period to the 14th of its last month
    calendar = "calendar"  # the whole calendar period: its first day to its last day


# Kinds that repeat within a year, with the number of periods a year has.
PERIODS_PER_YEAR: dict[RoundKind, int] = {RoundKind.monthly: 12, RoundKind.quarterly: 4}
# Kinds whose period is fixed by the Decree: (first month, last month) of the year.
_FIXED_MONTHS: dict[RoundKind, tuple[int, int]] = {
    RoundKind.six_month: (1, 6),
    RoundKind.nine_month: (1, 9),
    RoundKind.annual: (1, 12),
}
ROMAN = ("I", "II", "III", "IV")

# What an official calls each kind of report (one source for every label; see `report_name`).
KIND_LABELS: dict[RoundKind, str] = {
    RoundKind.monthly: "Báo cáo tháng",
    RoundKind.quarterly: "Báo cáo quý",
    RoundKind.six_month: "Báo cáo sơ kết 6 tháng",
    RoundKind.nine_month: "Báo cáo 9 tháng",
    RoundKind.annual: "Báo cáo tổng kết năm",
    RoundKind.ad_hoc: "Báo cáo đột xuất",
    RoundKind.budget_estimate: "Kế hoạch và dự toán kinh phí",
    RoundKind.other: "Báo cáo",
}


def is_recurring(kind: RoundKind | str) -> bool:
    """True for the kinds that repeat within a year (monthly, quarterly)."""
    return RoundKind(kind) in PERIODS_PER_YEAR


def period_count(kind: RoundKind | str) -> int:
    """Periods a year has for `kind` (12 monthly, 4 quarterly, 1 otherwise)."""
    return PERIODS_PER_YEAR.get(RoundKind(kind), 1)


def _check_period(kind: RoundKind, period: int | None) -> int:
    if kind in PERIODS_PER_YEAR:
        if period is None or not 1 <= period <= PERIODS_PER_YEAR[kind]:
            raise ValueError(f"a {kind.value} round needs a period from 1 to {PERIODS_PER_YEAR[kind]}, got {period!r}")
        return period
    return 1


def period_months(kind: RoundKind | str, period: int | None = None) -> tuple[int, int] | None:
    """First and last month of the reporting period (None for kinds with no period of their own)."""
    kind = RoundKind(kind)
    if kind is RoundKind.monthly:
        p = _check_period(kind, period)
        return p, p
    if kind is RoundKind.quarterly:
        p = _check_period(kind, period)
        return 3 * p - 2, 3 * p
    return _FIXED_MONTHS.get(kind)


def _month_before(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _month_after(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def day_in_month(year: int, month: int, day: int) -> dt.date:
    """`day` of the month, or its last day when the month is shorter ('ngày 31' in April is 30/4)."""
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def default_cutoff(
    kind: RoundKind | str, year: int, period: int | None = None, rule: CutoffRule | str = CutoffRule.decree
) -> tuple[dt.date, dt.date] | None:
    """The data cut-off period (first and last day, inclusive) of a round of `kind` in `year`.

    Monthly and quarterly rounds need their `period` (month 1–12, quarter 1–4). None for ad-hoc,
    budget-estimate and other rounds, whose dates the plan sets.
    """
    months = period_months(kind, period)
    if months is None:
        return None
    first, last = months
    if CutoffRule(rule) is CutoffRule.calendar:
        return dt.date(year, first, 1), day_in_month(year, last, 31)
    start_year, start_month = _month_before(year, first)
    return dt.date(start_year, start_month, 15), dt.date(year, last, 14)


def due_by_rule(kind: RoundKind | str, year: int, period: int | None, *, day: int, month: str) -> dt.date:
    """The due date 'on the `day`th of the period's last month' (`month`='last') or of the month after ('next')."""
    months = period_months(kind, period)
    if months is None:
        raise ValueError(f"a {RoundKind(kind).value} round has no period to place its due date in")
    y, m = year, months[1]
    if month == "next":
        y, m = _month_after(y, m)
    elif month != "last":
        raise ValueError(f"month must be 'last' or 'next', got {month!r}")
    return day_in_month(y, m, day)


def period_phrase(kind: RoundKind | str, period: int | None = None) -> str:
    """The period as a title says it: 'tháng 3', 'quý II', '6 tháng đầu năm', '9 tháng', 'năm'; '' otherwise."""
    kind = RoundKind(kind)
    if kind is RoundKind.monthly:
        return f"tháng {_check_period(kind, period)}"
    if kind is RoundKind.quarterly:
        return f"quý {ROMAN[_check_period(kind, period) - 1]}"
    return {RoundKind.six_month: "6 tháng đầu năm", RoundKind.nine_month: "9 tháng", RoundKind.annual: "năm"}.get(
        kind, ""
    )


def report_name(kind: RoundKind | str, period: int | None = None) -> str:
    """What the report is called: 'Báo cáo quý I', 'Báo cáo tháng 3', 'Báo cáo sơ kết 6 tháng', ..."""
    kind = RoundKind(kind)
    if kind in PERIODS_PER_YEAR and period is not None:
        return f"Báo cáo {period_phrase(kind, period)}"
    return KIND_LABELS[kind]


def period_ending(kind: RoundKind | str, day: dt.date) -> int | None:
    """The month (monthly) or quarter (quarterly) whose data cut-off period ends on `day`'s month; None otherwise."""
    kind = RoundKind(kind)
    if kind is RoundKind.monthly:
        return day.month
    if kind is RoundKind.quarterly:
        return (day.month - 1) // 3 + 1
    return None
