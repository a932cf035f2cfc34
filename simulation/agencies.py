"""How the simulated agencies behave in each round, drawn once from a seed: who answers when, by which channel.

Per round, the roster is shuffled with `random.Random(f"{seed}:{round key}")` and cut into parts:
one nil report, one agency that never answers, one that answers only after the lock (refused),
a few late ones (on the due day, inside the grace period, so the draft report counts them), and
the rest on time, by email or by upload. One extra message from a stranger's address goes to the
personal reply address of an on-time email agency: it must be quarantined, never recorded.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from models.settings import DEFAULT_TIMEZONE


class Outcome(StrEnum):
    """What the simulation expects the agency's status in the round to end as."""

    on_time = "on_time"
    late = "late"
    nil = "nil"
    missing = "missing"


class Behaviour(StrEnum):
    on_time = "on_time"
    late = "late"
    nil = "nil"
    never = "never"
    after_lock = "after_lock"


@dataclass(frozen=True)
class Reply:
    """One planned answer of an agency: when, by which channel, nil or not."""

    round_key: str
    agency_code: str
    behaviour: Behaviour
    channel: str  # "email" or "upload"
    at: dt.datetime  # aware, UTC

    @property
    def expected(self) -> Outcome:
        """The status this answer must leave the agency with."""
        return {
            Behaviour.on_time: Outcome.on_time,
            Behaviour.late: Outcome.late,
            Behaviour.nil: Outcome.nil,
            Behaviour.never: Outcome.missing,
            Behaviour.after_lock: Outcome.missing,
        }[self.behaviour]


@dataclass(frozen=True)
class StrangerMail:
    """A message from an address no agency uses, sent to an agency's personal reply address."""

    round_key: str
    agency_code: str
    sender: str
    at: dt.datetime


@dataclass(frozen=True)
class RoundScript:
    """Everything the agencies do in one round."""

    round_key: str
    replies: list[Reply]
    stranger: StrangerMail | None

    def expected_counts(self) -> dict[str, int]:
        """Agencies per final status (on_time, late, nil, missing)."""
        counts = {o.value: 0 for o in Outcome}
        for r in self.replies:
            counts[r.expected.value] += 1
        return counts

    def by_behaviour(self, behaviour: Behaviour) -> list[Reply]:
        """The replies of one behaviour."""
        return [r for r in self.replies if r.behaviour == behaviour]


def _office_instant(rng: random.Random, day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """A moment in office hours (07:30–16:59 local) on `day`, in UTC."""
    minutes = rng.randrange(7 * 60 + 30, 17 * 60)
    local = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=tz)
    return local.astimezone(dt.UTC)


def _day_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    span = (last - first).days
    return first + dt.timedelta(days=rng.randint(0, max(span, 0)))


def script_round(
    *,
    round_key: str,
    agency_codes: list[str],
    opens_at: dt.datetime,
    due_at: dt.datetime,
    lock_at: dt.datetime,
    seed: int,
    tz: str = DEFAULT_TIMEZONE,
    late_share: float = 0.15,
    upload_share: float = 0.4,
) -> RoundScript:
    """The agencies' behaviour in one round (reproducible from `seed`)."""
    zone = ZoneInfo(tz)
    rng = random.Random(f"{seed}:{round_key}")
    codes = sorted(agency_codes)
    rng.shuffle(codes)
    if len(codes) < 6:
        raise ValueError(f"round {round_key}: the simulation needs at least 6 agencies, got {len(codes)}")
    opens_day = opens_at.astimezone(zone).date()
    due_day = due_at.astimezone(zone).date()  # D: late from D 00:00 local
    lock_day = lock_at.astimezone(zone).date()
    n_late = max(2, round(late_share * len(codes)))
    replies: list[Reply] = []

    def add(code: str, behaviour: Behaviour, channel: str, at: dt.datetime) -> None:
        replies.append(Reply(round_key, code, behaviour, channel, at))

    nil, never, after_lock, *rest = codes
    late, on_time = rest[:n_late], rest[n_late:]
    first_day, last_day = opens_day + dt.timedelta(days=1), due_day - dt.timedelta(days=1)
    add(nil, Behaviour.nil, "upload", _office_instant(rng, _day_between(rng, first_day, last_day), zone))
    add(never, Behaviour.never, "none", lock_at)
    add(
        after_lock,
        Behaviour.after_lock,
        "upload",
        _office_instant(rng, lock_day + dt.timedelta(days=rng.randint(1, 3)), zone),
    )
    for i, code in enumerate(late):
        # On D itself: late, and still before consolidation (due + grace), so the draft counts it.
        add(code, Behaviour.late, "email" if i % 2 == 0 else "upload", _office_instant(rng, due_day, zone))
    n_upload = max(1, round(upload_share * len(on_time)))
    for i, code in enumerate(on_time):
        channel = "upload" if i < n_upload else "email"
        add(code, Behaviour.on_time, channel, _office_instant(rng, _day_between(rng, first_day, last_day), zone))
    email_on_time = [r for r in replies if r.behaviour == Behaviour.on_time and r.channel == "email"]
    stranger = None
    if email_on_time:
        target = rng.choice(email_on_time)
        stranger = StrangerMail(
            round_key=round_key,
            agency_code=target.agency_code,
            sender="nguoi.la.gui.nham@thu-rac.example.com",
            at=_office_instant(rng, _day_between(rng, first_day, last_day), zone),
        )
    replies.sort(key=lambda r: (r.at, r.agency_code))
    return RoundScript(round_key=round_key, replies=replies, stranger=stranger)
