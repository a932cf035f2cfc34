"""Where the reminder ladder puts each reminder: working days only, merges, minimum gap, maximum count."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from models.reminders import planned_reminders, press_briefing_dates
from models.reminders_config import LadderStep, ReminderLadder
from models.workdays import WorkCalendar

TZ = "Asia/Ho_Chi_Minh"
VN = ZoneInfo(TZ)
CAL = WorkCalendar()
D = dt.date


def plan_of(due, ladder=None, cal=CAL, **window):
    return [
        (r.step, r.send_at.isoformat(), r.kind, r.escalate)
        for r in planned_reminders(due=due, ladder=ladder or ReminderLadder(), calendar=cal, tz=TZ, **window)
    ]


def days_of(due, ladder=None, cal=CAL, **window):
    return {
        r.step: r.on
        for r in planned_reminders(due=due, ladder=ladder or ReminderLadder(), calendar=cal, tz=TZ, **window)
    }


def ladder(*steps, **limits):
    return ReminderLadder(steps=list(steps), **limits)


def test_six_month_round_2018():
    # D = Friday 15/6/2018 ("trước ngày 15/6"), default ladder at 08:00 local.
    assert plan_of(D(2018, 6, 15)) == [
        ("before-7", "2018-06-06T08:00:00+07:00", "before", False),
        ("before-3", "2018-06-12T08:00:00+07:00", "before", False),
        ("last-day", "2018-06-14T08:00:00+07:00", "last_day", False),
        ("overdue-1", "2018-06-18T08:00:00+07:00", "after", False),
        ("overdue-3", "2018-06-20T08:00:00+07:00", "after", True),
    ]


def test_annual_round_2018():
    # D = Thursday 15/11/2018 ("trước ngày 15/11").
    assert plan_of(D(2018, 11, 15)) == [
        ("before-7", "2018-11-06T08:00:00+07:00", "before", False),
        ("before-3", "2018-11-12T08:00:00+07:00", "before", False),
        ("last-day", "2018-11-14T08:00:00+07:00", "last_day", False),
        ("overdue-1", "2018-11-16T08:00:00+07:00", "after", False),
        ("overdue-3", "2018-11-20T08:00:00+07:00", "after", True),
    ]


def test_one_working_day_before_friday_is_thursday():
    one = ladder(LadderStep(step="before-1", working_days_before=1))
    assert days_of(D(2018, 6, 15), one) == {"before-1": D(2018, 6, 14)}


def test_due_date_on_a_weekend():
    # D = Sunday 15/7/2018: the last day is Friday 13/7; D counts as day 0, so 1 day late is Monday 16/7.
    assert days_of(D(2018, 7, 15)) == {
        "before-7": D(2018, 7, 5),
        "before-3": D(2018, 7, 11),
        "last-day": D(2018, 7, 13),
        "overdue-1": D(2018, 7, 16),
        "overdue-3": D(2018, 7, 18),
    }


def test_due_date_on_a_holiday_weekend_counts_after_steps_from_d():
    # D = Saturday 1/9/2018; 2/9 (Sunday) and 3/9 (observed) are off: 1 day late is Tuesday 4/9.
    assert days_of(D(2018, 9, 1))["overdue-1"] == D(2018, 9, 4)
    assert days_of(D(2018, 9, 1))["last-day"] == D(2018, 8, 31)


def test_steps_that_land_on_holidays_move():
    # D = Wednesday 2/5/2018: 1/5, 30/4 and the weekend are off, 25/4 too.
    days = days_of(D(2018, 5, 2))
    assert days["last-day"] == D(2018, 4, 27)  # previous working day, not 1/5
    assert days["before-3"] == D(2018, 4, 24)  # 27, 26, (25/4 Giỗ Tổ), 24
    # D = Tuesday 13/2/2018, the eve of Tết: late reminders wait for the end of Tết.
    days = days_of(D(2018, 2, 13))
    assert days["overdue-1"] == D(2018, 2, 21)
    assert days["overdue-3"] == D(2018, 2, 23)
    for day in days.values():
        assert CAL.is_working_day(day)


def test_steps_on_the_same_day_merge_keeping_the_most_urgent():
    steps = [
        LadderStep(step="before-1", working_days_before=1),
        LadderStep(step="last-day", last_day=True),
        LadderStep(step="overdue-1", working_days_after=1),
    ]
    assert [s for s, *_ in plan_of(D(2018, 6, 15), ladder(*steps))] == ["last-day", "overdue-1"]
    steps[0] = LadderStep(step="before-1", working_days_before=1, escalate=True)
    assert [s for s, *_ in plan_of(D(2018, 6, 15), ladder(*steps))] == ["before-1", "overdue-1"]


def test_minimum_gap_drops_the_earlier_reminder():
    # 6/6, 12/6, 14/6, 18/6, 20/6 with a 3-day gap: from the end, 18/6 and 12/6 are too close to the next kept one.
    assert [s for s, *_ in plan_of(D(2018, 6, 15), ReminderLadder(min_gap_days=3))] == [
        "before-7",
        "last-day",
        "overdue-3",
    ]
    assert len(plan_of(D(2018, 6, 15), ReminderLadder(min_gap_days=0))) == 5


def test_maximum_count_keeps_the_first_ones():
    assert [s for s, *_ in plan_of(D(2018, 6, 15), ReminderLadder(max_count=2))] == ["before-7", "before-3"]


def test_window_of_the_round():
    tz = VN
    # opened on 7/6: nothing on or before the opening day; locked 19/6 00:00: nothing from then on.
    steps = [
        s
        for s, *_ in plan_of(
            D(2018, 6, 15), opens_at=dt.datetime(2018, 6, 6, tzinfo=tz), lock_at=dt.datetime(2018, 6, 19, tzinfo=tz)
        )
    ]
    assert steps == ["before-3", "last-day", "overdue-1"]


def test_send_hour_and_offset():
    first = planned_reminders(due=D(2018, 6, 15), ladder=ReminderLadder(send_hour=14), calendar=CAL, tz=TZ)[0]
    assert first.send_at == dt.datetime(2018, 6, 6, 14, tzinfo=VN)
    assert first.send_at.utcoffset() == dt.timedelta(hours=7)


def test_step_names_must_be_unique():
    with pytest.raises(ValueError, match="repeated: x"):
        ladder(LadderStep(step="x", last_day=True), LadderStep(step="x", working_days_after=1))


def test_press_briefing_dates_move_to_working_days():
    # 1/1 New Year, 1/4 and 1/7 Sundays, 1/10 Monday.
    assert press_briefing_dates(year=2018, months=[1, 4, 7, 10], day=1, calendar=CAL) == [
        D(2018, 1, 2),
        D(2018, 4, 2),
        D(2018, 7, 2),
        D(2018, 10, 1),
    ]
    # 15th of a Tết month, and a day past the end of June.
    assert press_briefing_dates(year=2018, months=[2], day=15, calendar=CAL) == [D(2018, 2, 21)]
    assert press_briefing_dates(year=2018, months=[6], day=31, calendar=CAL) == [D(2018, 7, 2)]
