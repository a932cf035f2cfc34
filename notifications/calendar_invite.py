"""The deadline of a round as an iCalendar (.ics) entry with an alarm, made with `icalendar`.

A round sends one entry per agency, all in the same time zone. Building the VTIMEZONE of a zone
(icalendar walks its transitions from 1970 to 2038) is most of the cost of an entry, so each zone's
VTIMEZONE is built once per process and shared; only the agency's own fields are made per entry.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone, vText

from notifications.compose import FileAttachment

ALARM_BEFORE = dt.timedelta(days=1)


def deadline_calendar(
    *,
    uid: str,
    summary: str,
    description: str,
    due_at: dt.datetime,
    tz: str,
    now: dt.datetime,
    url: str | None = None,
    organizer: str | None = None,
    alarm_before: dt.timedelta = ALARM_BEFORE,
) -> bytes:
    """An .ics whose event ends at the due instant (D 00:00) and starts at 08:00 on the last day, with an alarm.

    "Trước ngày 15/6" makes 15/6 00:00 the deadline, so the event sits on 14/6 and the alarm rings
    `alarm_before` ahead of its start.
    """
    zone = ZoneInfo(tz)
    local_due = due_at.astimezone(zone)
    start = dt.datetime.combine(local_due.date() - dt.timedelta(days=1), dt.time(8, 0), tzinfo=zone)
    if start >= local_due:
        start = local_due - dt.timedelta(hours=1)
    cal = Calendar()
    cal.add("prodid", "-//planflow//Ke hoach bao cao//VI")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", start)
    event.add("dtend", local_due)
    event.add("summary", summary)
    event.add("description", description)
    if url:
        event.add("url", url)
    if organizer:
        event.add("organizer", f"mailto:{organizer}")
    event.add("transp", "TRANSPARENT")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm["description"] = vText(summary)
    alarm.add("trigger", -alarm_before)
    event.add_component(alarm)
    cal.add_component(event)
    _add_timezones(cal)
    return cal.to_ical()


@lru_cache(maxsize=32)
def _vtimezone(tzid: str) -> Timezone | None:
    """The VTIMEZONE of a zone, as `Calendar.add_missing_timezones` builds it; None for a zone icalendar does not know.

    Shared between calendars: it is only ever serialized, never changed.
    """
    try:
        return Timezone.from_tzid(tzid)
    except ValueError:
        return None


def _add_timezones(cal: Calendar) -> None:
    """`cal.add_missing_timezones()` from the per-zone cache: each VTIMEZONE goes before the other components."""
    position = len(cal.timezones)
    for tzid in sorted(cal.get_missing_tzids()):
        timezone = _vtimezone(tzid)
        if timezone is not None:
            cal.subcomponents.insert(position, timezone)
            position += 1


def deadline_attachment(ics: bytes, *, filename: str = "Hạn nộp báo cáo.ics") -> FileAttachment:
    """The .ics as a text/calendar attachment (method=PUBLISH: an entry to keep, not an invitation to answer)."""
    return FileAttachment(
        filename=filename,
        content=ics,
        maintype="text",
        subtype="calendar",
        params={"method": "PUBLISH", "charset": "utf-8"},
    )
