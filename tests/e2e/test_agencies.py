"""The simulated agencies' script: reproducible from its seed, and every behaviour the year needs, in its time window."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from simulation.agencies import Behaviour, script_round

UTC = dt.UTC
OPENS = dt.datetime(2018, 5, 14, 17, 0, tzinfo=UTC)  # 15/5 00:00 local
DUE = dt.datetime(2018, 6, 14, 17, 0, tzinfo=UTC)  # 15/6 00:00 local
LOCK = dt.datetime(2018, 6, 28, 17, 0, tzinfo=UTC)
CODES = [f"A{i:02d}" for i in range(36)]


def script(seed: int):
    return script_round(
        round_key="six-month-2018", agency_codes=CODES, opens_at=OPENS, due_at=DUE, lock_at=LOCK, seed=seed
    )


def test_same_seed_same_year_other_seed_other_year() -> None:
    assert script(7) == script(7)
    assert [(r.agency_code, r.behaviour) for r in script(7).replies] != [
        (r.agency_code, r.behaviour) for r in script(8).replies
    ]


def test_every_behaviour_in_its_window() -> None:
    s = script(2018)
    assert sorted(r.agency_code for r in s.replies) == CODES
    kinds = Counter(r.behaviour for r in s.replies)
    assert kinds[Behaviour.nil] == kinds[Behaviour.never] == kinds[Behaviour.after_lock] == 1
    assert kinds[Behaviour.late] >= 2 and kinds[Behaviour.on_time] == 36 - 3 - kinds[Behaviour.late]
    for r in s.replies:
        if r.behaviour in (Behaviour.on_time, Behaviour.nil):
            assert OPENS < r.at < DUE
        elif r.behaviour == Behaviour.late:
            assert DUE <= r.at < DUE + dt.timedelta(days=1)  # inside the grace period: the draft counts it
        elif r.behaviour == Behaviour.after_lock:
            assert r.at >= LOCK
    channels = Counter(r.channel for r in s.replies if r.behaviour in (Behaviour.on_time, Behaviour.late))
    assert channels["email"] > 0 and channels["upload"] > 0
    assert s.stranger is not None and s.stranger.agency_code in {
        r.agency_code for r in s.by_behaviour(Behaviour.on_time)
    }
    assert s.expected_counts() == {
        "on_time": kinds[Behaviour.on_time],
        "late": kinds[Behaviour.late],
        "nil": 1,
        "missing": 2,
    }
