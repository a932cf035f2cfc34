"""Reading plan and contacts files: YAML to pydantic, with every error named by file, line and field.

Every problem is reported at once (YAML structure, schema, cross-references), one `PlanIssue` per
problem, each pointing at the line of the offending key or value in the file.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from models.deadlines import local_midnight
from models.plan import ALL, ROUND_TAGS, AgencyKind, Contacts, Plan, RecurringRounds, Round
from models.reminders import planned_reminders
from models.workdays import WorkCalendar

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, order=True)
class PlanIssue:
    """One problem in a plan or contacts file."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class PlanFileError(Exception):
    """A plan or contacts file that does not validate; `.errors` lists every problem."""

    def __init__(self, errors: list[PlanIssue]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so that pydantic (not PyYAML) reports an impossible date."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _yaml_issue(name: str, exc: yaml.YAMLError) -> PlanIssue:
    """A YAML syntax error at the line PyYAML stopped on, with where the broken construct started."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    message = f"YAML syntax error: {getattr(exc, 'problem', None) or exc}"
    context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and start is not None:
        message += f" ({context} that starts at line {start.line + 1})"
    return PlanIssue(name, mark.line + 1 if mark else None, "", message)


def field_path(loc: Iterable[str | int]) -> str:
    """`('rounds', 1, 'due')` as `rounds[1].due`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Source:
    """A YAML file parsed once: its data and its node tree, to find the line of any field."""

    def __init__(self, path: str | Path):
        self.name = str(path)
        self.issues: list[PlanIssue] = []
        self.warnings: list[PlanIssue] = []
        self.data: Any = None
        self.root: yaml.Node | None = None
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.issues.append(PlanIssue(self.name, None, "", f"cannot read the file: {exc}"))
            return
        loader = _Loader(text)
        try:
            self.root = loader.get_single_node()
            if self.root is not None:
                self._duplicate_keys(self.root, ())
                self.data = loader.construct_document(self.root)
        except yaml.YAMLError as exc:
            self.root, self.data = None, None
            self.issues.append(_yaml_issue(self.name, exc))
        finally:
            loader.dispose()
        if not self.issues and not isinstance(self.data, dict):
            what = "the file is empty" if self.root is None else "the file must be a YAML mapping of sections"
            self.issues.append(PlanIssue(self.name, 1, "", what))

    def _duplicate_keys(self, node: yaml.Node, loc: Loc) -> None:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key, value in node.value:
                k: Any = key.value if isinstance(key, yaml.ScalarNode) else None
                if k in seen:
                    self.issues.append(
                        PlanIssue(
                            self.name,
                            key.start_mark.line + 1,
                            field_path((*loc, k)),
                            f"duplicate key (first at line {seen[k]})",
                        )
                    )
                else:
                    seen[k] = key.start_mark.line + 1
                self._duplicate_keys(value, (*loc, k))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._duplicate_keys(item, (*loc, i))

    def line(self, loc: Loc) -> int | None:
        """Line (1-based) of the deepest node `loc` reaches: a mapping key's line, a list item's line."""
        node, line = self.root, (self.root.start_mark.line + 1 if self.root is not None else None)
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                found = next(
                    ((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(part)), None
                )
                if found is None:
                    break
                line, node = found[0].start_mark.line + 1, found[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                break
        return line

    def issue(self, loc: Loc, message: str) -> PlanIssue:
        """An issue at `loc`."""
        return PlanIssue(self.name, self.line(loc), field_path(loc), message)


def _field_named(model: type[BaseModel], part: str) -> Any:
    """The field of `model` whose YAML key (alias, else name) is `part`."""
    for name, field in model.model_fields.items():
        if (field.alias or name) == part:
            return field
    return None


def _models_at(model: type[BaseModel], loc: Loc) -> list[type[BaseModel]]:
    """The pydantic models that may validate the mapping at `loc` under `model` (several for a union)."""
    current: list[type[BaseModel]] = [model]
    for part in loc:
        if not isinstance(part, str):
            continue  # a list index stays within the same model
        fields = [f for m in current if (f := _field_named(m, part)) is not None]
        if not fields:
            continue  # a dict key (e.g. an agency code), which stays within the same model
        current = [m for f in fields for m in _inner_models(f.annotation)]
        if not current:
            return []
    return current


def _inner_models(annotation: Any) -> list[type[BaseModel]]:
    """The BaseModels inside list[...], dict[str, ...], unions and Annotated[...]."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found += [m for m in _inner_models(arg) if m not in found]
    return found


def _yaml_keys(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _message(err: ErrorDetails, model: type[BaseModel], loc: Loc) -> str:
    """A pydantic error as a short English message."""
    kind, value = err["type"], err.get("input")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        owners = _models_at(model, loc[:-1]) if loc else []
        keys = [k for m in owners for k in _yaml_keys(m)]
        close = difflib.get_close_matches(str(loc[-1]), keys, n=1) if keys else []
        return f"unknown key (did you mean '{close[0]}'?)" if close else "unknown key (not allowed here; a typo?)"
    if kind.startswith("date"):
        reason = (err.get("ctx") or {}).get("error")
        return f"invalid date {value!r}" + (f": {reason}" if reason else "")
    msg = err["msg"]
    if kind in ("enum", "literal_error"):
        return f"invalid value {value!r}: " + msg.replace("Input should be", "expected")
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _round_tag_at(loc: tuple, n: int) -> bool:
    """True when `loc[n]` is the union tag pydantic puts after `rounds[i]` (not a YAML key)."""
    return n >= 2 and loc[n] in ROUND_TAGS and loc[n - 2] == "rounds" and isinstance(loc[n - 1], int)


def _schema_issues(src: _Source, model: type[M]) -> tuple[M | None, list[PlanIssue]]:
    try:
        return model.model_validate(src.data), []
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            # drop pydantic's internal tags (e.g. 'function-after[...]') that are not YAML keys
            raw = err["loc"]
            loc = tuple(
                p
                for n, p in enumerate(raw)
                if not (isinstance(p, str) and ("[" in p or p.startswith("function-") or _round_tag_at(raw, n)))
            )
            issues.append(src.issue(loc, _message(err, model, loc)))
        return None, issues


# ---- cross-reference checks, on the raw data so that they run even when the schema fails ----


def _items(data: Any, key: str) -> Iterator[tuple[int, dict]]:
    """(index, item) of the mappings in the list `data[key]`."""
    seq = data.get(key) if isinstance(data, dict) else None
    if isinstance(seq, list):
        for i, item in enumerate(seq):
            if isinstance(item, dict):
                yield i, item


def _strs(value: Any) -> Iterator[tuple[int, str]]:
    if isinstance(value, list):
        for j, v in enumerate(value):
            if isinstance(v, str):
                yield j, v


_DATE = TypeAdapter(dt.date)


def _date(value: Any) -> dt.date | None:
    try:
        return _DATE.validate_python(value)
    except ValidationError:
        return None


def _unique(src: _Source, section: str, key: str, what: str) -> dict[Any, int]:
    """Map of value -> index for `data[section][*][key]`, reporting every duplicate."""
    first: dict[Any, int] = {}
    for i, item in _items(src.data, section):
        value = item.get(key)
        if value is None or isinstance(value, (list, dict)):
            continue
        if value in first:
            line = src.line((section, first[value], key))
            src.issues.append(src.issue((section, i, key), f"duplicate {what} {value!r} (first at line {line})"))
        else:
            first[value] = i
    return first


def _plan_checks(src: _Source) -> None:
    d = src.data
    codes = _unique(src, "agencies", "code", "agency code")
    task_keys = _unique(src, "tasks", "key", "task key")
    items = _unique(src, "content_items", "number", "content item number")
    sections = _unique(src, "groups", "section", "group section")
    _unique(src, "rounds", "key", "round key")

    def known_agency(loc: Loc, code: Any) -> None:
        if isinstance(code, str) and code not in codes:
            src.issues.append(src.issue(loc, f"unknown agency {code!r}"))

    for party in ("consolidator", "recipient", "steering_committee"):
        if isinstance(d.get(party), dict) and d[party].get("agency") is not None:
            known_agency((party, "agency"), d[party]["agency"])
    for key in ("appraiser", "copy_to"):
        if isinstance(d.get("funding"), dict):
            known_agency(("funding", key), d["funding"].get(key))
    press = d.get("press_briefings")
    if isinstance(press, dict):
        known_agency(("press_briefings", "organiser"), press.get("organiser"))
        if isinstance(press.get("content_item"), int) and press["content_item"] not in items:
            src.issues.append(
                src.issue(("press_briefings", "content_item"), f"unknown content item {press['content_item']}")
            )

    label = d.get("responsibilities_section", "IV")
    label = label if isinstance(label, str) else "IV"
    group_agencies: dict[str, set[str]] = {}
    for i, g in _items(d, "groups"):
        section = g.get("section")
        if isinstance(section, str):
            group_agencies[section] = {c for _, c in _strs(g.get("agencies"))}
        if isinstance(section, str) and not section.startswith(f"{label}."):
            src.issues.append(
                src.issue(
                    ("groups", i, "section"),
                    f"group {section!r} is not in the responsibilities section {label!r} "
                    f"(set responsibilities_section if the plan assigns responsibilities in another section)",
                )
            )
        for j, code in _strs(g.get("agencies")):
            known_agency(("groups", i, "agencies", j), code)

    tasked: dict[str, set[str]] = {}
    for i, t in _items(d, "tasks"):
        agencies = [c for _, c in _strs(t.get("agencies"))]
        for j, code in _strs(t.get("agencies")):
            known_agency(("tasks", i, "agencies", j), code)
        if t.get("lead") is not None:
            known_agency(("tasks", i, "lead"), t["lead"])
            if t["lead"] in codes and t["lead"] not in agencies:
                src.issues.append(
                    src.issue(("tasks", i, "lead"), f"lead {t['lead']!r} is not among the task's agencies")
                )
        if isinstance(t.get("content_items"), list):
            for j, n in enumerate(t["content_items"]):
                if isinstance(n, int) and n not in items:
                    src.issues.append(src.issue(("tasks", i, "content_items", j), f"unknown content item {n}"))
        section = t.get("section")
        if isinstance(section, str) and section.startswith(f"{label}."):
            if section not in sections:
                src.issues.append(src.issue(("tasks", i, "section"), f"no group {section!r} in groups"))
                continue
            tasked.setdefault(section, set()).update(agencies)
            for j, code in _strs(t.get("agencies")):
                if code in codes and code not in group_agencies.get(section, set()):
                    src.issues.append(
                        src.issue(("tasks", i, "agencies", j), f"agency {code!r} is not in group {section}")
                    )
    for i, g in _items(d, "groups"):
        section = g.get("section")
        if not isinstance(section, str):
            continue
        if section not in tasked:
            src.issues.append(src.issue(("groups", i), f"group {section} has no task"))
            continue
        for j, code in _strs(g.get("agencies")):
            if code in codes and code not in tasked.get(section, set()):
                src.issues.append(
                    src.issue(
                        ("groups", i, "agencies", j), f"agency {code!r} carries none of the tasks of group {section}"
                    )
                )

    year = d.get("plan", {}).get("year") if isinstance(d.get("plan"), dict) else None
    consolidator = d.get("consolidator", {}).get("agency") if isinstance(d.get("consolidator"), dict) else None
    kinds = {a.get("code"): a.get("kind") for _, a in _items(d, "agencies")}
    reporting = [c for c in codes if kinds.get(c) != AgencyKind.consolidator.value and c != consolidator]
    for i, r in _items(d, "rounds"):
        _round_checks(src, i, r, year, codes, task_keys, reporting, consolidator)

    cal = d.get("calendar")
    if isinstance(cal, dict) and isinstance(year, int):
        days = {}
        for key in ("extra_days_off", "extra_working_days"):
            for j, value in enumerate(cal.get(key) or []):
                day = _date(value)
                if day is None:
                    continue
                if day.year != year:
                    src.issues.append(src.issue(("calendar", key, j), f"date {day} is outside the plan's year {year}"))
                if day in days and days[day] != key:
                    src.issues.append(
                        src.issue(("calendar", key, j), f"{day} is both an extra day off and an extra working day")
                    )
                days[day] = key


_DATE_KEYS = ("cutoff_start", "cutoff_end", "opens", "due", "lock")


def _round_checks(src, i, r, year, codes, task_keys, reporting, consolidator) -> None:
    loc = ("rounds", i)
    if (
        isinstance(r.get("kind"), str)
        and r.get("kind") in ("monthly", "quarterly")
        and not isinstance(r.get("due"), (str, dt.date))
    ):
        _recurring_date_checks(src, loc, r, year)
    else:
        if (r.get("cutoff_start") is None) != (r.get("cutoff_end") is None):
            missing = "cutoff_end" if r.get("cutoff_end") is None else "cutoff_start"
            src.issues.append(
                src.issue((*loc, missing), "the data cut-off period needs both cutoff_start and cutoff_end")
            )
        dates = {k: _date(r.get(k)) for k in _DATE_KEYS}
        _date_checks(src, {k: (*loc, k) for k in _DATE_KEYS}, dates, year, "")
    _roster_checks(src, loc, r, codes, task_keys, reporting, consolidator)


def _recurring_date_checks(src: _Source, loc: Loc, r: dict, year: Any) -> None:
    """The date checks on every round a monthly or quarterly regime expands to, pointing at the entry's keys."""
    if not isinstance(year, int):
        return
    try:
        spec = RecurringRounds.model_validate(r)
    except (ValidationError, ValueError):
        return  # the schema errors are already reported
    for k, rnd in enumerate(spec.expand(year)):
        where: dict[str, Loc] = {}
        for key in _DATE_KEYS:
            plural = {"opens": "opens_dates", "due": "due_dates", "lock": "lock_dates"}.get(key)
            if plural and r.get(plural) is not None:
                where[key] = (*loc, plural, k)
            elif plural and key in r:
                where[key] = (*loc, key)
            else:
                where[key] = (*loc, "cutoff") if key.startswith("cutoff") and "cutoff" in r else loc
        dates = {key: getattr(rnd, key) for key in _DATE_KEYS}
        _date_checks(src, where, dates, year, f"round {rnd.key}: ")


def _date_checks(src: _Source, where: dict[str, Loc], dates: dict[str, dt.date | None], year: Any, prefix: str) -> None:
    """Dates within the plan's year, and cut-off start <= end < due, opens <= due <= lock."""
    if isinstance(year, int):
        allowed = {
            "cutoff_start": (year - 1, year),
            "cutoff_end": (year - 1, year),
            "opens": (year, year),
            "due": (year, year),
            "lock": (year, year + 1),
        }
        for k, day in dates.items():
            lo, hi = allowed[k]
            # A report on the year's last period may fall due in January of the next year.
            next_january = k in ("opens", "due") and day is not None and (day.year, day.month) == (year + 1, 1)
            if day is not None and not lo <= day.year <= hi and not next_january:
                src.issues.append(src.issue(where[k], f"{prefix}date {day} is outside the plan's year {year}"))
    start, end, opens, due, lock = (dates[k] for k in _DATE_KEYS)
    if start and end and start > end:
        src.issues.append(src.issue(where["cutoff_end"], f"{prefix}data cut-off end {end} is before its start {start}"))
    if due and end and due <= end:
        rel = "before" if due < end else "on"
        src.issues.append(src.issue(where["due"], f"{prefix}due date {due} is {rel} the data cut-off end {end}"))
    if opens and due and opens > due:
        src.issues.append(src.issue(where["opens"], f"{prefix}opening date {opens} is after the due date {due}"))
    if lock and due and lock < due:
        src.issues.append(src.issue(where["lock"], f"{prefix}lock date {lock} is before the due date {due}"))


def _roster_checks(src, loc, r, codes, task_keys, reporting, consolidator) -> None:
    roster = r.get("roster", ALL)
    if roster == ALL:
        expected = list(reporting)
        if not expected:
            src.issues.append(
                src.issue((*loc, "roster"), "empty roster: the plan has no agency that reports to the consolidator")
            )
    elif isinstance(roster, list):
        expected = [c for _, c in _strs(roster)]
        if not roster:
            src.issues.append(src.issue((*loc, "roster"), "empty roster: list at least one agency, or 'all'"))
        for j, code in _strs(roster):
            if code not in codes:
                src.issues.append(src.issue((*loc, "roster", j), f"unknown agency {code!r}"))
            elif code == consolidator:
                src.issues.append(
                    src.issue((*loc, "roster", j), f"the consolidator {code!r} does not report to itself")
                )
    else:
        expected = []
    exempt = [c for _, c in _strs(r.get("exempt"))]
    for j, code in _strs(r.get("exempt")):
        if code not in codes:
            src.issues.append(src.issue((*loc, "exempt", j), f"unknown agency {code!r}"))
        elif code not in expected:
            src.issues.append(src.issue((*loc, "exempt", j), f"agency {code!r} is exempt but not on the roster"))
    if expected and set(expected) <= set(exempt):
        src.issues.append(src.issue((*loc, "exempt"), "empty roster: every agency on the roster is exempt"))
    if isinstance(r.get("tasks"), list):
        if not r["tasks"]:
            src.issues.append(src.issue((*loc, "tasks"), "no task: list at least one task key, or 'all'"))
        for j, key in _strs(r["tasks"]):
            if key not in task_keys:
                src.issues.append(src.issue((*loc, "tasks", j), f"unknown task {key!r}"))


def _contacts_checks(src: _Source, agency_codes: set[str] | None, must_have: list[str]) -> None:
    entries = src.data.get("agencies") if isinstance(src.data, dict) else None
    if not isinstance(entries, dict):
        return
    for code, entry in entries.items():
        if agency_codes is not None and code not in agency_codes:
            src.issues.append(src.issue(("agencies", code), f"agency {code!r} is not in the plan"))
        if isinstance(entry, dict):
            seen: dict[str, int] = {}
            for j, person in enumerate(entry.get("focal_points") or []):
                email = person.get("email") if isinstance(person, dict) else None
                if isinstance(email, str):
                    if email.lower() in seen:
                        src.issues.append(
                            src.issue(
                                ("agencies", code, "focal_points", j, "email"), f"duplicate focal point {email!r}"
                            )
                        )
                    seen[email.lower()] = j
    for code, entry in entries.items():
        if code in must_have and isinstance(entry, dict) and not entry.get("focal_points"):
            src.warnings.append(
                src.issue(
                    ("agencies", code),
                    f"agency {code!r} has no focal point yet: it is accepted, gets no email, "
                    "and shows as 'no contact' until one is added",
                )
            )
    for code in must_have:
        if code not in entries:
            src.warnings.append(
                src.issue(
                    ("agencies",),
                    f"agency {code!r} of the plan has no contacts yet: it is accepted, gets no email, "
                    "and shows as 'no contact' until its focal point is added here",
                )
            )
    for loc, address in _addresses(src.data):
        if _needs_smtputf8(address):
            src.warnings.append(
                src.issue(
                    loc,
                    f"address {address!r} has a non-ASCII mailbox name: only a mail server that supports "
                    "SMTPUTF8 can deliver to it; ask for an ASCII address if the province's server does not",
                )
            )


def _addresses(data: Any) -> Iterator[tuple[Loc, str]]:
    """(location, address) of every email address in a contacts file's raw data."""
    if not isinstance(data, dict):
        return
    for role in ("officer", "director", "chairman", "steering_committee"):
        person = data.get(role)
        if isinstance(person, dict) and isinstance(person.get("email"), str):
            yield (role, "email"), person["email"]
    entries = data.get("agencies")
    if not isinstance(entries, dict):
        return
    for code, entry in entries.items():
        if not isinstance(entry, dict):
            continue
        for j, person in enumerate(entry.get("focal_points") or []):
            if isinstance(person, dict) and isinstance(person.get("email"), str):
                yield ("agencies", code, "focal_points", j, "email"), person["email"]
        head = entry.get("head")
        if isinstance(head, dict) and isinstance(head.get("email"), str):
            yield ("agencies", code, "head", "email"), head["email"]
        for j, address in _strs(entry.get("allowed_senders")):
            yield ("agencies", code, "allowed_senders", j), address


def _needs_smtputf8(address: str) -> bool:
    """True when delivering to `address` needs the SMTPUTF8 extension (a non-ASCII local part)."""
    try:
        return bool(validate_email(address, check_deliverability=False).smtputf8)
    except EmailNotValidError:
        return False  # a malformed address is a schema error, reported elsewhere


def _round_locations(src: _Source, plan: Plan) -> dict[str, Loc]:
    """Where each concrete round's due date is written: its own `due`, a regime's `due_dates[k]` or `due`."""
    where: dict[str, Loc] = {}
    raw = [item for _, item in _items(src.data, "rounds")]
    for i, entry in enumerate(plan.round_entries):
        item = raw[i] if i < len(raw) else {}
        if isinstance(entry, RecurringRounds):
            for k, p in enumerate(entry.period_numbers()):
                key = entry.round_key(p)
                if item.get("due_dates") is not None:
                    where[key] = ("rounds", i, "due_dates", k)
                else:
                    where[key] = ("rounds", i, "due") if "due" in item else ("rounds", i)
        else:
            where[entry.key] = ("rounds", i, "due")
    return where


def _expanded_checks(src: _Source, plan: Plan) -> None:
    """Checks on the concrete rounds: unique keys across regimes, and due dates that fall on a day off."""
    where = _round_locations(src, plan)
    seen: set[str] = set()
    for r in plan.rounds:
        if r.key in seen:
            src.issues.append(
                src.issue(where.get(r.key, ("rounds",)), f"round key {r.key!r} is given twice (a regime expands to it)")
            )
        seen.add(r.key)
    calendar = WorkCalendar.from_config(plan.calendar)
    for r in plan.rounds:
        if r.due <= plan.plan.date:
            src.warnings.append(
                src.issue(
                    where.get(r.key, ("rounds",)),
                    f"round {r.key}: due date {r.due} is not after the plan's date {plan.plan.date}: the round would "
                    "open and fall due as soon as the plan is loaded (leave the period out with `periods`, or remove it)",
                )
            )
        if calendar.is_working_day(r.due):
            continue
        src.warnings.append(src.issue(where.get(r.key, ("rounds",)), _day_off_message(plan, r, calendar)))


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _day(d: dt.date) -> str:
    return f"{_WEEKDAYS[d.weekday()][:3]} {d.isoformat()}"


def _day_off_message(plan: Plan, r: Round, calendar: WorkCalendar, tz: str = "Asia/Ho_Chi_Minh") -> str:
    """Why a due date on a day off matters, and what the reminder ladder will do about it."""
    holiday = calendar.holiday_name(r.due)
    what = f"a public holiday ({holiday})" if holiday else f"a {_WEEKDAYS[r.due.weekday()]}"
    last = calendar.previous_working_day(r.due)
    ladder = r.ladder or plan.reminders
    planned = planned_reminders(
        due=r.due,
        ladder=ladder,
        calendar=calendar,
        tz=tz,
        opens_at=local_midnight(r.opens, tz),
        lock_at=local_midnight(r.lock, tz),
    )
    steps = ", ".join(f"{p.step} on {_day(p.on)}" for p in planned) or "no reminder (the round is too short)"
    return (
        f"round {r.key}: due date {_day(r.due)} is {what}, not a working day: reports are late from "
        f"{r.due.isoformat()} 00:00, so the last working day to report is {_day(last)}; the reminder ladder "
        f"counts working days only and sends: {steps}. Move the due date to a working day if that is not intended"
    )


_PLACEHOLDER = re.compile(r"<<[^<>]*>>")


def _placeholder_checks(src: _Source, value: Any = None, loc: Loc = ()) -> None:
    """Every '<<...>>' left from the skeleton of `planflow plan new` (in a key or a value) is an error."""
    value = src.data if not loc else value
    if isinstance(value, dict):
        for k, v in value.items():
            found = _PLACEHOLDER.search(k) if isinstance(k, str) else None
            if found:
                src.issues.append(src.issue((*loc, k), f"placeholder {found.group()} not filled in"))
            _placeholder_checks(src, v, (*loc, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _placeholder_checks(src, v, (*loc, i))
    elif isinstance(value, str) and (found := _PLACEHOLDER.search(value)):
        src.issues.append(src.issue(loc, f"placeholder {found.group()} not filled in"))


def _todo_checks(src: _Source) -> None:
    """A value left as 'TODO…' (by `planflow plan draft`) is an error at its line, in place of whatever
    else is said about that placeholder; a TODO repeated through a YAML alias is reported once."""
    todos: list[tuple[Loc, yaml.Node]] = []

    def walk(node: yaml.Node | None, loc: Loc) -> None:
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":str") and node.value.startswith("TODO"):
            todos.append((loc, node))
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                walk(value, (*loc, key.value if isinstance(key, yaml.ScalarNode) else "?"))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*loc, i))

    walk(src.root, ())
    paths = [field_path(loc) for loc, _ in todos]
    src.issues = [
        i for i in src.issues if not any(i.field == p or i.field.startswith((p + ".", p + "[")) for p in paths)
    ]
    seen: set[int] = set()
    for loc, node in todos:
        if id(node) not in seen:
            seen.add(id(node))
            src.issues.append(PlanIssue(src.name, node.start_mark.line + 1, field_path(loc), node.value))


def _finish(issues: list[PlanIssue]) -> list[PlanIssue]:
    return sorted(set(issues), key=lambda e: (e.file, e.line or 0, e.field, e.message))


def _check_plan(path: str | Path) -> tuple[Plan | None, _Source]:
    src = _Source(path)
    plan = None
    if isinstance(src.data, dict):
        plan, issues = _schema_issues(src, Plan)
        src.issues.extend(issues)
        _placeholder_checks(src)
        _plan_checks(src)
        _todo_checks(src)
        if isinstance(plan, Plan) and not src.issues:
            _expanded_checks(src, plan)
    return (plan if not src.issues else None), src


def _check_contacts(
    path: str | Path, agency_codes: set[str] | None, must_have: list[str]
) -> tuple[Contacts | None, _Source]:
    src = _Source(path)
    contacts = None
    if isinstance(src.data, dict):
        contacts, issues = _schema_issues(src, Contacts)
        src.issues.extend(issues)
        _placeholder_checks(src)
        _contacts_checks(src, agency_codes, must_have)
        _todo_checks(src)
    return (contacts if not src.issues else None), src


def _plan_codes(src: _Source) -> tuple[set[str] | None, list[str]]:
    """Agency codes a (possibly invalid) plan names, and those that must have contacts."""
    if not isinstance(src.data, dict) or not isinstance(src.data.get("agencies"), list):
        return None, []
    codes = {a["code"] for _, a in _items(src.data, "agencies") if isinstance(a.get("code"), str)}
    cons = src.data.get("consolidator", {}).get("agency") if isinstance(src.data.get("consolidator"), dict) else None
    kinds = {a.get("code"): a.get("kind") for _, a in _items(src.data, "agencies")}
    must = sorted(c for c in codes if c != cons and kinds.get(c) != AgencyKind.consolidator.value)
    return codes, must


def load_plan_file(path: str | Path) -> Plan:
    """The validated plan in `path`; raises `PlanFileError` listing every problem."""
    plan, src = _check_plan(path)
    if plan is None:
        raise PlanFileError(_finish(src.issues))
    return plan


def load_contacts_file(path: str | Path, plan: Plan) -> Contacts:
    """The validated contacts in `path`, checked against `plan`; raises `PlanFileError` listing every problem."""
    codes = {a.code for a in plan.agencies}
    contacts, src = _check_contacts(path, codes, [a.code for a in plan.reporting_agencies()])
    if contacts is None:
        raise PlanFileError(_finish(src.issues))
    return contacts


@dataclass(frozen=True)
class Validation:
    """The outcome of checking a plan (and its contacts): errors refuse the plan, warnings do not."""

    errors: list[PlanIssue]
    warnings: list[PlanIssue]


def check_files(plan_path: str | Path, contacts_path: str | Path | None = None) -> Validation:
    """Every error and every warning in a plan file and (if given) its contacts file."""
    _, psrc = _check_plan(plan_path)
    errors, warnings = _finish(psrc.issues), _finish(psrc.warnings)
    if contacts_path is not None:
        codes, must = _plan_codes(psrc)
        _, csrc = _check_contacts(contacts_path, codes, must)
        errors += _finish(csrc.issues)
        warnings += _finish(csrc.warnings)
    return Validation(errors, warnings)


def validate_files(plan_path: str | Path, contacts_path: str | Path | None = None) -> list[PlanIssue]:
    """Every problem in a plan file and (if given) its contacts file; empty when both are valid."""
    return check_files(plan_path, contacts_path).errors
