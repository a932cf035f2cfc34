"""Rounds of the plan file from the regime's round specifications: keys, titles, the kind the plan
format knows (or a TODO), Decree 09/2019's data cut-off, and default opening and lock dates."""

from __future__ import annotations

import datetime as dt

from drafting.regime import RoundSpec, cutoff
from drafting.writer import S, todo
from models.plan import Round, RoundKind

ROUND_TITLES = {
    "six_month": "6 tháng đầu năm {y}",
    "nine_month": "9 tháng năm {y}",
    "annual": "năm {y}",
    "quarterly": "quý {q} năm {y}",
    "monthly": "tháng {m} năm {y}",
    "unspecified": "",  # a report asked for by a date, its period not said
    "budget_estimate": "năm {y}",
}


ROUND_KEYS = {"six_month": "six-month-{y}", "nine_month": "nine-month-{y}", "annual": "annual-{y}",
              "quarterly": "quarter-{p}-{y}", "monthly": "month-{p:02d}-{y}", "unspecified": "report-{y}",
              "budget_estimate": "budget-{y}"}  # fmt: skip


OPEN_DAYS = {"monthly": 10, "quarterly": 20}  # else a month before the due date


LOCK_DAYS = 14


ROMAN_Q = {1: "I", 2: "II", 3: "III", 4: "IV"}


def round_kind(kind: str) -> str | None:
    """The plan format's round kind for a regime period, or None when the format has none (before #12)."""
    return kind if kind in {k.value for k in RoundKind} else None


def _month_before(d: dt.date) -> dt.date:
    y, m = (d.year, d.month - 1) if d.month > 1 else (d.year - 1, 12)
    for day in (d.day, 28):
        try:
            return dt.date(y, m, day)
        except ValueError:
            continue
    return d - dt.timedelta(days=30)


def rounds_of(
    specs: list[RoundSpec], subject: str, year: int | None, plan_date: dt.date | None, budget_task: str | None = None
) -> tuple[list[dict], dict]:
    """The rounds of the plan file and its ad-hoc settings, from the regime's specifications (a
    budget-estimate round asks only about the funding duty, `budget_task`)."""
    rounds: list[dict] = []
    ad_hoc = {"enabled": S(False, None, "the regime names no ad-hoc report"), "text": S("")}
    for s in specs:
        if s.kind == "ad_hoc":
            ad_hoc = {
                "enabled": S(True, s.line, s.source),
                "default_days_to_due": S(10, None, "default"),
                "lock_days_after_due": S(10, None, "default"),
                "text": S(s.source, s.line),
            }
            continue
        y = s.due.year if s.due else year
        fmt = {"y": y if y is not None else "TODO", "p": s.period or 0}
        kind = round_kind(s.kind)
        key = ROUND_KEYS[s.kind].format(**fmt) if y is not None else f"{s.kind.replace('_', '-')}-{len(rounds) + 1}"
        title_period = ROUND_TITLES[s.kind].format(y=fmt["y"], q=ROMAN_Q.get(s.period or 0, "?"), m=s.period or "?")
        r: dict = {
            "key": S(key, s.line),
            "kind": S(kind, s.line, s.source)
            if kind
            else todo(
                "the regime gives a date but not the period this report covers: choose its kind"
                if s.kind == "unspecified"
                else f"the plan format has no round kind '{s.kind}' (issue #12)",
                s.source,
                s.line,
            ),
            "title": S(
                f"Kế hoạch và dự toán kinh phí {subject} {title_period}"
                if s.kind == "budget_estimate"
                else f"Kết quả thực hiện {subject} {title_period}".rstrip(),
                None,
                "from the plan's title and the period",
            ),
        }
        if s.due is None:
            # one TODO, written once: opens and lock refer to it
            why = todo(s.todo or "no deadline", s.source, s.line)
            why.anchor = f"due{len(rounds) + 1}"
            r.update(due=why, opens=S(None, alias=why.anchor), lock=S(None, alias=why.anchor))
        else:
            if s.cutoff:
                r["cutoff_start"] = S(s.cutoff[0], s.line, "the data cut-off the plan states")
                r["cutoff_end"] = S(s.cutoff[1], s.line, "the data cut-off the plan states")
            elif cut := cutoff(s.kind, s.due, s.period):
                r["cutoff_start"] = S(cut[0], None, "Decree 09/2019/NĐ-CP data cut-off")
                r["cutoff_end"] = S(cut[1], None, "Decree 09/2019/NĐ-CP, ending before the due date")
            lead = OPEN_DAYS.get(s.kind)
            opens = s.due - dt.timedelta(days=lead) if lead else _month_before(s.due)
            note = "default: requests go out before the due date"
            if plan_date and plan_date < s.due and opens < plan_date:  # not before the plan exists
                opens, note = plan_date, "default: the plan's date (the usual lead time starts before it)"
            r["opens"] = S(opens, None, note)
            r["due"] = S(s.due, s.line, s.source)
            r["lock"] = S(s.due + dt.timedelta(days=LOCK_DAYS), None, f"default: {LOCK_DAYS} days after the due date")
        if s.period is not None and "period" in Round.model_fields:  # the plan format after issue #12
            r["period"] = S(s.period, s.line, "the month or quarter the round covers")
        r["roster"] = S("all", None, "default: every agency but the consolidator")
        if s.kind == "budget_estimate" and budget_task:
            r["tasks"] = S([budget_task], s.line, "the funding duty")
        else:
            r["tasks"] = S("all", None, "default: every task")
        rounds.append(r)
    return rounds, ad_hoc
