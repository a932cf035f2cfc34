"""Decree 09/2019/NĐ-CP regimes over whole years: cut-off periods tile the year, due rules, report names."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

import pytest

from models.regimes import (
    CutoffRule,
    RoundKind,
    default_cutoff,
    due_by_rule,
    is_recurring,
    period_count,
    period_ending,
    period_phrase,
    report_name,
)

YEARS = range(2018, 2032)  # leap years 2020, 2024, 2028 included
ONE = dt.timedelta(days=1)


def periods(kind: RoundKind, year: int, rule: CutoffRule = CutoffRule.decree) -> list[tuple[dt.date, dt.date]]:
    out = []
    for p in range(1, period_count(kind) + 1):
        cutoff = default_cutoff(kind, year, p, rule)
        assert cutoff is not None
        out.append(cutoff)
    return out


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("kind", [RoundKind.monthly, RoundKind.quarterly])
def test_decree_periods_tile_the_reporting_year_without_gap_or_overlap(kind, year):
    spans = periods(kind, year)
    assert spans[0][0] == dt.date(year - 1, 12, 15)
    assert spans[-1][1] == dt.date(year, 12, 14)
    for (_, end), (start, _) in pairwise(spans):
        assert start == end + ONE
    assert all(start.day == 15 and end.day == 14 for start, end in spans)


@pytest.mark.parametrize("year", YEARS)
def test_every_day_of_the_reporting_year_is_in_exactly_one_month_and_one_quarter(year):
    months, quarters = periods(RoundKind.monthly, year), periods(RoundKind.quarterly, year)
    day = dt.date(year - 1, 12, 15)
    while day <= dt.date(year, 12, 14):
        in_months = [i for i, (a, b) in enumerate(months, 1) if a <= day <= b]
        in_quarters = [i for i, (a, b) in enumerate(quarters, 1) if a <= day <= b]
        assert len(in_months) == 1 and len(in_quarters) == 1, day
        assert in_quarters[0] == (in_months[0] - 1) // 3 + 1, day
        day += ONE


@pytest.mark.parametrize("year", YEARS)
def test_quarter_is_its_three_months_and_longer_periods_are_quarters(year):
    months, quarters = periods(RoundKind.monthly, year), periods(RoundKind.quarterly, year)
    for q, (start, end) in enumerate(quarters, 1):
        assert (start, end) == (months[3 * q - 3][0], months[3 * q - 1][1])
        assert end == dt.date(year, 3 * q, 14)
    assert default_cutoff(RoundKind.six_month, year) == (quarters[0][0], quarters[1][1])
    assert default_cutoff(RoundKind.nine_month, year) == (quarters[0][0], quarters[2][1])
    assert default_cutoff(RoundKind.annual, year) == (quarters[0][0], quarters[3][1])
    assert default_cutoff("six_month", year) == (dt.date(year - 1, 12, 15), dt.date(year, 6, 14))
    assert default_cutoff("nine_month", year) == (dt.date(year - 1, 12, 15), dt.date(year, 9, 14))
    assert default_cutoff("annual", year) == (dt.date(year - 1, 12, 15), dt.date(year, 12, 14))


@pytest.mark.parametrize("year", YEARS)
def test_calendar_rule_tiles_the_calendar_year(year):
    for kind in (RoundKind.monthly, RoundKind.quarterly):
        spans = periods(kind, year, CutoffRule.calendar)
        assert spans[0][0] == dt.date(year, 1, 1) and spans[-1][1] == dt.date(year, 12, 31)
        for (_, end), (start, _) in pairwise(spans):
            assert start == end + ONE
    feb = default_cutoff(RoundKind.monthly, year, 2, CutoffRule.calendar)
    assert feb is not None and feb[1].day == (29 if year % 4 == 0 else 28)
    assert default_cutoff(RoundKind.six_month, year, rule="calendar") == (dt.date(year, 1, 1), dt.date(year, 6, 30))


def test_kinds_without_a_decree_period_have_no_default():
    for kind in (RoundKind.ad_hoc, RoundKind.budget_estimate, RoundKind.other):
        assert default_cutoff(kind, 2025) is None
        assert not is_recurring(kind) and period_count(kind) == 1


@pytest.mark.parametrize("period", [None, 0, 5])
def test_a_quarter_needs_a_real_period(period):
    with pytest.raises(ValueError, match="period from 1 to 4"):
        default_cutoff(RoundKind.quarterly, 2025, period)


@pytest.mark.parametrize("year", YEARS)
def test_due_rules_over_the_year(year):
    for q in range(1, 5):
        assert due_by_rule(RoundKind.quarterly, year, q, day=15, month="last") == dt.date(year, 3 * q, 15)
        cutoff = default_cutoff(RoundKind.quarterly, year, q)
        assert cutoff is not None and due_by_rule(RoundKind.quarterly, year, q, day=15, month="last") > cutoff[1]
    # "ngày 31" is the month's last day; the month after the last quarter is January of the next year
    assert due_by_rule(RoundKind.monthly, year, 2, day=31, month="last").day == (29 if year % 4 == 0 else 28)
    assert due_by_rule(RoundKind.quarterly, year, 4, day=5, month="next") == dt.date(year + 1, 1, 5)
    assert due_by_rule(RoundKind.monthly, year, 12, day=20, month="next") == dt.date(year + 1, 1, 20)
    assert due_by_rule(RoundKind.annual, year, None, day=15, month="last") == dt.date(year, 12, 15)


def test_due_rule_needs_a_period_kind():
    with pytest.raises(ValueError, match="no period"):
        due_by_rule(RoundKind.ad_hoc, 2025, None, day=15, month="last")


def test_period_ending():
    assert [period_ending(RoundKind.quarterly, dt.date(2025, m, 14)) for m in (3, 6, 9, 12)] == [1, 2, 3, 4]
    assert period_ending(RoundKind.monthly, dt.date(2025, 7, 31)) == 7
    assert period_ending(RoundKind.annual, dt.date(2025, 12, 14)) is None


def test_report_names_in_vietnamese():
    assert [report_name(RoundKind.quarterly, q) for q in range(1, 5)] == [
        "Báo cáo quý I",
        "Báo cáo quý II",
        "Báo cáo quý III",
        "Báo cáo quý IV",
    ]
    assert report_name("monthly", 12) == "Báo cáo tháng 12"
    assert report_name(RoundKind.quarterly) == "Báo cáo quý"
    assert report_name(RoundKind.six_month) == "Báo cáo sơ kết 6 tháng"
    assert report_name(RoundKind.nine_month) == "Báo cáo 9 tháng"
    assert report_name(RoundKind.annual) == "Báo cáo tổng kết năm"
    assert report_name(RoundKind.ad_hoc) == "Báo cáo đột xuất"
    assert report_name(RoundKind.budget_estimate) == "Kế hoạch và dự toán kinh phí"
    assert period_phrase(RoundKind.quarterly, 3) == "quý III"
    assert period_phrase(RoundKind.six_month) == "6 tháng đầu năm"
    assert len({report_name(k) for k in RoundKind}) == len(RoundKind)  # every kind has its own name


def test_deadlines_default_cutoff_is_the_regimes_rule():
    from models.deadlines import default_cutoff as deadline_cutoff

    for kind in RoundKind:
        assert deadline_cutoff(kind, 2025) == (None if is_recurring(kind) else default_cutoff(kind, 2025))
    assert deadline_cutoff(RoundKind.quarterly, 2025, 2) == (dt.date(2025, 3, 15), dt.date(2025, 6, 14))
