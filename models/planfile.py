"""Reading plan and contacts files: YAML to pydantic, with every error named by file, line and field.

Every problem is reported at once (YAML structure, schema, cross-references), one `PlanIssue` per
problem, each pointing at the line of the offending key or value in the file.
"""

from __future__ import annotations

import datetime as dt
import difflib
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from models.plan import ALL, AgencyKind, Contacts, Plan

Loc = tuple[str | int, ...]


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
                k = key.value if isinstance(key, yaml.ScalarNode) else None
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


def _model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The pydantic model that validates the mapping at `loc` under `model`, if any."""
    current: Any = model
    for part in loc:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(part) if isinstance(part, str) else None
        if field is not None:
            current = _inner_model(field.annotation)
        # else: a list index or a dict key (e.g. an agency code), which stays within the same model
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    """The BaseModel inside list[...], dict[str, ...] or ... | None, else the annotation itself."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if isinstance(found, type) and issubclass(found, BaseModel):
            return found
    return annotation


def _message(err: dict, model: type[BaseModel], loc: Loc) -> str:
    """A pydantic error as a short English message."""
    kind, value = err["type"], err.get("input")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        owner = _model_at(model, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), list(owner.model_fields), n=1) if owner and loc else []
        return f"unknown key (did you mean '{close[0]}'?)" if close else "unknown key (not allowed here; a typo?)"
    if kind.startswith("date"):
        reason = (err.get("ctx") or {}).get("error")
        return f"invalid date {value!r}" + (f": {reason}" if reason else "")
    msg = err["msg"]
    if kind in ("enum", "literal_error"):
        return f"invalid value {value!r}: " + msg.replace("Input should be", "expected")
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _schema_issues(src: _Source, model: type[BaseModel]) -> tuple[BaseModel | None, list[PlanIssue]]:
    try:
        return model.model_validate(src.data), []
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            # drop pydantic's internal tags (e.g. 'function-after[...]') that are not YAML keys
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and ("[" in p or p.startswith("function-"))))
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

    group_agencies: dict[str, set[str]] = {}
    for i, g in _items(d, "groups"):
        group_agencies[g.get("section")] = {c for _, c in _strs(g.get("agencies"))}
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
        if isinstance(section, str) and section.startswith("IV."):
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
        if isinstance(section, str) and section not in tasked:
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


def _round_checks(src, i, r, year, codes, task_keys, reporting, consolidator) -> None:
    loc = ("rounds", i)
    dates = {k: _date(r.get(k)) for k in ("cutoff_start", "cutoff_end", "opens", "due", "lock")}
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
            if day is not None and not lo <= day.year <= hi:
                src.issues.append(src.issue((*loc, k), f"date {day} is outside the plan's year {year}"))
    start, end, opens, due, lock = (dates[k] for k in ("cutoff_start", "cutoff_end", "opens", "due", "lock"))
    if (r.get("cutoff_start") is None) != (r.get("cutoff_end") is None):
        missing = "cutoff_end" if r.get("cutoff_end") is None else "cutoff_start"
        src.issues.append(src.issue((*loc, missing), "the data cut-off period needs both cutoff_start and cutoff_end"))
    if start and end and start > end:
        src.issues.append(src.issue((*loc, "cutoff_end"), f"data cut-off end {end} is before its start {start}"))
    if due and end and due <= end:
        rel = "before" if due < end else "on"
        src.issues.append(src.issue((*loc, "due"), f"due date {due} is {rel} the data cut-off end {end}"))
    if opens and due and opens > due:
        src.issues.append(src.issue((*loc, "opens"), f"opening date {opens} is after the due date {due}"))
    if lock and due and lock < due:
        src.issues.append(src.issue((*loc, "lock"), f"lock date {lock} is before the due date {due}"))

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
    for code in must_have:
        if code not in entries:
            src.issues.append(src.issue(("agencies",), f"agency {code!r} of the plan has no contacts"))


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
        _plan_checks(src)
        _todo_checks(src)
    return (plan if not src.issues else None), src


def _check_contacts(
    path: str | Path, agency_codes: set[str] | None, must_have: list[str]
) -> tuple[Contacts | None, _Source]:
    src = _Source(path)
    contacts = None
    if isinstance(src.data, dict):
        contacts, issues = _schema_issues(src, Contacts)
        src.issues.extend(issues)
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


def validate_files(plan_path: str | Path, contacts_path: str | Path | None = None) -> list[PlanIssue]:
    """Every problem in a plan file and (if given) its contacts file; empty when both are valid."""
    _, psrc = _check_plan(plan_path)
    issues = _finish(psrc.issues)
    if contacts_path is not None:
        codes, must = _plan_codes(psrc)
        _, csrc = _check_contacts(contacts_path, codes, must)
        issues += _finish(csrc.issues)
    return issues
