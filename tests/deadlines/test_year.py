"""A whole year of hourly scheduler ticks: each reminder at most once, never out of date, never after the lock."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest

from models.reminders import AgencyView, RoundView, due_reminders, planned_reminders, reminder_run
from models.reminders_config import ReminderLadder
from models.workdays import WorkCalendar

TZ = "Asia/Ho_Chi_Minh"
VN = ZoneInfo(TZ)
CAL = WorkCalendar()
LADDER = ReminderLadder()
CODES = [f"A{i:02d}" for i in range(40)]
ALL_PENDING = [AgencyView(c, "pending") for c in CODES]


def midnight(m, d):
    return dt.datetime(2018, m, d, tzinfo=VN)


ROUNDS = [
    RoundView("budget-2018", due_at=midnight(5, 15), lock_at=midnight(5, 29), opens_at=midnight(4, 16)),
    RoundView("six-month-2018", due_at=midnight(6, 15), lock_at=midnight(6, 29), opens_at=midnight(5, 15)),
    RoundView("annual-2018", due_at=midnight(11, 15), lock_at=midnight(11, 29), opens_at=midnight(10, 15)),
]


def report_time(round: RoundView, i: int) -> dt.datetime | None:
    """When agency i reports in `round`: a quarter never does, the others at spread hours up to the lock."""
    if i % 4 == 0:
        return None
    assert round.opens_at is not None
    hours = int((round.lock_at - round.opens_at).total_seconds() // 3600)
    return round.opens_at + dt.timedelta(hours=(i * 97 + len(round.key) * 31) % hours)


def simulate(down: list[tuple[dt.datetime, dt.datetime]], *, record_skips: bool = True):
    """Tick every hour of 2018 (skipping `down` periods); return what was sent and skipped, per round.

    Without `record_skips` the scheduler calls the plain `due_reminders` and keeps no record of skips.
    """
    sent = {r.key: {} for r in ROUNDS}
    skipped = {r.key: set() for r in ROUNDS}
    reports = {r.key: {c: report_time(r, i) for i, c in enumerate(CODES)} for r in ROUNDS}
    now = dt.datetime(2018, 1, 1, tzinfo=VN)
    end = dt.datetime(2019, 1, 1, tzinfo=VN)
    while now < end:
        if not any(a <= now < b for a, b in down):
            for r in ROUNDS:
                agencies = ALL_PENDING
                assert r.opens_at is not None
                if r.opens_at <= now < r.lock_at:  # outside its window a round is called with everyone pending
                    agencies = []
                    for c in CODES:
                        t = reports[r.key][c]
                        reported = t is not None and t <= now
                        status = ("late" if t is not None and t >= r.due_at else "on_time") if reported else "pending"
                        agencies.append(AgencyView(c, status))
                if record_skips:
                    result = reminder_run(
                        now=now,
                        round=r,
                        agencies=agencies,
                        sent=sent[r.key],
                        ladder=LADDER,
                        calendar=CAL,
                        tz=TZ,
                        skipped=skipped[r.key],
                    )
                    due, skips = result.due, result.skipped
                else:
                    due = due_reminders(
                        now=now, round=r, agencies=agencies, sent=sent[r.key], ladder=LADDER, calendar=CAL, tz=TZ
                    )
                    skips = []
                for item in due:
                    pair = (item.agency_code, item.step)
                    assert pair not in sent[r.key] and pair not in skipped[r.key], pair
                    assert now < r.lock_at
                    assert item.kind == "after" or now < r.due_at
                    assert item.send_at <= now
                    t = reports[r.key][item.agency_code]
                    assert t is None or now < t, "a reminder after the agency reported"
                    sent[r.key][pair] = now
                for item in skips:
                    pair = (item.agency_code, item.step)
                    assert pair not in sent[r.key] and pair not in skipped[r.key], pair
                    skipped[r.key].add(pair)
        now += dt.timedelta(hours=1)
    return sent, skipped, reports


def per_agency(sent: dict) -> dict[str, list[dt.datetime]]:
    out: dict[str, list[dt.datetime]] = {}
    for (code, _), when in sent.items():
        out.setdefault(code, []).append(when)
    return {c: sorted(t) for c, t in out.items()}


def check_limits(sent):
    for times in per_agency(sent).values():
        assert len(times) <= LADDER.max_count
        for a, b in itertools.pairwise(times):
            assert (b.astimezone(VN).date() - a.astimezone(VN).date()).days >= LADDER.min_gap_days
        for t in times:
            assert CAL.is_working_day(t.astimezone(VN).date())


@pytest.mark.parametrize("record_skips", [True, False])
def test_a_year_without_outage_sends_the_ladder_exactly(record_skips):
    sent, skipped, reports = simulate(down=[], record_skips=record_skips)
    for r in ROUNDS:
        assert skipped[r.key] == set()
        planned = planned_reminders(
            due=r.due_at.date(), ladder=LADDER, calendar=CAL, tz=TZ, opens_at=r.opens_at, lock_at=r.lock_at
        )
        assert len(planned) == 5
        for c in CODES:
            got = sorted((when, step) for (code, step), when in sent[r.key].items() if code == c)
            t = reports[r.key][c]
            expected = sorted((p.send_at, p.step) for p in planned if t is None or p.send_at < t)
            assert got == expected, (r.key, c)
        check_limits(sent[r.key])
    never = [c for i, c in enumerate(CODES) if i % 4 == 0]
    assert sum(1 for (code, _) in sent["six-month-2018"] if code in never) == 5 * len(never)


@pytest.mark.parametrize("record_skips", [True, False])
def test_a_year_with_outages_catches_up_without_out_of_date_reminders(record_skips):
    down = [
        (dt.datetime(2018, 6, 5, tzinfo=VN), dt.datetime(2018, 6, 13, 10, tzinfo=VN)),  # a missed week
        (dt.datetime(2018, 6, 14, 7, tzinfo=VN), dt.datetime(2018, 6, 15, 9, tzinfo=VN)),  # over D
        (dt.datetime(2018, 11, 16, tzinfo=VN), dt.datetime(2018, 12, 1, tzinfo=VN)),  # past the lock
    ]
    sent, skipped, _ = simulate(down, record_skips=record_skips)
    six = sent["six-month-2018"]
    assert {step for (_, step) in six} == {"before-3", "overdue-1", "overdue-3"}
    assert all(when == dt.datetime(2018, 6, 13, 10, tzinfo=VN) for (_, step), when in six.items() if step == "before-3")
    if record_skips:
        assert {step for (_, step) in skipped["six-month-2018"]} == {"before-7", "last-day"}
    annual = sent["annual-2018"]
    assert {step for (_, step) in annual} == {"before-7", "before-3", "last-day"}
    for r in ROUNDS:
        check_limits(sent[r.key])


@pytest.mark.parametrize("hour", [0, 7, 8, 23])
def test_send_hour_is_respected(hour):
    ladder = ReminderLadder(send_hour=hour)
    r = ROUNDS[1]
    now = r.opens_at
    first = []
    assert now is not None
    while now < r.lock_at and not first:
        first = reminder_run(
            now=now, round=r, agencies=[AgencyView("A01", "pending")], sent=set(), ladder=ladder, calendar=CAL, tz=TZ
        ).due
        now += dt.timedelta(hours=1)
    assert first[0].send_at == dt.datetime(2018, 6, 6, hour, tzinfo=VN)
    assert now - dt.timedelta(hours=1) == first[0].send_at
