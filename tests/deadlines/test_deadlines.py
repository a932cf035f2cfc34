"""Round instants, Decree 09/2019 cut-off periods, lateness, lock, and the time left shown to people."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from models.deadlines import accepts, default_cutoff, is_late, local_midnight, round_instants, status_for, time_left
from models.plan import Round, RoundKind
from models.tables import AgencyStatus
from models.workdays import WorkCalendar

TZ = "Asia/Ho_Chi_Minh"
VN = ZoneInfo(TZ)
UTC = dt.UTC


def at(y, m, d, h=0, mi=0, s=0, tz=VN):
    return dt.datetime(y, m, d, h, mi, s, tzinfo=tz)


def test_default_cutoff_periods_of_decree_09_2019():
    assert default_cutoff(RoundKind.six_month, 2018) == (dt.date(2017, 12, 15), dt.date(2018, 6, 14))
    assert default_cutoff("annual", 2018) == (dt.date(2017, 12, 15), dt.date(2018, 12, 14))
    assert default_cutoff(RoundKind.ad_hoc, 2018) is None
    assert default_cutoff(RoundKind.budget_estimate, 2018) is None


def test_round_instants_are_local_midnights():
    r = Round(
        key="six-month-2018",
        kind=RoundKind.six_month,
        title="6 tháng",
        opens=dt.date(2018, 5, 15),
        due=dt.date(2018, 6, 15),
        lock=dt.date(2018, 6, 29),
    )
    inst = round_instants(r, TZ)
    assert inst.due_at == at(2018, 6, 15)
    assert inst.due_at.isoformat() == "2018-06-15T00:00:00+07:00"
    assert inst.due_at.astimezone(UTC) == dt.datetime(2018, 6, 14, 17, tzinfo=UTC)
    assert inst.opens_at == local_midnight(dt.date(2018, 5, 15), TZ)
    assert inst.lock_at == at(2018, 6, 29)


def test_late_from_d_midnight_local():
    due = at(2018, 6, 15)
    assert not is_late(at(2018, 6, 14, 23, 59, 59), due)
    assert is_late(at(2018, 6, 15), due)
    # the same instant written in UTC
    assert is_late(dt.datetime(2018, 6, 14, 17, 0, tzinfo=UTC), due)
    assert not is_late(dt.datetime(2018, 6, 14, 16, 59, 59, tzinfo=UTC), due)


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="aware"):
        is_late(dt.datetime(2018, 6, 14, 12), at(2018, 6, 15))


def test_accepts_until_the_lock_instant():
    lock = at(2018, 6, 29)
    assert accepts(at(2018, 6, 28, 23, 59), lock)
    assert not accepts(at(2018, 6, 29), lock)


@pytest.mark.parametrize(
    "received, is_nil, expected",
    [
        (at(2018, 6, 14, 16), False, AgencyStatus.on_time),
        (at(2018, 6, 15, 0, 0, 1), False, AgencyStatus.late),
        (at(2018, 6, 28, 23), False, AgencyStatus.late),
        (at(2018, 6, 10), True, AgencyStatus.nil),
        (at(2018, 6, 20), True, AgencyStatus.nil),
        (at(2018, 6, 29), False, None),
        (at(2018, 7, 2), True, None),
    ],
)
def test_status_for(received, is_nil, expected):
    assert status_for(received, at(2018, 6, 15), at(2018, 6, 29), is_nil) == expected


def test_time_left_before_the_deadline():
    left = time_left(at(2018, 6, 11, 19, 30), at(2018, 6, 15), tz=TZ, calendar=WorkCalendar())
    assert (left.overdue, left.days, left.hours, left.minutes) == (False, 3, 4, 30)
    assert left.working_days == 4  # Monday 11 to Thursday 14
    assert left.text == "còn 3 ngày 4 giờ"
    assert left.deadline_text == "trước ngày 15/6/2018"


def test_time_left_when_late_and_close():
    late = time_left(at(2018, 6, 17, 2, 0), at(2018, 6, 15), tz=TZ, calendar=WorkCalendar())
    assert (late.overdue, late.days, late.hours, late.working_days) == (True, 2, 2, 0)
    assert late.text == "đã quá hạn 2 ngày 2 giờ"
    assert time_left(at(2018, 6, 14, 22, 15), at(2018, 6, 15)).text == "còn 1 giờ 45 phút"
    assert time_left(at(2018, 6, 14, 23, 59, 30), at(2018, 6, 15)).text == "còn dưới 1 phút"
    assert time_left(at(2018, 6, 15), at(2018, 6, 15)).overdue
