"""Vietnamese date wording for messages: "thứ Sáu, ngày 15 tháng 6 năm 2018" (pure functions)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

_WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


def _as_date(value: dt.date | dt.datetime, tz: str | None) -> dt.date:
    if isinstance(value, dt.datetime):
        if tz is not None and value.tzinfo is not None:
            value = value.astimezone(ZoneInfo(tz))
        return value.date()
    return value


def weekday_name(value: dt.date | dt.datetime, tz: str | None = None) -> str:
    """The weekday in Vietnamese, e.g. "thứ Sáu" or "Chủ nhật"."""
    return _WEEKDAYS[_as_date(value, tz).weekday()]


def long_date(value: dt.date | dt.datetime, tz: str | None = None) -> str:
    """The date as written in official text: "ngày 15 tháng 6 năm 2018"."""
    d = _as_date(value, tz)
    return f"ngày {d.day} tháng {d.month} năm {d.year}"


def full_date(value: dt.date | dt.datetime, tz: str | None = None) -> str:
    """Weekday and long date: "thứ Sáu, ngày 15 tháng 6 năm 2018"."""
    return f"{weekday_name(value, tz)}, {long_date(value, tz)}"


def short_date(value: dt.date | dt.datetime, tz: str | None = None) -> str:
    """The numeric date: "15/6/2018"."""
    d = _as_date(value, tz)
    return f"{d.day}/{d.month}/{d.year}"


def time_and_date(value: dt.datetime, tz: str) -> str:
    """A moment in local time: "14 giờ 05, thứ Sáu, ngày 15 tháng 6 năm 2018"."""
    local = value.astimezone(ZoneInfo(tz))
    return f"{local.hour} giờ {local.minute:02d}, {full_date(local)}"


def last_day_before(instant: dt.datetime, tz: str) -> dt.date:
    """The last local day before an instant at 00:00 ("trước ngày 15/6" → 14/6)."""
    local = instant.astimezone(ZoneInfo(tz))
    day = local.date()
    return day - dt.timedelta(days=1) if local.time() == dt.time(0, 0) else day


def file_size(n: int) -> str:
    """A byte count for people: "2,5 MB" (Vietnamese decimal comma)."""
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f}".replace(".", ",") + f" {unit}"
    return f"{n} byte"
