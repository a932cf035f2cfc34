"""Vietnamese wording of the portal: dates, time left, statuses, channels and sizes (pure; `now` is a parameter)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from models.labels import channel_label as channel_label  # the portal templates' filters
from models.labels import status_label as status_label
from notifications.vietnamese import file_size, full_date, short_date


def deadline_phrase(due_at: dt.datetime, tz: str) -> str:
    """'trước 00 giờ 00, thứ Sáu, ngày 15 tháng 6 năm 2018' for a due instant."""
    local = due_at.astimezone(ZoneInfo(tz))
    return f"trước {local.hour:02d} giờ {local.minute:02d}, {full_date(local)}"


def moment_phrase(at: dt.datetime, tz: str) -> str:
    """'09 giờ 05, ngày 12/6/2018' for a recorded instant."""
    local = at.astimezone(ZoneInfo(tz))
    return f"{local.hour:02d} giờ {local.minute:02d}, ngày {short_date(local)}"


def _span(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} ngày {hours} giờ" if hours else f"{days} ngày"
    if hours:
        return f"{hours} giờ {mins} phút" if mins else f"{hours} giờ"
    return f"{max(mins, 1)} phút"


def time_left_phrase(due_at: dt.datetime, now: dt.datetime) -> str:
    """'còn 3 ngày 4 giờ' before the due instant, 'đã quá hạn 2 ngày' from it on."""
    if now < due_at:
        return "còn " + _span(due_at - now)
    return "đã quá hạn " + _span(now - due_at)


def is_overdue(due_at: dt.datetime, now: dt.datetime) -> bool:
    """Whether a report made now is late."""
    return now >= due_at


def size_label(size: int) -> str:
    """A file size as Vietnamese readers write it: '1,5 MB', '820 KB', '12 byte'."""
    return file_size(size).replace(",0 ", " ")
