"""Deadline rules of a round: instants in the plan's time zone, cut-off periods, lateness (pure; no clock is read).

A report is late from D 00:00 local time ("trước ngày 15/6" means D = 15/6) and is refused from the
lock instant on. Late reports before the lock are accepted and marked late.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from models import regimes
from models.plan import Round, RoundKind
from models.regimes import is_recurring
from models.tables import AgencyStatus
from models.workdays import WorkCalendar


@dataclass(frozen=True)
class RoundInstants:
    """When a round opens, when a report becomes late (D 00:00), and when the round stops accepting."""

    opens_at: dt.datetime
    due_at: dt.datetime
    lock_at: dt.datetime


def local_midnight(day: dt.date, tz: str) -> dt.datetime:
    """00:00 of `day` in time zone `tz`, aware."""
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=ZoneInfo(tz))


def round_instants(round: Round, tz: str) -> RoundInstants:
    """The instants of a planned round: 'trước ngày 15/6' makes a report late from 15/6 00:00."""
    return RoundInstants(
        opens_at=local_midnight(round.opens, tz),
        due_at=local_midnight(round.due, tz),
        lock_at=local_midnight(round.lock, tz),
    )


def default_cutoff(kind: RoundKind | str, year: int, period: int | None = None) -> tuple[dt.date, dt.date] | None:
    """Decree 09/2019/NĐ-CP data cut-off period of a round kind (None: the plan must set it).

    6-month reports cover 15/12 of the previous year to 14/6; annual reports 15/12 of the
    previous year to 14/12; monthly and quarterly ones need their `period` (rules in `models/regimes.py`).
    """
    if is_recurring(kind) and period is None:
        return None
    return regimes.default_cutoff(kind, year, period)


def _aware(value: dt.datetime, name: str) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got {value!r}")
    return value


def is_late(received_at: dt.datetime, due_at: dt.datetime) -> bool:
    """True when a report received at `received_at` is late: at or after D 00:00."""
    return _aware(received_at, "received_at") >= _aware(due_at, "due_at")


def accepts(received_at: dt.datetime, lock_at: dt.datetime) -> bool:
    """True while the round still takes reports: strictly before the lock instant."""
    return _aware(received_at, "received_at") < _aware(lock_at, "lock_at")


def status_for(
    received_at: dt.datetime, due_at: dt.datetime, lock_at: dt.datetime, is_nil: bool
) -> AgencyStatus | None:
    """The status a report earns: nil, on_time or late; None when the round no longer accepts it.

    A nil report ("nothing to report this period") is `nil` whether or not it came late; ask
    `is_late` for its timeliness.
    """
    if not accepts(received_at, lock_at):
        return None
    if is_nil:
        return AgencyStatus.nil
    return AgencyStatus.late if is_late(received_at, due_at) else AgencyStatus.on_time


@dataclass(frozen=True)
class TimeLeft:
    """Time until (or past) a due instant, split for people: days, hours, minutes, working days."""

    overdue: bool
    days: int
    hours: int
    minutes: int
    total_seconds: int
    working_days: int | None
    due_local: dt.datetime

    @property
    def text(self) -> str:
        """Vietnamese phrase for pages and emails, e.g. 'còn 3 ngày 5 giờ' or 'đã quá hạn 2 ngày 4 giờ'."""
        if self.days == 0 and self.hours == 0:
            amount = f"{self.minutes} phút" if self.minutes else "dưới 1 phút"
        elif self.days == 0:
            amount = f"{self.hours} giờ" + (f" {self.minutes} phút" if self.minutes else "")
        else:
            amount = f"{self.days} ngày" + (f" {self.hours} giờ" if self.hours else "")
        return f"đã quá hạn {amount}" if self.overdue else f"còn {amount}"

    @property
    def deadline_text(self) -> str:
        """The due instant as officials write it: the report must arrive before D, e.g. 'trước ngày 15/6/2018'."""
        d = self.due_local
        return f"trước ngày {d.day}/{d.month}/{d.year}"


def time_left(
    now: dt.datetime, due_at: dt.datetime, *, tz: str = "Asia/Ho_Chi_Minh", calendar: WorkCalendar | None = None
) -> TimeLeft:
    """How long until `due_at` as of `now` (or how late, once past it); working days only with a calendar.

    `working_days` counts the working days from today (local) up to, not including, D: the days
    an agency still has to send its report. It is 0 once D has come.
    """
    now = _aware(now, "now")
    due_at = _aware(due_at, "due_at")
    seconds = int((due_at - now).total_seconds())
    overdue = seconds <= 0
    span = abs(seconds)
    days, rest = divmod(span, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    zone = ZoneInfo(tz)
    due_local = due_at.astimezone(zone)
    working = None
    if calendar is not None:
        working = max(0, calendar.working_days_between(now.astimezone(zone).date(), due_local.date()))
    return TimeLeft(
        overdue=overdue,
        days=days,
        hours=hours,
        minutes=minutes,
        total_seconds=seconds,
        working_days=working,
        due_local=due_local,
    )
