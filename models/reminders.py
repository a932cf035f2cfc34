"""The reminder ladder applied to a round: when each reminder goes out, and which are due as of `now` (pure).

Rules (the plan sets the ladder; `models/reminders_config.py` has the defaults):

- "N working days before" counts working days back from D, D itself not counted: for D = Friday
  15/6/2018, 1 working day before is Thursday 14/6. Counting only working days, such a reminder
  never lands on a weekend or holiday.
- "the last day" is the last working day before D (so it is the same day as "1 working day before";
  the two collapse into one reminder).
- "N working days after" counts working days forward from D, D itself counting as day 0 whether or
  not D is a working day: for D = Friday 15/6/2018, 1 working day after is Monday 18/6.
- Every reminder goes out at `ladder.send_hour`, local time.
- A reminder is planned only on a day after the day the round opens and before the lock instant.
- Steps that fall on the same day merge into one: the most urgent wins (an escalating step over a
  plain one; after D over the last day over before D; further from D after it, nearer to D before it).
- Minimum gap: walking back from the last reminder, one that falls fewer than `min_gap_days`
  calendar days before the next kept reminder is dropped; the later, more urgent one stays.
- Maximum count: only the first `max_count` reminders, in time order, are planned.

At run time (`reminder_run` / `due_reminders`), for each agency still pending, only the latest
planned step whose time has come may be sent; older unsent steps are out of date and are reported
as skipped. A step before D is never sent once D has come, nothing is sent once the round is
locked, an agency gets at most `max_count` reminders, and a reminder waits while the previous one
sent to the agency is less than `min_gap_days` calendar days old.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from models.reminders_config import LadderStep, ReminderLadder
from models.workdays import WorkCalendar

Kind = Literal["before", "last_day", "after"]
_KIND_RANK = {"before": 0, "last_day": 1, "after": 2}
PENDING = "pending"


@dataclass(frozen=True)
class PlannedReminder:
    """One reminder of the ladder placed on the calendar of a round."""

    step: str
    send_at: dt.datetime
    kind: Kind
    escalate: bool
    working_days: int = 0  # working days before (negative) or after (positive) D; 0 for the last day

    @property
    def on(self) -> dt.date:
        """The local day the reminder goes out."""
        return self.send_at.date()


@dataclass(frozen=True)
class RoundView:
    """What the reminder rules need to know of a round (flows build it from the database)."""

    key: str
    due_at: dt.datetime
    lock_at: dt.datetime
    opens_at: dt.datetime | None = None

    @classmethod
    def of(cls, round) -> RoundView:
        """The view of a `models.tables.Round` row; reminders start after the day it actually opened."""
        opened = round.opened_at or round.opens_at
        return cls(key=round.key, due_at=round.due_at, lock_at=round.lock_at, opens_at=max(opened, round.opens_at))


@dataclass(frozen=True)
class AgencyView:
    """An agency on a round's roster and its current status (an `AgencyStatus` value)."""

    code: str
    status: str


@dataclass(frozen=True)
class ReminderDue:
    """A reminder to send now (or, in `ReminderRun.skipped`, one that must never be sent, with the reason)."""

    round_key: str
    agency_code: str
    step: str
    send_at: dt.datetime
    kind: Kind
    escalate: bool
    reason: str | None = None


@dataclass(frozen=True)
class ReminderRun:
    """The answer of one scheduler tick: reminders to send now, and out-of-date ones to record as skipped."""

    due: list[ReminderDue]
    skipped: list[ReminderDue]


def _urgency(kind: Kind, escalate: bool, working_days: int) -> tuple[int, int, int]:
    return (int(escalate), _KIND_RANK[kind], working_days)


def _place(step: LadderStep, due: dt.date, calendar: WorkCalendar) -> tuple[dt.date, Kind, int]:
    if step.last_day:
        return calendar.previous_working_day(due), "last_day", 0
    if step.working_days_before is not None:
        return calendar.add_working_days(due, -step.working_days_before), "before", -step.working_days_before
    after = step.working_days_after
    assert after is not None  # a step has exactly one anchor (checked by LadderStep)
    return calendar.add_working_days(due, after), "after", after


def planned_reminders(
    *,
    due: dt.date,
    ladder: ReminderLadder,
    calendar: WorkCalendar,
    tz: str,
    opens_at: dt.datetime | None = None,
    lock_at: dt.datetime | None = None,
) -> list[PlannedReminder]:
    """The reminders of a round whose due date is D = `due`, in time order (rules in the module docstring)."""
    steps = tuple((s.step, s.working_days_before, s.last_day, s.working_days_after, s.escalate) for s in ladder.steps)
    return list(
        _planned(due, steps, ladder.send_hour, ladder.min_gap_days, ladder.max_count, calendar, tz, opens_at, lock_at)
    )


@lru_cache(maxsize=512)
def _planned(
    due: dt.date,
    steps: tuple[tuple, ...],
    send_hour: int,
    min_gap_days: int,
    max_count: int,
    calendar: WorkCalendar,
    tz: str,
    opens_at: dt.datetime | None,
    lock_at: dt.datetime | None,
) -> tuple[PlannedReminder, ...]:
    zone = ZoneInfo(tz)
    opens_day = opens_at.astimezone(zone).date() if opens_at is not None else None
    by_day: dict[dt.date, PlannedReminder] = {}
    for name, before, last_day, after, escalate in steps:
        step = LadderStep.model_construct(
            step=name, working_days_before=before, last_day=last_day, working_days_after=after, escalate=escalate
        )
        day, kind, offset = _place(step, due, calendar)
        send_at = dt.datetime.combine(day, dt.time(send_hour), tzinfo=zone)
        if opens_day is not None and day <= opens_day:
            continue
        if lock_at is not None and send_at >= lock_at:
            continue
        planned = PlannedReminder(step=name, send_at=send_at, kind=kind, escalate=escalate, working_days=offset)
        kept = by_day.get(day)
        if kept is None or _urgency(kind, escalate, offset) > _urgency(kept.kind, kept.escalate, kept.working_days):
            by_day[day] = planned
    ordered = [by_day[d] for d in sorted(by_day)]
    gapped: list[PlannedReminder] = []
    for reminder in reversed(ordered):
        if gapped and (gapped[-1].on - reminder.on).days < min_gap_days:
            continue
        gapped.append(reminder)
    gapped.reverse()
    return tuple(gapped[:max_count])


def _sent_times(
    sent: Set[tuple[str, str]] | Mapping[tuple[str, str], dt.datetime], planned: dict[str, PlannedReminder]
) -> dict[str, list[dt.datetime | None]]:
    """Per agency, when each reminder it was sent went out (actual times when given, else planned ones)."""
    times: dict[str, list[dt.datetime | None]] = {}
    actual = sent if isinstance(sent, Mapping) else None
    for code, step in sent:
        when = actual[code, step] if actual is not None else (planned[step].send_at if step in planned else None)
        times.setdefault(code, []).append(when)
    return times


def reminder_run(
    *,
    now: dt.datetime,
    round: RoundView,
    agencies: Iterable[AgencyView],
    sent: Set[tuple[str, str]] | Mapping[tuple[str, str], dt.datetime],
    ladder: ReminderLadder,
    calendar: WorkCalendar,
    tz: str,
    skipped: Set[tuple[str, str]] = frozenset(),
) -> ReminderRun:
    """Which reminders of `round` to send as of `now`, and which out-of-date ones to record as skipped.

    `sent` holds the (agency_code, step) pairs already sent in this round — a mapping to the
    actual send instants when the caller has them, which makes the minimum gap exact. `skipped`
    holds pairs already recorded as skipped; they are neither sent nor reported again. Safe to
    call at any time, as often as wished: missed ticks are caught up without an out-of-date send.
    Call it for open rounds only (requests sent); a locked round gives nothing anyway.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if now >= round.lock_at:
        return ReminderRun(due=[], skipped=[])
    zone = ZoneInfo(tz)
    due_day = round.due_at.astimezone(zone).date()
    plan = planned_reminders(
        due=due_day, ladder=ladder, calendar=calendar, tz=tz, opens_at=round.opens_at, lock_at=round.lock_at
    )
    arrived = [p for p in plan if p.send_at <= now]
    if not arrived:
        return ReminderRun(due=[], skipped=[])
    latest = arrived[-1]
    past_deadline = now >= round.due_at
    today = now.astimezone(zone).date()
    times = _sent_times(sent, {p.step: p for p in plan}) if sent else {}

    def view(code: str, p: PlannedReminder, reason: str | None = None) -> ReminderDue:
        return ReminderDue(round.key, code, p.step, p.send_at, p.kind, p.escalate, reason)

    due: list[ReminderDue] = []
    out_of_date: list[ReminderDue] = []
    for agency in agencies:
        if agency.status != PENDING:
            continue
        code = agency.code
        for p in arrived[:-1]:
            if (code, p.step) not in sent and (code, p.step) not in skipped:
                out_of_date.append(view(code, p, "superseded"))
        if (code, latest.step) in sent or (code, latest.step) in skipped:
            continue
        if past_deadline and latest.kind != "after":
            out_of_date.append(view(code, latest, "deadline-passed"))
            continue
        history = times.get(code, [])
        if len(history) >= ladder.max_count:
            continue
        last = max((t for t in history if t is not None), default=None)
        if last is not None and (today - last.astimezone(zone).date()).days < ladder.min_gap_days:
            continue  # waits; a later tick sends it unless a newer step supersedes it
        due.append(view(code, latest))
    return ReminderRun(due=due, skipped=out_of_date)


def due_reminders(
    *,
    now: dt.datetime,
    round: RoundView,
    agencies: Iterable[AgencyView],
    sent: Set[tuple[str, str]] | Mapping[tuple[str, str], dt.datetime],
    ladder: ReminderLadder,
    calendar: WorkCalendar,
    tz: str,
    skipped: Set[tuple[str, str]] = frozenset(),
) -> list[ReminderDue]:
    """The reminders to send as of `now` (see `reminder_run`, which also reports the out-of-date ones)."""
    return reminder_run(
        now=now, round=round, agencies=agencies, sent=sent, ladder=ladder, calendar=calendar, tz=tz, skipped=skipped
    ).due


def digest_due(
    *, now: dt.datetime, last_digest_on: dt.date | None, calendar: WorkCalendar, tz: str, hour: int
) -> dt.date | None:
    """The local day whose daily digest is due as of `now`, or None.

    One digest per working day, from `hour` local time on. After an outage one digest goes out
    (today's, when today is a working day), never one per missed day.
    """
    local = now.astimezone(ZoneInfo(tz))
    today = local.date()
    if not calendar.is_working_day(today) or local.hour < hour:
        return None
    if last_digest_on is not None and last_digest_on >= today:
        return None
    return today


def press_briefing_dates(*, year: int, months: Iterable[int], day: int, calendar: WorkCalendar) -> list[dt.date]:
    """Days of the quarterly press-conference reminders (II.5): `day` of each month, moved to the next working day.

    A day past the month's end (e.g. 31 in June) means the month's last day.
    """
    dates = []
    for month in sorted(set(months)):
        first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
        on = min(dt.date(year, month, 1) + dt.timedelta(days=day - 1), first_of_next - dt.timedelta(days=1))
        if not calendar.is_working_day(on):
            on = calendar.next_working_day(on)
        dates.append(on)
    return dates


def press_reminder_due(
    *,
    now: dt.datetime,
    tz: str,
    year: int,
    months: Iterable[int],
    day: int,
    calendar: WorkCalendar,
    send_hour: int,
) -> bool:
    """Whether this quarter's press-conference reminder (II.5) is due as of `now`.

    Due from the send hour of this quarter's briefing date until the quarter ends, in the plan's year
    only: a reminder for a past quarter's briefing helps nobody, so an outage never sends one late.
    """
    local = now.astimezone(ZoneInfo(tz))
    if local.year != year or local.hour < send_hour:
        return False
    quarter = (local.month - 1) // 3
    dates = press_briefing_dates(year=year, months=months, day=day, calendar=calendar)
    return any(d <= local.date() and (d.month - 1) // 3 == quarter for d in dates)


def ladder_for(override: ReminderLadder | Mapping | None, default: ReminderLadder) -> ReminderLadder:
    """A round's ladder: its own override (a model, or the JSON stored in the database) or the plan's."""
    if override is None:
        return default
    if isinstance(override, ReminderLadder):
        return override
    return ReminderLadder.model_validate(dict(override))
