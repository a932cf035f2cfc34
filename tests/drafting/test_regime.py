"""Reporting rounds from the regime's words (pure: the plan's year and date are parameters)."""

from __future__ import annotations

import datetime as dt

from drafting.regime import cutoff, merge_rounds, read_regime

PLAN_DATE = dt.date(2024, 2, 1)


def _rounds(text: str, year: int | None = 2024, plan_date: dt.date | None = PLAN_DATE):
    return merge_rounds(read_regime(text, 7, year, plan_date), plan_date)[0]


def test_six_month_and_annual_in_brackets_and_ad_hoc():
    r = _rounds("Báo cáo định kỳ 6 tháng (trước ngày 15/6) và năm (trước ngày 15/11); báo cáo đột xuất khi có yêu cầu.")
    assert [(x.kind, x.due) for x in r] == [
        ("six_month", dt.date(2024, 6, 15)),
        ("annual", dt.date(2024, 11, 15)),
        ("ad_hoc", None),
    ]
    assert r[2].source == "báo cáo đột xuất khi có yêu cầu"


def test_quarterly_rule_next_quarter_and_year_end():
    r = _rounds("Báo cáo hằng quý, chậm nhất ngày 05 tháng đầu của quý sau.")
    assert [x.due for x in r] == [dt.date(2024, 4, 5), dt.date(2024, 7, 5), dt.date(2024, 10, 5), dt.date(2025, 1, 5)]
    assert r[3].due is not None
    assert cutoff("quarterly", r[3].due, r[3].period) == (dt.date(2024, 9, 15), dt.date(2024, 12, 14))


def test_nine_month_and_monthly():
    r = _rounds("Báo cáo hằng tháng trước ngày 25 hằng tháng và báo cáo 9 tháng trước ngày 20/9.")
    months = [x for x in r if x.kind == "monthly"]
    assert [x.due.month for x in months if x.due] == list(range(2, 13))  # January's is before the plan's date
    assert next(x for x in r if x.kind == "nine_month").due == dt.date(2024, 9, 20)


def test_missing_year_is_a_todo_not_a_guess():
    r = _rounds("Báo cáo 6 tháng trước ngày 15/6.", year=None, plan_date=None)
    assert r[0].due is None and "no year" in (r[0].todo or "")


def test_period_without_deadline_is_a_todo():
    r = _rounds("Định kỳ hằng quý các đơn vị báo cáo kết quả về Sở Nội vụ.")
    assert r[0].kind == "quarterly" and r[0].due is None and r[0].todo


def test_annual_due_next_january():
    r = _rounds("Báo cáo năm trước ngày 10 tháng 01 năm sau.")
    due = r[0].due
    assert due is not None and due == dt.date(2025, 1, 10)
    assert cutoff("annual", due, None) == (dt.date(2023, 12, 15), dt.date(2024, 12, 14))


def test_periods_named_together_with_their_dates_listed_after():
    r = _rounds("Các đơn vị gửi báo cáo 6 tháng và năm trước ngày 15/6 và 15/12 về Sở Nội vụ.")
    assert [(x.kind, x.due) for x in r] == [("six_month", dt.date(2024, 6, 15)), ("annual", dt.date(2024, 12, 15))]


def test_quarterly_dates_listed_one_by_one():
    r = _rounds("Báo cáo quý trước ngày 15/3, 15/6, 15/9 và 15/12.")
    assert [(x.period, x.due) for x in r] == [
        (1, dt.date(2024, 3, 15)),
        (2, dt.date(2024, 6, 15)),
        (3, dt.date(2024, 9, 15)),
        (4, dt.date(2024, 12, 15)),
    ]


def test_a_stated_data_cut_off_replaces_the_decree_default():
    r = _rounds(
        "Báo cáo 6 tháng trước ngày 20/6 (thời gian chốt số liệu từ ngày 15/12 năm trước đến ngày 14/6); "
        "báo cáo năm trước ngày 15/12, số liệu tính từ 01/01 đến 30/11."
    )
    assert [(x.kind, x.cutoff) for x in r] == [
        ("six_month", (dt.date(2023, 12, 15), dt.date(2024, 6, 14))),
        ("annual", (dt.date(2024, 1, 1), dt.date(2024, 11, 30))),
    ]


def test_no_stated_cut_off_leaves_it_to_the_decree():
    (r,) = _rounds("Báo cáo 6 tháng trước ngày 20/6.")
    assert r.cutoff is None
