"""The plan format for any plan: recurring regimes, Decree cut-off defaults, any section label, no Decision, warnings."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from models.plan import Plan, RoundKind
from models.planfile import PlanIssue, check_files, load_plan_file, validate_files

DATA = Path(__file__).parent / "data"
PLAN = (DATA / "mini_plan.yaml").read_text(encoding="utf-8")
CONTACTS = (DATA / "mini_contacts.yaml").read_text(encoding="utf-8")
ROUNDS_END = "    tasks: all\nad_hoc:"  # the line after the mini plan's only round


def write(tmp_path: Path, *, rounds: str = "", edits: tuple[tuple[str, str], ...] = (), contacts: str = CONTACTS):
    """The mini plan with `rounds` appended to its rounds and `edits` applied; returns (plan path, contacts path)."""
    text = PLAN.replace(ROUNDS_END, "    tasks: all\n" + rounds + "ad_hoc:")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    plan, cont = tmp_path / "plan.yaml", tmp_path / "contacts.yaml"
    plan.write_text(text, encoding="utf-8")
    cont.write_text(contacts, encoding="utf-8")
    return plan, cont


def line_of(path: Path, needle: str) -> int:
    """1-based line of the first line of `path` containing `needle`."""
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


QUARTERLY = """  - key: quarter-2018
    kind: quarterly
    title: Báo cáo kết quả {period} năm {year}
"""


def test_a_quarterly_regime_expands_into_one_round_per_quarter(tmp_path):
    plan_path, _ = write(tmp_path, rounds=QUARTERLY)
    plan = load_plan_file(plan_path)
    quarters = [r for r in plan.rounds if r.kind == RoundKind.quarterly]
    assert [r.key for r in quarters] == [f"quarter-2018-q{q}" for q in range(1, 5)]
    assert [r.title for r in quarters] == [f"Báo cáo kết quả quý {n} năm 2018" for n in ("I", "II", "III", "IV")]
    assert [r.period for r in quarters] == [1, 2, 3, 4]
    # Decree 09/2019 cut-off: the 15th of the previous quarter's last month to the 14th of this quarter's last month
    assert [(r.cutoff_start, r.cutoff_end) for r in quarters] == [
        (dt.date(2017, 12, 15), dt.date(2018, 3, 14)),
        (dt.date(2018, 3, 15), dt.date(2018, 6, 14)),
        (dt.date(2018, 6, 15), dt.date(2018, 9, 14)),
        (dt.date(2018, 9, 15), dt.date(2018, 12, 14)),
    ]
    # default rule: due on the 15th of the quarter's last month, open 15 days before, lock 14 days after
    assert [r.due for r in quarters] == [dt.date(2018, m, 15) for m in (3, 6, 9, 12)]
    assert all(r.opens == r.due - dt.timedelta(days=15) and r.lock == r.due + dt.timedelta(days=14) for r in quarters)
    # the stored document keeps the regime as written, and reads back to the same rounds
    again = Plan.model_validate(plan.dump_document())
    assert again.rounds == plan.rounds
    assert plan.dump_document()["rounds"][1]["kind"] == "quarterly"


def test_a_monthly_regime_with_rules_and_chosen_periods(tmp_path):
    rounds = """  - key: month-2018
    kind: monthly
    title: Báo cáo {period} năm {year}
    periods: [1, 2, 11, 12]
    due: {day: 20, month: last}
    opens: {days_before_due: 5}
    lock: {days_after_due: 10}
"""
    plan = load_plan_file(write(tmp_path, rounds=rounds)[0])
    months = [r for r in plan.rounds if r.kind == RoundKind.monthly]
    assert [r.key for r in months] == ["month-2018-01", "month-2018-02", "month-2018-11", "month-2018-12"]
    assert months[0].title == "Báo cáo tháng 1 năm 2018"
    assert (months[0].cutoff_start, months[0].cutoff_end) == (dt.date(2017, 12, 15), dt.date(2018, 1, 14))
    assert [(r.opens, r.due, r.lock) for r in months][1] == (
        dt.date(2018, 2, 15),
        dt.date(2018, 2, 20),
        dt.date(2018, 3, 2),
    )


def test_explicit_due_dates_one_per_period_and_the_calendar_cutoff(tmp_path):
    rounds = """  - key: q-2018
    kind: quarterly
    title: Quý {period}
    periods: [1, 3]
    cutoff: calendar
    due_dates: [2018-04-05, 2018-10-05]
"""
    plan = load_plan_file(write(tmp_path, rounds=rounds)[0])
    q1, q3 = (r for r in plan.rounds if r.kind == RoundKind.quarterly)
    assert (q1.cutoff_start, q1.cutoff_end, q1.due) == (dt.date(2018, 1, 1), dt.date(2018, 3, 31), dt.date(2018, 4, 5))
    assert (q3.cutoff_start, q3.cutoff_end, q3.due) == (dt.date(2018, 7, 1), dt.date(2018, 9, 30), dt.date(2018, 10, 5))


def test_the_last_quarter_may_fall_due_in_january(tmp_path):
    rounds = QUARTERLY + "    periods: [4]\n    due: {day: 10, month: next}\n"
    plan = load_plan_file(write(tmp_path, rounds=rounds)[0])
    assert plan.round("quarter-2018-q4").due == dt.date(2019, 1, 10)


def test_regime_errors_name_the_entry_line_and_the_round(tmp_path):
    rounds = QUARTERLY + "    due: {day: 10, month: last}\n"
    path, _ = write(tmp_path, rounds=rounds)
    due = line_of(path, "due: {day: 10")
    assert validate_files(path) == [
        PlanIssue(
            str(path),
            due,
            "rounds[1].due",
            f"round quarter-2018-q{q}: due date 2018-{3 * q:02d}-10 is before the data cut-off end 2018-{3 * q:02d}-14",
        )
        for q in range(1, 5)
    ]


@pytest.mark.parametrize(
    "extra, field, message",
    [
        ("    due_dates: [2018-03-20]\n", "rounds[1]", "due_dates lists 1 dates for 4 periods: give one per period"),
        ("    periods: [2, 5]\n", "rounds[1]", "periods [5] do not exist: a quarterly regime has periods 1 to 4"),
        ("    periods: [3, 1]\n", "rounds[1]", "periods must be listed once each, in order"),
        (
            "    lock: {days_after_due: 5}\n    lock_dates: [2018-03-30, 2018-06-29, 2018-09-28, 2018-12-28]\n",
            "rounds[1]",
            "give either lock (a rule) or lock_dates (a list), not both",
        ),
        ("    due: {day: 32}\n", "rounds[1].due.day", "Input should be less than or equal to 31"),
        (
            "    due: {day: 15, month: first}\n",
            "rounds[1].due.month",
            "invalid value 'first': expected 'last' or 'next'",
        ),
        ("    cutof: calendar\n", "rounds[1].cutof", "unknown key (did you mean 'cutoff'?)"),
    ],
)
def test_regime_schema_errors(tmp_path, extra, field, message):
    path, _ = write(tmp_path, rounds=QUARTERLY + extra)
    issues = validate_files(path)
    assert [(i.field, i.message) for i in issues] == [(field, message)]
    assert issues[0].line is not None and issues[0].line >= line_of(path, "key: quarter-2018")


def test_a_title_with_an_unknown_placeholder_is_refused(tmp_path):
    path, _ = write(tmp_path, rounds=QUARTERLY.replace("{year}", "{nam}"))
    assert [(i.field, i.message) for i in validate_files(path)] == [
        ("rounds[1].title", "a title may only hold the placeholders {period} and {year}")
    ]


def test_a_regime_key_colliding_with_a_single_round_is_refused(tmp_path):
    single = """  - key: quarter-2018-q2
    kind: other
    title: Trùng khóa
    opens: 2018-05-01
    due: 2018-05-15
    lock: 2018-05-29
"""
    path, _ = write(tmp_path, rounds=single + QUARTERLY)
    assert [(i.field, i.message) for i in validate_files(path)] == [
        ("rounds[2]", "round key 'quarter-2018-q2' is given twice (a regime expands to it)")
    ]


def test_single_rounds_get_the_decree_cutoff_when_the_plan_gives_none(tmp_path):
    rounds = """  - key: nine-month-2018
    kind: nine_month
    title: Báo cáo 9 tháng năm 2018
    opens: 2018-09-03
    due: 2018-09-17
    lock: 2018-10-01
  - key: annual-2018
    kind: annual
    title: Báo cáo năm 2018
    opens: 2018-10-15
    due: 2018-11-15
    lock: 2018-11-29
  - key: q2-2018
    kind: quarterly
    title: Báo cáo quý II năm 2018
    cutoff_start: 2018-04-01
    cutoff_end: 2018-06-30
    opens: 2018-07-01
    due: 2018-07-10
    lock: 2018-07-20
"""
    plan = load_plan_file(write(tmp_path, rounds=rounds)[0])
    nine, annual, q2 = plan.round("nine-month-2018"), plan.round("annual-2018"), plan.round("q2-2018")
    assert (nine.cutoff_start, nine.cutoff_end) == (dt.date(2017, 12, 15), dt.date(2018, 9, 14))
    # the Decree's annual period runs to 14/12, after this due date: it ends the day before D instead
    assert (annual.cutoff_start, annual.cutoff_end) == (dt.date(2017, 12, 15), dt.date(2018, 11, 14))
    # a plan's own cut-off wins; a single quarterly round knows its quarter from it
    assert (q2.cutoff_start, q2.cutoff_end, q2.period) == (dt.date(2018, 4, 1), dt.date(2018, 6, 30), 2)
    assert plan.round("six-month-2018").cutoff_end == dt.date(2018, 6, 14)


def test_responsibilities_in_another_section_and_no_decision(tmp_path):
    decision = PLAN[PLAN.index("decision:") : PLAN.index("consolidator:")]
    edits = (
        (decision, ""),
        ("groups:\n", "responsibilities_section: III\ngroups:\n"),
        ("funding: {text: Dự toán kinh phí., appraiser: STC, copy_to: STTTT}\n", ""),
    )
    path, cont = write(tmp_path, edits=edits)
    path.write_text(path.read_text(encoding="utf-8").replace("IV.", "III."), encoding="utf-8")
    assert check_files(path, cont).errors == []
    plan = load_plan_file(path)
    assert plan.decision is None and plan.funding is None
    assert [g.section for g in plan.groups] == ["III.1", "III.2", "III.3"]
    assert [t.key for t in plan.tasks] == ["III.1.1", "III.2.1", "III.3.1"]


def test_groups_outside_the_responsibilities_section_are_named(tmp_path):
    path, _ = write(tmp_path, edits=(("section: IV.3, title", "section: V.3, title"),))
    messages = [(i.field, i.message) for i in validate_files(path)]
    assert (
        "groups[2].section",
        "group 'V.3' is not in the responsibilities section 'IV' "
        "(set responsibilities_section if the plan assigns responsibilities in another section)",
    ) in messages


def test_a_due_date_in_tet_warns_and_says_what_the_ladder_does(tmp_path):
    rounds = """  - key: tet-2018
    kind: other
    title: Báo cáo chuyên đề
    opens: 2018-01-22
    due: 2018-02-16
    lock: 2018-03-02
"""
    path, cont = write(tmp_path, rounds=rounds, edits=(("  date: 2018-04-13", "  date: 2018-01-10"),))
    result = check_files(path, cont)
    assert result.errors == []
    assert [str(w) for w in result.warnings] == [
        f"{path}:{line_of(path, 'due: 2018-02-16')}: rounds[1].due: round tet-2018: due date Fri 2018-02-16 is a "
        "public holiday (Tết Nguyên Đán), not a working day: reports are late from 2018-02-16 00:00, so the last "
        "working day to report is Tue 2018-02-13; the reminder ladder counts working days only and sends: "
        "before-7 on Mon 2018-02-05, before-3 on Fri 2018-02-09, last-day on Tue 2018-02-13, overdue-1 on "
        "Wed 2018-02-21, overdue-3 on Fri 2018-02-23. Move the due date to a working day if that is not intended"
    ]


def test_a_regime_due_on_a_weekend_warns_at_its_due_rule(tmp_path):
    # 15/9/2018 and 15/12/2018 are Saturdays; 15/3 and 15/6/2018 are working days
    path, _ = write(
        tmp_path, rounds=QUARTERLY + "    due: {day: 15}\n", edits=(("  date: 2018-04-13", "  date: 2018-01-10"),)
    )
    result = check_files(path)
    assert result.errors == []
    where = line_of(path, "due: {day: 15}")
    assert [(w.line, w.field) for w in result.warnings] == [(where, "rounds[1].due"), (where, "rounds[1].due")]
    assert "round quarter-2018-q3: due date Sat 2018-09-15 is a Saturday" in result.warnings[0].message
    assert "last working day to report is Fri 2018-09-14" in result.warnings[0].message
    assert "round quarter-2018-q4: due date Sat 2018-12-15 is a Saturday" in result.warnings[1].message


def test_a_non_ascii_mailbox_name_warns_about_smtputf8(tmp_path):
    contacts = CONTACTS.replace("{name: Văn thư, email: vanthu@stc", "{name: Văn thư, email: vănthư@stc")
    path, cont = write(tmp_path, contacts=contacts)
    result = check_files(path, cont)
    assert result.errors == []
    assert [str(w) for w in result.warnings] == [
        f"{cont}:7: agencies.STC.focal_points[0].email: address 'vănthư@stc.vinhlong.example' has a non-ASCII "
        "mailbox name: only a mail server that supports SMTPUTF8 can deliver to it; ask for an ASCII address if "
        "the province's server does not"
    ]


def test_an_internationalised_domain_alone_needs_no_warning(tmp_path):
    contacts = CONTACTS.replace("vanthu@bvl.vinhlong.example", "vanthu@báo.vinhlong.example")
    path, cont = write(tmp_path, contacts=contacts)
    assert check_files(path, cont) == check_files(*write(tmp_path))


def test_every_error_still_comes_with_file_line_and_field(tmp_path):
    rounds = QUARTERLY + "    periods: [9]\n"
    path, _ = write(tmp_path, rounds=rounds, edits=(("  province: Vĩnh Long\n", ""), ("kind: press", "kind: paper")))
    issues = validate_files(path)
    assert len(issues) == 3
    for issue in issues:
        assert re.fullmatch(rf"{re.escape(str(path))}:\d+: [\w.\[\]]+: .+", str(issue)), str(issue)


def test_a_period_due_before_the_plan_itself_warns(tmp_path):
    # the mini plan is dated 13/4/2018: its first quarter is already due when it is issued
    path, _ = write(tmp_path, rounds=QUARTERLY + "    due: {day: 16}\n")
    result = check_files(path)
    assert result.errors == []
    assert [w.message for w in result.warnings if "plan's date" in w.message] == [
        "round quarter-2018-q1: due date 2018-03-16 is not after the plan's date 2018-04-13: the round would open "
        "and fall due as soon as the plan is loaded (leave the period out with `periods`, or remove it)"
    ]


def test_a_plan_names_the_plan_it_continues_but_not_itself(tmp_path):
    path, _ = write(tmp_path, edits=(("  province: Vĩnh Long\n", "  province: Vĩnh Long\n  continues: mini-2017\n"),))
    assert load_plan_file(path).plan.continues == "mini-2017"
    path, _ = write(tmp_path, edits=(("  province: Vĩnh Long\n", "  province: Vĩnh Long\n  continues: mini-2018\n"),))
    assert [(i.line, i.field, i.message) for i in validate_files(path)] == [
        (9, "plan.continues", "a plan cannot continue itself: name the key of the plan it follows")
    ]


def test_a_monthly_round_without_its_due_date_says_how_to_write_either(tmp_path):
    rounds = """  - key: jan-2018
    kind: monthly
    title: Báo cáo tháng 1
    opens: 2018-01-08
    lock: 2018-01-29
"""
    path, _ = write(tmp_path, rounds=rounds)
    assert [(i.field, i.message) for i in validate_files(path)] == [
        (
            "rounds[1].opens",
            "a recurring regime takes a rule here (e.g. {days_before_due: 15}) or a list in opens_dates; "
            "a single round needs its own due date",
        ),
        (
            "rounds[1].lock",
            "a recurring regime takes a rule here (e.g. {days_after_due: 14}) or a list in lock_dates; "
            "a single round needs its own due date",
        ),
    ]
