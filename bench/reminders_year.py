"""Bench: a year of hourly reminder ticks for 40 agencies and 3 rounds, against recomputing the ladder every tick.

Run: .venv/bin/python bench/reminders_year.py
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models import reminders
from models.reminders import AgencyView, RoundView, reminder_run
from models.reminders_config import ReminderLadder
from models.workdays import WorkCalendar

TZ = "Asia/Ho_Chi_Minh"
VN = ZoneInfo(TZ)


def midnight(m: int, d: int) -> dt.datetime:
    return dt.datetime(2018, m, d, tzinfo=VN)


ROUNDS = [
    RoundView("budget-2018", midnight(5, 15), midnight(5, 29), midnight(4, 16)),
    RoundView("six-month-2018", midnight(6, 15), midnight(6, 29), midnight(5, 15)),
    RoundView("annual-2018", midnight(11, 15), midnight(11, 29), midnight(10, 15)),
]
AGENCIES = [AgencyView(f"A{i:02d}", "pending") for i in range(40)]


def year(calendar: WorkCalendar, ladder: ReminderLadder, *, uncached: bool) -> tuple[float, int]:
    """Seconds for every hour of 2018, and how many reminders went out."""
    sent = {r.key: {} for r in ROUNDS}
    skipped = {r.key: set() for r in ROUNDS}
    count = 0
    start = time.perf_counter()
    now = midnight(1, 1)
    while now.year == 2018:
        for r in ROUNDS:
            if uncached:
                reminders._planned.cache_clear()
            result = reminder_run(
                now=now,
                round=r,
                agencies=AGENCIES,
                sent=sent[r.key],
                ladder=ladder,
                calendar=calendar,
                tz=TZ,
                skipped=skipped[r.key],
            )
            for item in result.due:
                sent[r.key][(item.agency_code, item.step)] = now
                count += 1
            skipped[r.key].update((i.agency_code, i.step) for i in result.skipped)
        now += dt.timedelta(hours=1)
    return time.perf_counter() - start, count


def main() -> None:
    calendar, ladder = WorkCalendar(), ReminderLadder()
    t0 = time.perf_counter()
    calendar.is_working_day(dt.date(2018, 1, 1))
    load = time.perf_counter() - t0
    baseline, n0 = year(calendar, ladder, uncached=True)
    cached, n1 = year(calendar, ladder, uncached=False)
    assert n0 == n1
    print(f"calendar year load:                {load * 1000:8.1f} ms")
    print(f"8760 ticks x 3 rounds x 40 agencies, ladder recomputed every tick (baseline): {baseline:6.3f} s")
    print(f"8760 ticks x 3 rounds x 40 agencies, ladder cached:                          {cached:6.3f} s")
    print(f"reminders sent: {n1}; speed-up over baseline: {baseline / cached:4.1f}x")


if __name__ == "__main__":
    main()
