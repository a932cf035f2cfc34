"""The stored plan document read through the schema, and the quarterly press rule (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from models.plandoc import PlanDocument
from models.reminders import press_reminder_due
from models.workdays import WorkCalendar
from tests.model.minimal_plan import make_plan, plan_dict

VN = "Asia/Ho_Chi_Minh"


def stored(doc: dict | None = None) -> PlanDocument:
    """The document as the loader stores it: the validated plan dumped to JSON."""
    return PlanDocument(make_plan(doc).model_dump(mode="json"))


def test_sections_come_back_typed():
    doc = stored()
    assert doc.consolidator_code == "STTTT" and doc.issuer == "Sở Thông tin và Truyền thông"
    assert doc.funding is not None and doc.funding.appraiser == "STC"
    assert doc.report_layout().symbol == "BC-STTTT"
    assert doc.heading.number == "1/KH-TEST" and doc.heading.date == dt.date(2018, 4, 13)
    assert doc.adhoc_lock_days == 10


def test_missing_sections_get_the_schema_defaults():
    doc = PlanDocument({})
    assert doc.consolidator is None and doc.issuer == "" and doc.press_briefings is None
    assert doc.reminders.send_hour == stored().reminders.send_hour
    assert doc.calendar.extra_days_off == []
    with pytest.raises(ValueError, match="no 'report' section"):
        doc.report_layout()


def test_plan_exceptions_reach_the_working_day_calendar():
    raw = plan_dict()
    raw["calendar"] = {"extra_days_off": ["2018-04-30"], "extra_working_days": ["2018-05-05"]}
    calendar = stored(raw).work_calendar
    assert not calendar.is_working_day(dt.date(2018, 4, 30)) and calendar.is_working_day(dt.date(2018, 5, 5))


def _due(local: dt.datetime, year: int = 2018) -> bool:
    return press_reminder_due(
        now=local, tz=VN, year=year, months=[3, 6, 9, 12], day=1, calendar=WorkCalendar(), send_hour=8
    )


def at(m: int, d: int, h: int = 9) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime(2018, m, d, h, tzinfo=ZoneInfo(VN))


def test_the_press_reminder_is_due_from_this_quarters_briefing_date():
    assert not _due(at(5, 31))  # Q2's briefing is 1/6
    assert _due(at(6, 1)) and _due(at(6, 29))  # and stays due (catching up) until the quarter ends
    assert not _due(at(6, 1, 7))  # before the send hour
    assert not _due(at(7, 2))  # Q3's briefing (3/9) has not come; Q2's is of a past quarter


def test_the_press_reminder_belongs_to_the_plans_year():
    assert not _due(at(6, 1), year=2019)
