"""What the daily scheduler sends: due reminders as of `now`, catch-up after an outage, the daily digest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from zoneinfo import ZoneInfo

from models.reminders import AgencyView, RoundView, digest_due, due_reminders, reminder_run
from models.reminders_config import LadderStep, ReminderLadder
from models.workdays import WorkCalendar

TZ = "Asia/Ho_Chi_Minh"
VN = ZoneInfo(TZ)
CAL = WorkCalendar()
LADDER = ReminderLadder()  # before-7 6/6, before-3 12/6, last-day 14/6, overdue-1 18/6, overdue-3 20/6 (escalated)
SIX_MONTH = RoundView(
    key="six-month-2018",
    due_at=dt.datetime(2018, 6, 15, tzinfo=VN),
    lock_at=dt.datetime(2018, 6, 29, tzinfo=VN),
    opens_at=dt.datetime(2018, 5, 15, tzinfo=VN),
)
PENDING = [AgencyView("SNV", "pending"), AgencyView("STC", "pending")]


def at(m, d, h=8, mi=0):
    return dt.datetime(2018, m, d, h, mi, tzinfo=VN)


def run(
    now,
    sent: AbstractSet[tuple[str, str]] | Mapping[tuple[str, str], dt.datetime] = frozenset(),
    agencies=PENDING,
    ladder=LADDER,
    skipped: AbstractSet[tuple[str, str]] = frozenset(),
    round=SIX_MONTH,
):
    result = reminder_run(
        now=now, round=round, agencies=agencies, sent=sent, ladder=ladder, calendar=CAL, tz=TZ, skipped=skipped
    )
    return (
        sorted((r.agency_code, r.step) for r in result.due),
        sorted((r.agency_code, r.step, r.reason) for r in result.skipped),
    )


def steps(now, **kw):
    return sorted({step for _, step in run(now, **kw)[0]})


def test_nothing_before_the_first_step_then_the_step_on_time():
    assert run(at(6, 6, 7, 59)) == ([], [])
    due = due_reminders(now=at(6, 6), round=SIX_MONTH, agencies=PENDING, sent=set(), ladder=LADDER, calendar=CAL, tz=TZ)
    assert [(r.agency_code, r.step, r.kind, r.send_at) for r in due] == [
        ("SNV", "before-7", "before", at(6, 6)),
        ("STC", "before-7", "before", at(6, 6)),
    ]
    # already sent: not again, all day long and over the weekend
    sent = {("SNV", "before-7"), ("STC", "before-7")}
    for now in (at(6, 6, 9), at(6, 9, 12), at(6, 11, 23, 59)):
        assert run(now, sent) == ([], [])


def test_reminders_stop_once_the_agency_reports():
    for status in ("on_time", "late", "nil", "exempt", "missing"):
        agencies = [AgencyView("SNV", status), AgencyView("STC", "pending")]
        assert run(at(6, 12), {("STC", "before-7"), ("SNV", "before-7")}, agencies) == ([("STC", "before-3")], [])
        # an agency that reported late gets no overdue reminder either
        assert run(at(6, 20), {("STC", "overdue-1")}, agencies)[0] == [("STC", "overdue-3")]


def test_catch_up_after_a_missed_week_sends_only_the_latest_step():
    # down from Tuesday 5/6 to Wednesday 13/6 10:00: before-7 (6/6) and before-3 (12/6) were missed
    due, skipped = run(at(6, 13, 10))
    assert due == [("SNV", "before-3"), ("STC", "before-3")]
    assert skipped == [("SNV", "before-7", "superseded"), ("STC", "before-7", "superseded")]
    # once the skips are recorded they are not reported again, and never sent
    sent = {("SNV", "before-3"), ("STC", "before-3")}
    skips = {("SNV", "before-7"), ("STC", "before-7")}
    assert run(at(6, 13, 11), sent, skipped=skips) == ([], [])
    # the next step comes on its own day
    assert steps(at(6, 14), sent=sent, skipped=skips) == ["last-day"]


def test_a_caller_that_records_no_skip_still_never_sends_an_out_of_date_step():
    sent = {("SNV", "before-3"), ("STC", "before-3")}
    for now in (at(6, 13, 11), at(6, 13, 23)):
        due, skipped = run(now, sent)
        assert due == []
        assert {s for _, s, _ in skipped} == {"before-7"}


def test_no_pre_deadline_reminder_once_d_has_come():
    # down until D itself (Friday 15/6 10:00): last-day is out of date, nothing is due until overdue-1
    due, skipped = run(at(6, 15, 10))
    assert due == []
    assert ("SNV", "last-day", "deadline-passed") in skipped
    assert ("SNV", "before-3", "superseded") in skipped
    assert run(at(6, 15, 0, 0))[0] == []
    assert run(at(6, 14, 23, 59))[0] == [("SNV", "last-day"), ("STC", "last-day")]
    # over the weekend still nothing; Monday 18/6 08:00 the first overdue reminder
    assert run(at(6, 17, 20))[0] == []
    assert steps(at(6, 18)) == ["overdue-1"]


def test_down_until_after_overdue_steps_sends_only_the_escalation():
    due, skipped = run(at(6, 21, 9))
    assert due == [("SNV", "overdue-3"), ("STC", "overdue-3")]
    assert {s for a, s, _ in skipped if a == "SNV"} == {"before-7", "before-3", "last-day", "overdue-1"}


def test_nothing_once_the_round_is_locked():
    assert run(at(6, 29, 0, 0)) == ([], [])
    assert run(at(7, 2)) == ([], [])
    # a step planned after the lock is never sent
    late = ReminderLadder(steps=[LadderStep(step="overdue-12", working_days_after=12)])
    assert run(at(6, 28, 23), ladder=late) == ([], [])


def test_maximum_count_counts_what_was_actually_sent():
    three = ReminderLadder(max_count=3)
    # a reminder of an earlier ladder version ('old') counts too
    sent = {("SNV", "before-7"), ("SNV", "old"), ("SNV", "before-3")}
    assert run(at(6, 14), sent, [AgencyView("SNV", "pending")], three) == ([], [])
    assert run(at(6, 14), sent - {("SNV", "old")}, [AgencyView("SNV", "pending")], three)[0] == [("SNV", "last-day")]


def test_minimum_gap_against_actual_send_times():
    two_days = ReminderLadder(min_gap_days=2)
    snv = [AgencyView("SNV", "pending")]
    # before-3 went out late, on Wednesday 13/6 (catch-up): last-day on Thursday would be too close
    sent = {("SNV", "before-3"): at(6, 13, 9)}
    assert run(at(6, 14), sent, snv, two_days) == ([], [("SNV", "before-7", "superseded")])
    assert run(at(6, 14, 23), sent, snv, two_days)[0] == []
    # it is never sent after D; the first overdue step goes out on Monday
    assert run(at(6, 15, 9), sent, snv, two_days)[1] == [
        ("SNV", "before-7", "superseded"),
        ("SNV", "last-day", "deadline-passed"),
    ]
    assert run(at(6, 18), sent, snv, two_days)[0] == [("SNV", "overdue-1")]
    # with planned times only (a plain set), before-3 counts as sent on 12/6: last-day may go on 14/6
    assert run(at(6, 14), {("SNV", "before-3")}, snv, two_days)[0] == [("SNV", "last-day")]


def test_nothing_on_or_before_the_opening_day():
    opened_late = RoundView(key="r", due_at=SIX_MONTH.due_at, lock_at=SIX_MONTH.lock_at, opens_at=at(6, 12, 0))
    # before-7 and before-3 would fall on or before the opening day: the request itself is enough
    assert run(at(6, 12, 9), round=opened_late) == ([], [])
    assert steps(at(6, 14), round=opened_late) == ["last-day"]


def test_digest_once_per_working_day():
    assert digest_due(now=at(6, 14, 7, 59), last_digest_on=dt.date(2018, 6, 13), calendar=CAL, tz=TZ, hour=8) is None
    assert digest_due(now=at(6, 14, 8), last_digest_on=dt.date(2018, 6, 13), calendar=CAL, tz=TZ, hour=8) == dt.date(
        2018, 6, 14
    )
    assert digest_due(now=at(6, 14, 15), last_digest_on=dt.date(2018, 6, 14), calendar=CAL, tz=TZ, hour=8) is None
    # weekends and holidays have none
    assert digest_due(now=at(6, 16, 9), last_digest_on=dt.date(2018, 6, 15), calendar=CAL, tz=TZ, hour=8) is None
    assert digest_due(now=at(9, 3, 9), last_digest_on=dt.date(2018, 8, 31), calendar=CAL, tz=TZ, hour=8) is None
    # after a week down: one digest, today's, not one per missed day
    assert digest_due(now=at(6, 18, 10), last_digest_on=dt.date(2018, 6, 8), calendar=CAL, tz=TZ, hour=8) == dt.date(
        2018, 6, 18
    )
    # `now` in UTC is read in local time: 01:30Z is 08:30 in Hồ Chí Minh
    utc = dt.datetime(2018, 6, 18, 1, 30, tzinfo=dt.UTC)
    assert digest_due(now=utc, last_digest_on=None, calendar=CAL, tz=TZ, hour=8) == dt.date(2018, 6, 18)


def test_round_view_of_a_database_row_starts_after_the_actual_opening():
    from models.plan import RoundKind
    from models.tables import Round

    utc = dt.UTC
    row = Round(
        plan_id=1,
        key="six-month-2018",
        kind=RoundKind.six_month,
        title="6 tháng",
        opens_at=dt.datetime(2018, 5, 14, 17, tzinfo=utc),
        due_at=dt.datetime(2018, 6, 14, 17, tzinfo=utc),
        lock_at=dt.datetime(2018, 6, 28, 17, tzinfo=utc),
    )
    assert RoundView.of(row) == RoundView("six-month-2018", row.due_at, row.lock_at, row.opens_at)
    row.opened_at = dt.datetime(2018, 6, 12, 3, tzinfo=utc)  # opened late, on 12/6 at 10:00 local
    view = RoundView.of(row)
    assert view.opens_at == row.opened_at
    assert steps(at(6, 12, 11), round=view) == []
    assert steps(at(6, 14), round=view) == ["last-day"]
