"""The plan as data: pydantic models of a plan file (YAML) and of its contacts file.

Field names here are the YAML keys. Cross-field rules live in `models/planfile.py`'s validation.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from models.regimes import (
    CutoffRule,
    RoundKind,
    default_cutoff,
    due_by_rule,
    is_recurring,
    period_count,
    period_ending,
    period_phrase,
)
from models.reminders_config import ReminderLadder

__all__ = ["CutoffRule", "RoundKind"]  # RoundKind lives in models.regimes; re-exported for existing imports

ALL = "all"


class Strict(BaseModel):
    """Base for every plan model: an unknown key is an error, never silently ignored."""

    model_config = ConfigDict(extra="forbid")


class AgencyKind(StrEnum):
    consolidator = "consolidator"
    department = "department"
    mass_organisation = "mass_organisation"
    district = "district"  # UBND huyện, thị xã, thành phố (before the two-tier reform of 1/7/2025)
    commune = "commune"  # UBND xã, phường, đặc khu (reporting directly since 1/7/2025)
    press = "press"
    other = "other"


class Signer(Strict):
    authority: str | None = Field(
        default=None, description="e.g. 'KT. CHỦ TỊCH' (left out when signing in one's own name)."
    )
    title: str = Field(description="e.g. 'PHÓ CHỦ TỊCH'.")
    name: str | None = Field(default=None, description="Blank on a draft, left for the signer.")


class Article(Strict):
    number: int
    text: str


class Decision(Strict):
    """The Decision approving the plan (a plan the People's Committee issues itself, a KH-UBND, has none)."""

    number: str | None = Field(default=None, description="e.g. '123/QĐ-UBND'; None when the source leaves it blank.")
    date: dt.date | None = None
    issuer: str
    title: str
    legal_bases: list[str] = Field(default_factory=list, description="The 'Căn cứ ...' lines.")
    considering: list[str] = Field(default_factory=list, description="The 'Xét ...' lines (the submission it answers).")
    articles: list[Article] = Field(min_length=1)
    signer: Signer


class PlanInfo(Strict):
    key: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Stable key of the plan, used in the database.")
    number: str
    date: dt.date
    year: int
    title: str
    issuer: str = Field(description="Body that issued the plan, e.g. 'Sở Thông tin và Truyền thông'.")
    province: str
    continues: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9-]*$",
        description="Key of the plan this one continues (e.g. last year's): reports compare within the series.",
    )
    legal_bases: list[str] = Field(default_factory=list)
    preamble: str | None = Field(default=None, description="The sentence that introduces the plan's sections.")

    purposes: list[str] = Field(default_factory=list, description="Section I.1.")
    requirements: list[str] = Field(default_factory=list, description="Section I.2.")

    @field_validator("continues")
    @classmethod
    def _not_itself(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and value == info.data.get("key"):
            raise ValueError("a plan cannot continue itself: name the key of the plan it follows")
        return value


class ContentItem(Strict):
    """One numbered item of section II (content of the work)."""

    number: int = Field(ge=1)
    title: str = Field(description="A short name of the item for headings.")
    text: str


class Agency(Strict):
    code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9_-]*$")
    name: str = Field(description="Official name, e.g. 'Sở Văn hóa, Thể thao và Du lịch'.")
    short_name: str | None = None
    kind: AgencyKind
    head_title: str | None = Field(default=None, description="Title of the agency head, e.g. 'Giám đốc'.")


SectionLabel = Annotated[str, Field(pattern=r"^(?:[IVXLC]+|\d+)$")]


class Group(Strict):
    """A responsibility group of the plan's responsibilities section (e.g. IV.10 groups two agencies)."""

    section: str = Field(
        pattern=r"^(?:[IVXLC]+|\d+)\.\d+$",
        description="'<responsibilities section>.<n>', e.g. 'IV.10' or 'III.2'.",
    )
    title: str
    agencies: list[str] = Field(min_length=1)


class Task(Strict):
    key: str = Field(pattern=r"^(?:[A-Z]+|\d+)(\.\d+)*[a-z]?(\.\d+)?$", description="Stable key, e.g. 'IV.2.1'.")
    section: str = Field(description="Where the task comes from, e.g. 'IV.3' or 'III'.")
    text: str
    agencies: list[str] = Field(min_length=1, description="Codes of the agencies that carry it out.")
    lead: str | None = Field(default=None, description="Code of the lead agency where the task names one.")
    content_items: list[int] = Field(default_factory=list, description="Numbers of the section II items it serves.")


class _RoundCommon(Strict):
    """What every round (single or recurring) says about who reports on what."""

    roster: list[str] | str = Field(
        default="all", description="'all' (every reporting agency) or a list of agency codes."
    )
    exempt: list[str] = Field(default_factory=list)
    tasks: list[str] | str = Field(default="all", description="'all' or a list of task keys the round asks about.")
    instructions: str | None = None
    ladder: ReminderLadder | None = Field(default=None, description="Overrides the plan's ladder for this round.")

    @field_validator("roster", "tasks", mode="before")
    @classmethod
    def _all_or_list(cls, value):
        """One clear message instead of one per member of the union."""
        if value == ALL or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            return value
        raise ValueError(f"expected '{ALL}' or a list of codes, got {value!r}")


class Round(_RoundCommon):
    """A reporting round: its data cut-off period, opening, due date D and lock date."""

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    kind: RoundKind
    title: str = Field(
        description="Report title, e.g. 'Kết quả thực hiện công tác thông tin đối ngoại 6 tháng đầu năm 2018'."
    )
    period: int | None = Field(
        default=None, ge=1, le=12, description="Month (monthly) or quarter (quarterly) the round reports on."
    )
    cutoff_start: dt.date | None = Field(
        default=None, description="First day of the data cut-off period; default: Decree 09/2019's for the kind."
    )
    cutoff_end: dt.date | None = None
    opens: dt.date = Field(description="Date the requests go out.")
    due: dt.date = Field(description="D: a report is late from D 00:00 local time ('trước ngày 15/6' means D = 15/6).")
    lock: dt.date = Field(description="From this date 00:00 the round accepts no more reports.")

    @model_validator(mode="after")
    def _period_fits_kind(self) -> Round:
        if self.period is not None and self.period > period_count(self.kind):
            if is_recurring(self.kind):
                raise ValueError(
                    f"period {self.period} does not exist: a {self.kind.value} round has 1 to {period_count(self.kind)}"
                )
            raise ValueError("period is only for monthly and quarterly rounds")
        return self


class DueRule(Strict):
    """'Due on the `day`th of the period's last month' (or of the month after it)."""

    day: int = Field(default=15, ge=1, le=31, description="Day of the month; 31 means its last day.")
    month: Literal["last", "next"] = Field(
        default="last", description="'last': the period's last month; 'next': the month after the period."
    )


class OpensRule(Strict):
    """When a recurring round's requests go out."""

    days_before_due: int | None = Field(
        default=None, ge=0, le=366, description="Default: 7 days before a monthly due date, 15 before a quarterly one."
    )


class LockRule(Strict):
    """When a recurring round stops accepting reports."""

    days_after_due: int = Field(default=14, ge=0, le=366)


_RULE_EXAMPLES = {"due": "{day: 15, month: last}", "opens": "{days_before_due: 15}", "lock": "{days_after_due: 14}"}


class RecurringRounds(_RoundCommon):
    """A monthly or quarterly regime: one round per period of the plan's year, dates set by rule or listed."""

    key: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]*$",
        description="Stem of the rounds' keys: 'quarter-2025' gives quarter-2025-q1 ... -q4; monthly: -01 ... -12.",
    )
    kind: Literal[RoundKind.monthly, RoundKind.quarterly]
    title: str = Field(
        description="Title of each round; '{period}' becomes 'quý I', 'tháng 3'..., '{year}' the plan's year."
    )
    periods: list[Annotated[int, Field(ge=1, le=12)]] | None = Field(
        default=None, min_length=1, description="Which months or quarters get a round (default: all of them)."
    )
    cutoff: CutoffRule = Field(
        default=CutoffRule.decree,
        description="'decree' (15th of the month before to the 14th) or 'calendar' (the whole month or quarter).",
    )
    due: DueRule = Field(default_factory=DueRule)
    due_dates: list[dt.date] | None = Field(default=None, description="One due date per period, instead of `due`.")
    opens: OpensRule = Field(default_factory=OpensRule)
    opens_dates: list[dt.date] | None = None
    lock: LockRule = Field(default_factory=LockRule)
    lock_dates: list[dt.date] | None = None

    @field_validator("due", "opens", "lock", mode="before")
    @classmethod
    def _a_rule_not_a_date(cls, value: Any, info: ValidationInfo) -> Any:
        """A date here means the officer wrote a single round: say how to write either."""
        if isinstance(value, (str, dt.date)):
            raise ValueError(
                f"a recurring regime takes a rule here (e.g. {_RULE_EXAMPLES[str(info.field_name)]}) or a list in "
                f"{info.field_name}_dates; a single round needs its own due date"
            )
        return value

    @field_validator("title")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        leftover = value.replace("{period}", "").replace("{year}", "")
        if "{" in leftover or "}" in leftover:
            raise ValueError("a title may only hold the placeholders {period} and {year}")
        return value

    @model_validator(mode="after")
    def _dates_match_periods(self) -> RecurringRounds:
        n = period_count(self.kind)
        wanted = self.period_numbers()
        bad = [p for p in wanted if p > n]
        if bad:
            raise ValueError(f"periods {bad} do not exist: a {self.kind.value} regime has periods 1 to {n}")
        if len(set(wanted)) != len(wanted) or wanted != sorted(wanted):
            raise ValueError("periods must be listed once each, in order")
        for name in ("due_dates", "opens_dates", "lock_dates"):
            dates = getattr(self, name)
            rule = name.removesuffix("_dates")
            if dates is not None and rule in self.model_fields_set:
                raise ValueError(f"give either {rule} (a rule) or {name} (a list), not both")
            if dates is not None and len(dates) != len(wanted):
                raise ValueError(f"{name} lists {len(dates)} dates for {len(wanted)} periods: give one per period")
        return self

    def period_numbers(self) -> list[int]:
        """The months or quarters that get a round."""
        return list(self.periods) if self.periods is not None else list(range(1, period_count(self.kind) + 1))

    def round_key(self, period: int) -> str:
        """The key of the round of `period`: '<key>-q2' (quarterly) or '<key>-03' (monthly)."""
        return f"{self.key}-q{period}" if self.kind == RoundKind.quarterly else f"{self.key}-{period:02d}"

    def expand(self, year: int) -> list[Round]:
        """One `Round` per period of `year`, with its cut-off period, opening, due and lock dates."""
        out = []
        for i, p in enumerate(self.period_numbers()):
            cutoff = default_cutoff(self.kind, year, p, self.cutoff)
            assert cutoff is not None  # monthly and quarterly always have one
            due = (
                self.due_dates[i]
                if self.due_dates is not None
                else due_by_rule(self.kind, year, p, day=self.due.day, month=self.due.month)
            )
            before = self.opens.days_before_due
            if before is None:
                before = 7 if self.kind == RoundKind.monthly else 15
            opens = self.opens_dates[i] if self.opens_dates is not None else due - dt.timedelta(days=before)
            lock = (
                self.lock_dates[i] if self.lock_dates is not None else due + dt.timedelta(days=self.lock.days_after_due)
            )
            out.append(
                Round(
                    key=self.round_key(p),
                    kind=RoundKind(self.kind),
                    title=self.title.replace("{period}", period_phrase(self.kind, p)).replace("{year}", str(year)),
                    period=p,
                    cutoff_start=cutoff[0],
                    cutoff_end=cutoff[1],
                    opens=opens,
                    due=due,
                    lock=lock,
                    roster=self.roster,
                    exempt=list(self.exempt),
                    tasks=self.tasks,
                    instructions=self.instructions,
                    ladder=self.ladder,
                )
            )
        return out


def _round_tag(value: Any) -> str:
    """'recurring' for a monthly or quarterly entry without one explicit due date; 'single' otherwise."""
    if isinstance(value, RecurringRounds):
        return "recurring"
    recurring_kind = isinstance(value, dict) and value.get("kind") in (RoundKind.monthly, RoundKind.quarterly)
    if recurring_kind and not isinstance(value.get("due"), (str, dt.date)):
        return "recurring"
    return "single"


RoundEntry = Annotated[
    Annotated[Round, Tag("single")] | Annotated[RecurringRounds, Tag("recurring")],
    Discriminator(_round_tag),
]
# Union tags pydantic puts in error locations; they are not YAML keys.
ROUND_TAGS = frozenset({"single", "recurring"})


def complete_round(round: Round, year: int) -> Round:
    """`round` with Decree 09/2019's cut-off period filled in when the plan gives none.

    When the Decree's period ends on or after the due date (an annual report due 15/11 while the
    period runs to 14/12), the period ends the day before the due date, as the reference plan's
    annual round does.
    """
    if round.period is None and round.cutoff_end is not None and is_recurring(round.kind):
        round = round.model_copy(update={"period": period_ending(round.kind, round.cutoff_end)})
    if round.cutoff_start is not None or round.cutoff_end is not None:
        return round
    if is_recurring(round.kind) and round.period is None:
        return round  # a monthly or quarterly round with explicit dates but no period: no default to give
    cutoff = default_cutoff(round.kind, year, round.period)
    if cutoff is None:
        return round
    start, end = cutoff
    if end >= round.due:
        end = round.due - dt.timedelta(days=1)
    if end < start:
        return round
    return round.model_copy(update={"cutoff_start": start, "cutoff_end": end})


def expand_rounds(entries: list[Round | RecurringRounds], year: int) -> list[Round]:
    """Every concrete round of a plan's `rounds:` entries, in file order (a recurring entry in period order)."""
    out: list[Round] = []
    for entry in entries:
        if isinstance(entry, RecurringRounds):
            out.extend(entry.expand(year))
        else:
            out.append(complete_round(entry, year))
    return out


class AdHocRounds(Strict):
    """How ad-hoc rounds ('báo cáo đột xuất theo yêu cầu') are run when an administrator starts one."""

    enabled: bool = True
    default_days_to_due: int = 10
    lock_days_after_due: int = 10
    text: str


class Funding(Strict):
    """The funding section: every assigned unit drafts a detailed plan and budget estimate."""

    section: str = Field(
        default="III", description="Label of the plan's funding section ('III' in the reference plan)."
    )
    text: str
    appraiser: str = Field(description="Agency code that appraises the estimates (Sở Tài chính).")
    copy_to: str = Field(description="Agency code that receives a copy to follow and consolidate.")


class Reporting(Strict):
    """Section V: the reporting regime."""

    text: str
    to: str = Field(description="Who the agencies report to, e.g. the Steering Committee via Sở TT&TT.")
    difficulties_text: str


class PressBriefings(Strict):
    """II.5: quarterly press conferences."""

    content_item: int
    organiser: str
    months: list[Annotated[int, Field(ge=1, le=12)]] = Field(
        min_length=1, description="Months each quarter's reminder is sent in."
    )
    day: int = Field(default=1, ge=1, le=28)
    text: str


class CalendarConfig(Strict):
    """Working-day exceptions the government decides each year (swaps, extra days off)."""

    extra_days_off: list[dt.date] = Field(default_factory=list)
    extra_working_days: list[dt.date] = Field(default_factory=list)


class Party(Strict):
    """The consolidator or a recipient."""

    agency: str | None = Field(default=None, description="Agency code, when it is one of the plan's agencies.")
    name: str
    short_name: str | None = None


class ReportLayout(Strict):
    """Decree 30/2020 layout parameters of the consolidated report."""

    parent_body: str
    issuing_body: str
    symbol: str = Field(description="e.g. 'BC-STTTT' in 'Số: /BC-STTTT'.")
    place: str
    signer: Signer
    distribution: list[str] = Field(description="Lines under 'Nơi nhận:', ending with '- Lưu: VT, ...'.")
    font: str = "Times New Roman"
    margins_mm: dict[str, float] = Field(default_factory=lambda: {"top": 20, "bottom": 20, "left": 30, "right": 15})


class Plan(Strict):
    """A whole plan file."""

    plan: PlanInfo
    decision: Decision | None = Field(
        default=None, description="The Decision approving the plan; none for a plan the People's Committee issues."
    )
    consolidator: Party
    recipient: Party
    steering_committee: Party
    content_items: list[ContentItem]
    funding: Funding | None = None
    agencies: list[Agency]
    responsibilities_section: SectionLabel = Field(
        default="IV", description="Label of the section that assigns responsibilities (groups), e.g. 'IV' or 'III'."
    )
    groups: list[Group]
    tasks: list[Task]
    reporting: Reporting
    round_entries: list[RoundEntry] = Field(
        alias="rounds", description="Single rounds and recurring (monthly, quarterly) regimes."
    )
    ad_hoc: AdHocRounds
    press_briefings: PressBriefings | None = None
    calendar: CalendarConfig = Field(default_factory=CalendarConfig)
    reminders: ReminderLadder = Field(default_factory=ReminderLadder)
    report: ReportLayout

    _rounds: list[Round] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _expand_rounds(self) -> Plan:
        self._rounds = expand_rounds(list(self.round_entries), self.plan.year)
        return self

    @property
    def rounds(self) -> list[Round]:
        """Every concrete round of the plan: recurring regimes expanded, Decree cut-off periods filled in."""
        return self._rounds

    def dump_document(self) -> dict:
        """The plan as JSON data in the file's own keys (what `Plan.model_validate` reads back)."""
        return self.model_dump(mode="json", by_alias=True)

    def agency(self, code: str) -> Agency:
        """The agency with this code."""
        return next(a for a in self.agencies if a.code == code)

    def reporting_agencies(self) -> list[Agency]:
        """Agencies that report to the consolidator: every agency but the consolidator itself."""
        return [a for a in self.agencies if a.kind != AgencyKind.consolidator and a.code != self.consolidator.agency]

    def round(self, key: str) -> Round:
        """The round with this key."""
        return next(r for r in self.rounds if r.key == key)

    def roster_codes(self, round: Round) -> list[str]:
        """Codes of the agencies expected in `round` ('all' = every reporting agency), exempt ones included."""
        if round.roster == ALL:
            return [a.code for a in self.reporting_agencies()]
        return list(round.roster)

    def round_tasks(self, round: Round) -> list[Task]:
        """The tasks `round` asks about, in plan order."""
        if round.tasks == ALL:
            return list(self.tasks)
        wanted = set(round.tasks)
        return [t for t in self.tasks if t.key in wanted]

    def tasks_of(self, code: str, round: Round | None = None) -> list[Task]:
        """Tasks agency `code` carries out (only those `round` asks about, when given)."""
        tasks = self.round_tasks(round) if round is not None else self.tasks
        return [t for t in tasks if code in t.agencies]


def checked_email(value: str) -> str:
    """`value` if it is a well-formed address (reserved example domains allowed); no DNS lookup."""
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"malformed email address {value!r}: {exc}") from None
    return value


def checked_domain(value: str) -> str:
    """`value` if it is a well-formed mail domain."""
    try:
        validate_email(f"postmaster@{value}", check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"malformed email domain {value!r}: {exc}") from None
    return value


EmailAddress = Annotated[str, AfterValidator(checked_email)]
MailDomain = Annotated[str, AfterValidator(checked_domain)]


class Person(Strict):
    """Someone planflow writes to."""

    name: str | None = None
    email: EmailAddress
    phone: str | None = None


class AgencyContactEntry(Strict):
    """Contacts of one agency: focal points get requests, the head gets escalations."""

    focal_points: list[Person] = Field(
        default_factory=list, description="Empty while the agency's focal point is not known (a warning, not an error)."
    )
    head: Person | None = None
    allowed_senders: list[EmailAddress] = Field(
        default_factory=list, description="Other addresses accepted as this agency's replies."
    )
    allowed_domains: list[MailDomain] = Field(
        default_factory=list, description="Mail domains accepted as this agency's replies."
    )


class Contacts(Strict):
    """A contacts file: agency code -> contacts; plus the officials planflow writes to."""

    officer: Person = Field(description="The consolidation officer who gets the digest and quarantine notices.")
    director: Person
    chairman: Person
    steering_committee: Person
    agencies: dict[str, AgencyContactEntry]
