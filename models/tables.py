"""SQLModel tables: plans, agencies, contacts, tasks, rounds, submissions, files, mail and the audit log.

Times are stored as UTC and always come back timezone-aware (see `UTCDateTime`).
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import JSON, Column, Field, SQLModel, UniqueConstraint

from models.plan import RoundKind


def utcnow() -> dt.datetime:
    """Current time, aware, in UTC (for record-keeping columns only; rules take `now` as a parameter)."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """Store aware datetimes as naive UTC; read them back as aware UTC, on SQLite and PostgreSQL alike."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


def ts(nullable: bool = True, **kw) -> Column:
    """A UTC timestamp column."""
    return Column(UTCDateTime(), nullable=nullable, **kw)


class RoundState(str, Enum):
    planned = "planned"  # known from the plan, requests not sent
    open = "open"  # roster frozen, requests sent, accepting reports
    locked = "locked"  # lock date passed, no more reports
    consolidated = "consolidated"  # draft built, awaiting approval
    closed = "closed"  # approved report sent to the Chairman


class AgencyStatus(str, Enum):
    pending = "pending"
    on_time = "on_time"
    late = "late"
    nil = "nil"
    exempt = "exempt"
    missing = "missing"


class Channel(str, Enum):
    email = "email"
    upload = "upload"
    manual = "manual"


class OutboxState(str, Enum):
    queued = "queued"
    sending = "sending"
    sent = "sent"
    failed = "failed"


class InboundDisposition(str, Enum):
    received = "received"  # stored raw, not yet handled
    recorded = "recorded"  # became a submission
    quarantined = "quarantined"  # waits for the officer
    ignored = "ignored"  # auto-reply, duplicate
    bounce = "bounce"  # delivery-status report
    rejected = "rejected"  # the officer rejected it


class DraftState(str, Enum):
    draft = "draft"
    awaiting_approval = "awaiting_approval"
    returned = "returned"
    approved = "approved"
    sent = "sent"


class Plan(SQLModel, table=True):
    __tablename__ = "plan"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True, unique=True)
    number: str
    title: str
    year: int
    source_path: str
    content_sha256: str = Field(description="Hash of the plan file last loaded.")
    document: dict = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False), description="The validated plan as JSON."
    )
    loaded_at: dt.datetime = Field(default_factory=utcnow, sa_column=ts(False))
    continues: str | None = Field(default=None, description="Key of the plan this one continues (its series).")
    archived_at: dt.datetime | None = Field(
        default=None, sa_column=ts(), description="Set when the plan is archived: kept, but no schedule runs it."
    )

    @property
    def is_active(self) -> bool:
        """False once the plan is archived."""
        return self.archived_at is None


class Agency(SQLModel, table=True):
    __tablename__ = "agency"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    code: str
    name: str
    short_name: str | None = None
    kind: str
    head_title: str | None = None
    allowed_domains: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = Field(default=True, description="False when an edited plan no longer names it (never deleted).")


class ContactRole(str, Enum):
    focal_point = "focal_point"
    head = "head"
    allowed_sender = "allowed_sender"


class Contact(SQLModel, table=True):
    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("agency_id", "role", "email"),)

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    role: ContactRole
    email: str = Field(index=True)
    name: str | None = None
    phone: str | None = None
    active: bool = True
    failed_at: dt.datetime | None = Field(default=None, sa_column=ts())
    failure: str | None = Field(default=None, description="Last permanent delivery failure (5xx or bounce).")


class OfficialRole(str, Enum):
    officer = "officer"
    director = "director"
    chairman = "chairman"
    steering_committee = "steering_committee"


class Official(SQLModel, table=True):
    """A person planflow writes to outside the agencies: the officer, the Director, the Chairman, the Steering Committee."""

    __tablename__ = "official"
    __table_args__ = (UniqueConstraint("plan_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    role: OfficialRole
    name: str | None = None
    email: str
    phone: str | None = None


class ContentItem(SQLModel, table=True):
    __tablename__ = "content_item"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    number: int
    title: str
    text: str


class Task(SQLModel, table=True):
    __tablename__ = "task"
    __table_args__ = (UniqueConstraint("plan_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    key: str
    section: str
    text: str
    lead_code: str | None = None
    content_items: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = True


class TaskAgency(SQLModel, table=True):
    __tablename__ = "task_agency"

    task_id: int = Field(foreign_key="task.id", primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", primary_key=True)


class Round(SQLModel, table=True):
    __tablename__ = "round"
    __table_args__ = (UniqueConstraint("plan_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    key: str = Field(index=True)
    kind: RoundKind
    title: str
    period: int | None = Field(default=None, description="Month (monthly) or quarter (quarterly) it reports on.")
    cutoff_start: dt.date | None = None
    cutoff_end: dt.date | None = None
    opens_at: dt.datetime = Field(sa_column=ts(False))
    due_at: dt.datetime = Field(sa_column=ts(False), description="Late from this instant (D 00:00 local).")
    lock_at: dt.datetime = Field(sa_column=ts(False), description="No report accepted from this instant.")
    state: RoundState = RoundState.planned
    task_keys: list[str] | None = Field(
        default=None, sa_column=Column(JSON), description="None = every task of the roster's agencies."
    )
    roster_codes: list[str] | None = Field(
        default=None,
        sa_column=Column(JSON),
        description="Agencies expected; None = every active agency but the consolidator.",
    )
    exempt_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    instructions: str | None = None
    ladder: dict | None = Field(
        default=None, sa_column=Column(JSON), description="Reminder ladder override (plan's ladder otherwise)."
    )
    opened_at: dt.datetime | None = Field(default=None, sa_column=ts())
    closed_at: dt.datetime | None = Field(default=None, sa_column=ts())
    created_by: str = Field(default="plan", description="'plan' or who started an ad-hoc round.")


class RosterEntry(SQLModel, table=True):
    """An agency expected to report in a round, frozen when the round opens, with its current status."""

    __tablename__ = "roster_entry"
    __table_args__ = (UniqueConstraint("round_id", "agency_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    status: AgencyStatus = AgencyStatus.pending
    exempt_reason: str | None = None
    latest_submission_id: int | None = Field(default=None, foreign_key="submission.id")
    status_changed_at: dt.datetime = Field(default_factory=utcnow, sa_column=ts(False))


class Submission(SQLModel, table=True):
    """One version of an agency's report in a round; a second reply is a new version, never an overwrite."""

    __tablename__ = "submission"
    __table_args__ = (UniqueConstraint("round_id", "agency_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    version: int
    channel: Channel
    received_at: dt.datetime = Field(
        sa_column=ts(False), description="When the server received it: decides on time or late."
    )
    status: AgencyStatus = Field(description="on_time, late or nil for this version.")
    is_nil: bool = False
    sender: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    body_text: str | None = Field(default=None, description="Free text (email body without quoted history).")
    inbound_message_id: int | None = Field(default=None, foreign_key="inbound_message.id")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=ts(False))


class SubmissionItem(SQLModel, table=True):
    """What an agency reported on one task (or in general when task_id is None)."""

    __tablename__ = "submission_item"

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    task_id: int | None = Field(default=None, foreign_key="task.id")
    results: str = ""
    difficulties: str = ""
    proposals: str = ""


class Attachment(SQLModel, table=True):
    """A stored file, content-addressed by sha256 under the data folder."""

    __tablename__ = "attachment"

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int | None = Field(default=None, foreign_key="submission.id", index=True)
    inbound_message_id: int | None = Field(default=None, foreign_key="inbound_message.id", index=True)
    sha256: str = Field(index=True)
    size: int
    media_type: str
    original_name: str
    safe_name: str
    storage_path: str = Field(description="Relative to the data folder.")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=ts(False))


class OutboundMessage(SQLModel, table=True):
    """The outbox: every message is written here first, under an idempotency key, then delivered."""

    __tablename__ = "outbound_message"
    # The digest counts each agency's sent reminders in a round from this index alone, never reading
    # the rows and their messages (migration 0002_scale).
    __table_args__ = (
        sa.Index("ix_outbound_message_round_kind_state_agency", "round_id", "kind", "state", "agency_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, index=True)
    kind: str = Field(
        index=True, description="assignment, request, reminder, escalation, receipt, refusal, digest, press, report."
    )
    round_id: int | None = Field(default=None, foreign_key="round.id", index=True)
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    message_id: str = Field(index=True, description="RFC 5322 Message-ID, stable for this message.")
    sender: str
    recipients: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    subject: str
    raw: bytes = Field(sa_column=Column(sa.LargeBinary, nullable=False), description="The complete MIME message.")
    state: OutboxState = Field(default=OutboxState.queued, index=True)
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: dt.datetime | None = Field(default=None, sa_column=ts())
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=ts(False))
    sent_at: dt.datetime | None = Field(default=None, sa_column=ts())


class InboundMessage(SQLModel, table=True):
    """A message read from the mailbox, stored raw before anything else is done with it."""

    __tablename__ = "inbound_message"

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(unique=True, index=True)
    message_id: str | None = Field(default=None, index=True)
    raw_path: str = Field(description="Raw bytes, relative to the data folder.")
    size: int
    mailbox: str | None = None
    uidvalidity: int | None = None
    uid: int | None = None
    server_received_at: dt.datetime | None = Field(default=None, sa_column=ts())
    from_address: str | None = None
    subject: str | None = None
    disposition: InboundDisposition = Field(default=InboundDisposition.received, index=True)
    reason: str | None = None
    round_id: int | None = Field(default=None, foreign_key="round.id")
    agency_id: int | None = Field(default=None, foreign_key="agency.id")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=ts(False))
    resolved_at: dt.datetime | None = Field(default=None, sa_column=ts())
    resolved_by: str | None = None


class MailboxState(SQLModel, table=True):
    """Where the reader stopped in a mailbox folder."""

    __tablename__ = "mailbox_state"

    id: int | None = Field(default=None, primary_key=True)
    account: str
    folder: str
    uidvalidity: int
    last_uid: int = 0
    __table_args__ = (UniqueConstraint("account", "folder"),)


class ReportDraft(SQLModel, table=True):
    """A version of the consolidated report of a round, and the Director's decision on it."""

    __tablename__ = "report_draft"
    __table_args__ = (UniqueConstraint("round_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    version: int
    state: DraftState = DraftState.draft
    docx_path: str
    html_path: str | None = None
    markdown_path: str | None = None
    statistics: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    comments: str | None = Field(default=None, description="The Director's comments when returned.")
    decided_by: str | None = None
    decided_at: dt.datetime | None = Field(default=None, sa_column=ts())
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=ts(False))


class AuditLog(SQLModel, table=True):
    """Every status change, who or what made it, and why."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, sa_column=ts(False))
    actor: str = Field(description="'system', 'email', 'upload', or the officer's name.")
    action: str
    round_id: int | None = Field(default=None, foreign_key="round.id", index=True)
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    old_status: str | None = None
    new_status: str | None = None
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
