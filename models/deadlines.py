"""Deadline rules of a round: instants in the plan's time zone (pure; no clock is read)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from models.plan import Round


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
