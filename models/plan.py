"""The plan as data: pydantic models of a plan file (YAML) and of its contacts file.

Field names here are the YAML keys. Cross-field rules live in `models/planfile.py`'s validation.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from models.reminders_config import ReminderLadder

ALL = "all"


class Strict(BaseModel):
    """Base for every plan model: an unknown key is an error, never silently ignored."""

    model_config = ConfigDict(extra="forbid")


class RoundKind(StrEnum):
    six_month = "six_month"
    annual = "annual"
    ad_hoc = "ad_hoc"
    budget_estimate = "budget_estimate"


class AgencyKind(StrEnum):
    consolidator = "consolidator"
    department = "department"
    mass_organisation = "mass_organisation"
    district = "district"
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
    """The Decision approving the plan."""

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
    legal_bases: list[str] = Field(default_factory=list)
    preamble: str | None = Field(default=None, description="The sentence that introduces the plan's sections.")
    purposes: list[str] = Field(default_factory=list, description="Section I.1.")
    requirements: list[str] = Field(default_factory=list, description="Section I.2.")


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


class Group(Strict):
    """A responsibility group of section IV (e.g. IV.10 groups two agencies)."""

    section: str = Field(pattern=r"^IV\.\d+$")
    title: str
    agencies: list[str] = Field(min_length=1)


class Task(Strict):
    key: str = Field(pattern=r"^[A-Z]+(\.\d+)*[a-z]?(\.\d+)?$", description="Stable key, e.g. 'IV.2.1'.")
    section: str = Field(description="Where the task comes from, e.g. 'IV.3' or 'III'.")
    text: str
    agencies: list[str] = Field(min_length=1, description="Codes of the agencies that carry it out.")
    lead: str | None = Field(default=None, description="Code of the lead agency where the task names one.")
    content_items: list[int] = Field(default_factory=list, description="Numbers of the section II items it serves.")


class Round(Strict):
    """A reporting round: its data cut-off period, opening, due date D and lock date."""

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    kind: RoundKind
    title: str = Field(
        description="Report title, e.g. 'Kết quả thực hiện công tác thông tin đối ngoại 6 tháng đầu năm 2018'."
    )
    cutoff_start: dt.date | None = None
    cutoff_end: dt.date | None = None
    opens: dt.date = Field(description="Date the requests go out.")
    due: dt.date = Field(description="D: a report is late from D 00:00 local time ('trước ngày 15/6' means D = 15/6).")
    lock: dt.date = Field(description="From this date 00:00 the round accepts no more reports.")
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


class AdHocRounds(Strict):
    """How ad-hoc rounds ('báo cáo đột xuất theo yêu cầu') are run when an administrator starts one."""

    enabled: bool = True
    default_days_to_due: int = 10
    lock_days_after_due: int = 10
    text: str


class Funding(Strict):
    """Section III: every assigned unit drafts a detailed plan and budget estimate."""

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
    decision: Decision
    consolidator: Party
    recipient: Party
    steering_committee: Party
    content_items: list[ContentItem]
    funding: Funding
    agencies: list[Agency]
    groups: list[Group]
    tasks: list[Task]
    reporting: Reporting
    rounds: list[Round]
    ad_hoc: AdHocRounds
    press_briefings: PressBriefings | None = None
    calendar: CalendarConfig = Field(default_factory=CalendarConfig)
    reminders: ReminderLadder = Field(default_factory=ReminderLadder)
    report: ReportLayout

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

    focal_points: list[Person] = Field(min_length=1)
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
