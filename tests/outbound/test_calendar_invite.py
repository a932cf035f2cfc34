"""The deadline .ics: its VTIMEZONE comes from a per-zone cache and must be what icalendar itself adds."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from notifications.calendar_invite import deadline_calendar

DUE = dt.datetime(2018, 6, 14, 17, tzinfo=dt.UTC)  # 15/6/2018 00:00 in Vietnam
NOW = dt.datetime(2018, 5, 15, 1, tzinfo=dt.UTC)


def _ics(tz: str, code: str = "SCT") -> bytes:
    return deadline_calendar(
        uid=f"six-month-2018.{code}@reply.example",
        summary="Hạn gửi báo cáo: Kết quả thực hiện công tác thông tin đối ngoại 6 tháng đầu năm 2018",
        description=f"{code}: gửi báo cáo trước ngày 15 tháng 6 năm 2018.",
        due_at=DUE,
        tz=tz,
        now=NOW,
        url=f"http://127.0.0.1:8080/u/{code}",
        organizer="sotttt@vinhlong.example",
    )


@pytest.mark.parametrize("tz", ["Asia/Ho_Chi_Minh", "Europe/Berlin", "America/New_York", "UTC"])
def test_cached_timezones_are_the_ones_icalendar_adds(tz):
    ics = _ics(tz)
    reference = Calendar.from_ical(ics)
    reference.subcomponents = [c for c in reference.subcomponents if c.name != "VTIMEZONE"]
    reference.add_missing_timezones()
    assert reference.to_ical() == ics


def test_each_entry_carries_its_own_zone_and_agency():
    for tz, code in (("Asia/Ho_Chi_Minh", "SCT"), ("Europe/Berlin", "STC"), ("Asia/Ho_Chi_Minh", "SYT")):
        cal = Calendar.from_ical(_ics(tz, code))
        [timezone] = cal.walk("VTIMEZONE")
        [event] = cal.walk("VEVENT")
        assert str(timezone["TZID"]) == tz == event["DTSTART"].params["TZID"]
        assert str(event["UID"]).startswith(f"six-month-2018.{code}@") and code in str(event["DESCRIPTION"])
        assert event.decoded("dtend") == DUE
