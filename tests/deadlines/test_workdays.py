"""The Vietnamese working-day calendar over all of 2018, with the plan's own swaps."""

from __future__ import annotations

import datetime as dt

import pytest

from models.plan import CalendarConfig
from models.workdays import WorkCalendar

D = dt.date
# Days off of 2018 besides weekends: New Year, Tết Mậu Tuất (14–20/2), Giỗ Tổ Hùng Vương (25/4),
# 30/4–1/5, Quốc khánh 2/9 (a Sunday) observed on Monday 3/9, and 31/12 (swapped with Saturday 5/1/2019).
HOLIDAYS_2018 = {
    D(2018, 1, 1),
    *(D(2018, 2, d) for d in range(14, 21)),
    D(2018, 4, 25),
    D(2018, 4, 30),
    D(2018, 5, 1),
    D(2018, 9, 2),
    D(2018, 9, 3),
    D(2018, 12, 31),
}


def every_day(year: int):
    day = D(year, 1, 1)
    while day.year == year:
        yield day
        day += dt.timedelta(days=1)


def test_every_day_of_2018_is_classified():
    cal = WorkCalendar()
    wrong = [d for d in every_day(2018) if cal.is_working_day(d) != (d.weekday() < 5 and d not in HOLIDAYS_2018)]
    assert wrong == []
    assert sum(cal.is_working_day(d) for d in every_day(2018)) == 261 - 11  # weekdays minus holidays on weekdays
    assert cal.days_off(2018) == sorted({d for d in every_day(2018) if d.weekday() >= 5} | HOLIDAYS_2018)


@pytest.mark.parametrize(
    "day, name",
    [
        (D(2018, 2, 16), "Tết Nguyên Đán"),
        (D(2018, 4, 25), "Ngày Giỗ Tổ Hùng Vương"),
        (D(2018, 9, 3), "Quốc khánh (nghỉ bù)"),
    ],
)
def test_holidays_have_vietnamese_names(day, name):
    assert WorkCalendar().holiday_name(day) == name


def test_make_up_saturday_from_the_package_is_a_working_day():
    cal = WorkCalendar()
    assert cal.is_working_day(D(2019, 1, 5))  # Saturday worked for the day off on 31/12/2018
    assert not cal.is_working_day(D(2019, 1, 6))
    assert cal.next_working_day(D(2018, 12, 28)) == D(2019, 1, 2)


def test_plan_extra_working_saturday_and_extra_day_off():
    cal = WorkCalendar.from_config(CalendarConfig(extra_working_days=[D(2018, 6, 9)], extra_days_off=[D(2018, 6, 11)]))
    assert cal.is_working_day(D(2018, 6, 9))  # a Saturday made a working day
    assert not cal.is_working_day(D(2018, 6, 11))  # a Monday given off
    assert WorkCalendar().add_working_days(D(2018, 6, 15), -7) == D(2018, 6, 6)
    # 14, 13, 12, (11 off), (10 Sunday), 9 Saturday worked, 8, 7, 6: the swap cancels out
    assert cal.add_working_days(D(2018, 6, 15), -7) == D(2018, 6, 6)
    saturday_only = WorkCalendar(extra_working_days=[D(2018, 6, 9)])
    # 14, 13, 12, 11, (10 Sunday), 9 Saturday worked, 8, 7
    assert saturday_only.add_working_days(D(2018, 6, 15), -7) == D(2018, 6, 7)
    assert saturday_only.working_days_between(D(2018, 6, 4), D(2018, 6, 11)) == 6


def test_a_day_cannot_be_both_off_and_worked():
    with pytest.raises(ValueError, match="2018-06-09"):
        WorkCalendar(extra_days_off=[D(2018, 6, 9)], extra_working_days=[D(2018, 6, 9)])


def test_walking_working_days():
    cal = WorkCalendar()
    assert cal.add_working_days(D(2018, 6, 15), -1) == D(2018, 6, 14)  # 1 working day before Friday 15/6 is Thursday
    assert cal.add_working_days(D(2018, 6, 15), 1) == D(2018, 6, 18)
    assert cal.add_working_days(D(2018, 6, 16), 0) == D(2018, 6, 16)
    assert cal.previous_working_day(D(2018, 5, 2)) == D(2018, 4, 27)  # back over 1/5, 30/4 and a weekend
    assert cal.next_working_day(D(2018, 2, 13)) == D(2018, 2, 21)  # over Tết
    assert cal.previous_working_day(D(2018, 1, 2)) == D(2017, 12, 29)  # across the year
    assert cal.add_working_days(D(2018, 9, 6), -3) == D(2018, 8, 31)  # over 3/9 observed and the weekend


def test_working_days_between():
    cal = WorkCalendar()
    assert cal.working_days_between(D(2018, 6, 11), D(2018, 6, 15)) == 4
    assert cal.working_days_between(D(2018, 6, 15), D(2018, 6, 11)) == -4
    assert cal.working_days_between(D(2018, 2, 12), D(2018, 2, 23)) == 4  # 12, 13, 21, 22
    assert cal.working_days_between(D(2018, 1, 1), D(2019, 1, 1)) == 250
