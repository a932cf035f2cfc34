"""The flows on their own schedules: the budget-estimate round (III) and the quarterly press-conference reminder (II.5)."""

from __future__ import annotations

from sqlmodel import Session, select

from flows.press import quarterly_press_briefing
from flows.rounds import open_due_rounds_flow
from models.tables import Round, RoundState
from tests.flows.conftest import at


def test_budget_round_opens_on_its_own_schedule(loaded, smtp):
    opened = open_due_rounds_flow(kinds=["budget_estimate"], now=at(2018, 5, 16, 8))
    assert opened == ["budget-2018"]  # six-month-2018 (opens 15/5) is due too, but not of this kind
    with Session(loaded) as s:
        states = {r.key: r.state for r in s.exec(select(Round)).all()}
    assert states["budget-2018"] == RoundState.open and states["six-month-2018"] == RoundState.planned
    assert smtp.count("request") == 36


def test_press_reminder_once_a_quarter(loaded, smtp):
    assert quarterly_press_briefing(now=at(2018, 5, 31, 9)) == []  # before June's date
    sent = quarterly_press_briefing(now=at(2018, 6, 4, 9))  # 1/6 passed; Monday catches up within the quarter
    assert sent == ["press:vinhlong-2018:2018-q2"]
    assert quarterly_press_briefing(now=at(2018, 6, 5, 9)) == []
    assert smtp.count("press") == 1
    # 1/9/2018 is a Saturday and 3/9 the observed National Day holiday: September's reminder waits for Tuesday 4/9.
    assert quarterly_press_briefing(now=at(2018, 9, 3, 9)) == []
    assert quarterly_press_briefing(now=at(2018, 9, 4, 9)) == ["press:vinhlong-2018:2018-q3"]
    assert smtp.count("press") == 2


def test_a_round_past_its_lock_date_is_never_opened(loaded, smtp):
    # Started for the first time on 30/6/2018: budget-2018 (lock 29/5) and six-month-2018 (lock 29/6)
    # could accept no report any more, so no request goes out; annual-2018 opens on 15/10.
    assert open_due_rounds_flow(now=at(2018, 6, 30, 8)) == []
    with Session(loaded) as s:
        assert {r.state for r in s.exec(select(Round)).all()} == {RoundState.planned}
    assert smtp.messages == []
