"""Consolidation rules of a reporting round: content by item and agency, statistics, traceability (pure).

Everything here works on plain data (`RoundData`) loaded elsewhere (`reports/data.py`); nothing
reads the database or the clock. `now` is a parameter.

Statuses and statistics (in the manner of DHIS2's reporting-rate summary):

* expected  — agencies on the roster frozen when the round opened (`RosterEntry`).
* Each expected agency gets exactly one status, so the counts below add up to `expected`:
  - exempt   — the roster entry is marked exempt (even if the agency sent something anyway;
               its text is still consolidated, but it is left out of every rate);
  - nil      — the latest version of its report is a nil report ("không phát sinh");
  - on_time  — it sent a report (latest version not nil) and its *first* version arrived before
               the round's due instant (a later correction does not make an on-time report late);
  - late     — it sent a report (latest version not nil) and its first version arrived at or after
               the due instant;
  - pending  — nothing received yet and the round still accepts reports (now < lock, not locked);
  - missing  — nothing received and the round no longer accepts reports (or the roster says so).
  An agency with no recorded version whose roster status the officer set to on_time, late or nil
  keeps that status (a report taken by telephone, say); its on-time-ness is that status.
* actual = on_time + late + nil (a nil report is a report).
* required = expected − exempt.
* reported_on_time = agencies whose first version (nil or not) arrived before the due instant
  (plus on_time agencies without a recorded version).
* reporting_rate = actual / required; on_time_rate = reported_on_time / required
  (both None when required is 0).
* not_reported = the pending and missing agencies, in roster order.

Content: the latest version of each agency's submission counts; earlier versions are kept for the
annex. A submission item goes under the first content item (section II) its task serves, in the
plan's order; items without a task, or whose task serves no content item, go under the general
heading. When nothing falls under any content item (an ad-hoc or budget round), the results form a
single section. Every paragraph keeps a `SourceRef` to the submission version it came from.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from models.statistics import Statistics, tally

# Characters XML 1.0 (hence .docx) cannot hold; agency text is cleaned of them before rendering.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

LOCKED_STATES = ("locked", "consolidated", "closed")


@dataclass(frozen=True)
class AgencyInfo:
    """An agency as the report names it."""

    id: int
    code: str
    name: str
    short_name: str | None = None


@dataclass(frozen=True)
class ContentItemInfo:
    """A numbered item of the plan's section II."""

    number: int
    title: str


@dataclass(frozen=True)
class TaskInfo:
    """A task and the content items it serves."""

    id: int
    key: str
    text: str
    content_items: tuple[int, ...] = ()


@dataclass(frozen=True)
class AttachmentInfo:
    """A file that came with a submission."""

    id: int
    original_name: str
    media_type: str
    size: int
    sha256: str = ""


@dataclass(frozen=True)
class ItemInfo:
    """What one submission says about one task (task_id None: in general)."""

    task_id: int | None
    results: str = ""
    difficulties: str = ""
    proposals: str = ""


@dataclass(frozen=True)
class SubmissionInfo:
    """One version of an agency's report."""

    id: int
    agency_id: int
    version: int
    channel: str
    received_at: dt.datetime
    is_nil: bool = False
    sender: str | None = None
    body_text: str | None = None
    items: tuple[ItemInfo, ...] = ()
    attachments: tuple[AttachmentInfo, ...] = ()


@dataclass(frozen=True)
class RosterInfo:
    """An agency expected in the round, as the roster records it."""

    agency_id: int
    status: str = "pending"
    exempt_reason: str | None = None


@dataclass(frozen=True)
class RoundInfo:
    """The round being consolidated."""

    id: int
    key: str
    kind: str
    title: str
    due_at: dt.datetime
    lock_at: dt.datetime
    state: str = "open"
    cutoff_start: dt.date | None = None
    cutoff_end: dt.date | None = None


@dataclass
class RoundData:
    """Everything the consolidation of one round needs, as plain data."""

    round: RoundInfo
    agencies: dict[int, AgencyInfo]
    roster: list[RosterInfo]
    submissions: list[SubmissionInfo]
    tasks: dict[int, TaskInfo]
    content_items: list[ContentItemInfo]
    previous: RoundData | None = None
    plan: dict = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class SourceRef:
    """Where a paragraph came from: the submission version, its channel and when it was received."""

    submission_id: int
    version: int
    channel: str
    received_at: dt.datetime
    agency_id: int
    agency_name: str


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of agency text and its source."""

    text: str
    source: SourceRef


@dataclass
class AgencyBlock:
    """An agency's paragraphs under one heading, all from the same submission version."""

    agency: AgencyInfo
    source: SourceRef
    paragraphs: list[Paragraph]


@dataclass
class ResultSection:
    """Results under one content item of section II (number None: the general heading)."""

    number: int | None
    title: str
    blocks: list[AgencyBlock]


@dataclass(frozen=True)
class StatusRow:
    """One row of the reporting-situation table."""

    index: int
    agency: AgencyInfo
    status: str
    received_at: dt.datetime | None
    first_received_at: dt.datetime | None
    version: int | None
    submission_id: int | None
    note: str | None = None


@dataclass(frozen=True)
class Comparison:
    """This round's statistics against the previous round of the same kind."""

    previous_key: str
    previous_title: str
    previous: Statistics
    reporting_rate_change: float | None
    on_time_rate_change: float | None


@dataclass(frozen=True)
class AnnexVersion:
    """One version of an agency's submission, for the annex."""

    submission_id: int
    version: int
    channel: str
    received_at: dt.datetime
    is_nil: bool
    counted: bool
    sender: str | None
    attachments: tuple[AttachmentInfo, ...]


@dataclass
class AnnexEntry:
    """An agency's submissions, every version."""

    agency: AgencyInfo
    status: str
    versions: list[AnnexVersion]


@dataclass
class Consolidation:
    """The consolidated content of a round, ready to be rendered."""

    round: RoundInfo
    results: list[ResultSection]
    difficulties: list[AgencyBlock]
    proposals: list[AgencyBlock]
    nil_agencies: list[AgencyInfo]
    not_reported: list[AgencyInfo]
    exempt_agencies: list[AgencyInfo]
    status_rows: list[StatusRow]
    statistics: Statistics
    comparison: Comparison | None
    annex: list[AnnexEntry]

    def statistics_dict(self) -> dict:
        """Statistics and comparison as plain JSON-ready data (stored with the draft)."""
        out = self.statistics.as_dict()
        out["not_reported"] = [a.code for a in self.not_reported]
        out["nil_agencies"] = [a.code for a in self.nil_agencies]
        if self.comparison:
            out["previous"] = {"round_key": self.comparison.previous_key, **self.comparison.previous.as_dict()}
        return out


GENERAL_TITLE = "Các nhiệm vụ, kết quả khác"
ONLY_TITLE = "Kết quả thực hiện nhiệm vụ"


def clean_text(text: str | None) -> str:
    """Agency text made safe for XML and line-normalised (content unchanged otherwise)."""
    if not text:
        return ""
    return _XML_INVALID.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def split_paragraphs(text: str | None) -> list[str]:
    """Non-empty lines of a text, stripped: one paragraph per line."""
    return [line.strip() for line in clean_text(text).split("\n") if line.strip()]


def versions_by_agency(submissions: Iterable[SubmissionInfo]) -> dict[int, list[SubmissionInfo]]:
    """Each agency's submissions, oldest version first."""
    out: dict[int, list[SubmissionInfo]] = {}
    for s in submissions:
        out.setdefault(s.agency_id, []).append(s)
    for versions in out.values():
        versions.sort(key=lambda s: s.version)
    return out


def agency_status(*, entry: RosterInfo, versions: list[SubmissionInfo], round: RoundInfo, now: dt.datetime) -> str:
    """The status an expected agency has in the report (rules in the module docstring)."""
    if entry.status == "exempt":
        return "exempt"
    if versions:
        if versions[-1].is_nil:
            return "nil"
        return "on_time" if versions[0].received_at < round.due_at else "late"
    if entry.status in ("on_time", "late", "nil"):
        return entry.status  # set by the officer without a recorded submission
    if entry.status == "missing" or round.state in LOCKED_STATES or now >= round.lock_at:
        return "missing"
    return "pending"


def compute_statistics(data: RoundData, *, now: dt.datetime) -> tuple[Statistics, list[StatusRow]]:
    """Reporting statistics and the per-agency status rows of a round, in roster order."""
    by_agency = versions_by_agency(data.submissions)
    reported_on_time = 0
    rows: list[StatusRow] = []
    for i, entry in enumerate(data.roster, start=1):
        versions = by_agency.get(entry.agency_id, [])
        status = agency_status(entry=entry, versions=versions, round=data.round, now=now)
        if status == "on_time" or (
            status in ("late", "nil") and versions and versions[0].received_at < data.round.due_at
        ):
            reported_on_time += 1
        latest = versions[-1] if versions else None
        rows.append(
            StatusRow(
                index=i,
                agency=data.agencies[entry.agency_id],
                status=status,
                received_at=latest.received_at if latest else None,
                first_received_at=versions[0].received_at if versions else None,
                version=latest.version if latest else None,
                submission_id=latest.id if latest else None,
                note=entry.exempt_reason if status == "exempt" else None,
            )
        )
    return tally([row.status for row in rows], reported_on_time=reported_on_time), rows


def _rate_change(now_rate: float | None, before: float | None) -> float | None:
    return None if now_rate is None or before is None else now_rate - before


def compare(current: Statistics, previous: RoundData | None, *, now: dt.datetime) -> Comparison | None:
    """This round against the previous round of the same kind, when there is one."""
    if previous is None:
        return None
    before, _ = compute_statistics(previous, now=now)
    return Comparison(
        previous_key=previous.round.key,
        previous_title=previous.round.title,
        previous=before,
        reporting_rate_change=_rate_change(current.reporting_rate, before.reporting_rate),
        on_time_rate_change=_rate_change(current.on_time_rate, before.on_time_rate),
    )


def source_of(submission: SubmissionInfo, agency: AgencyInfo) -> SourceRef:
    """The reference a paragraph from this submission version carries."""
    return SourceRef(
        submission_id=submission.id,
        version=submission.version,
        channel=submission.channel,
        received_at=submission.received_at,
        agency_id=agency.id,
        agency_name=agency.name,
    )


def _block(agency: AgencyInfo, source: SourceRef, texts: list[str]) -> AgencyBlock | None:
    paragraphs = [Paragraph(text=p, source=source) for t in texts for p in split_paragraphs(t)]
    return AgencyBlock(agency=agency, source=source, paragraphs=paragraphs) if paragraphs else None


def _content_item_of(item: ItemInfo, tasks: dict[int, TaskInfo], known: set[int]) -> int | None:
    task = tasks.get(item.task_id) if item.task_id is not None else None
    if task is None:
        return None
    return next((n for n in task.content_items if n in known), None)


def consolidate(data: RoundData, *, now: dt.datetime) -> Consolidation:
    """Consolidate a round: results by content item and agency, difficulties, proposals, statistics, annex."""
    stats, rows = compute_statistics(data, now=now)
    status_of = {row.agency.id: row.status for row in rows}
    by_agency = versions_by_agency(data.submissions)
    known = {c.number for c in data.content_items}
    texts: dict[int | None, dict[int, list[str]]] = {c.number: {} for c in data.content_items}
    texts[None] = {}
    difficulties: list[AgencyBlock] = []
    proposals: list[AgencyBlock] = []
    sources: dict[int, SourceRef] = {}

    for entry in data.roster:
        versions = by_agency.get(entry.agency_id)
        if not versions or versions[-1].is_nil:
            continue
        latest = versions[-1]
        agency = data.agencies[entry.agency_id]
        sources[agency.id] = source = source_of(latest, agency)
        items = list(latest.items)
        if not items and latest.body_text:
            items = [ItemInfo(task_id=None, results=latest.body_text)]
        for item in items:
            number = _content_item_of(item, data.tasks, known)
            texts[number].setdefault(agency.id, []).append(item.results)
        for collected, attr in ((difficulties, "difficulties"), (proposals, "proposals")):
            block = _block(agency, source, [getattr(i, attr) for i in items])
            if block:
                collected.append(block)

    def blocks_for(number: int | None) -> list[AgencyBlock]:
        out = []
        for agency_id, agency_texts in texts[number].items():
            block = _block(data.agencies[agency_id], sources[agency_id], agency_texts)
            if block:
                out.append(block)
        return out

    results = [ResultSection(number=c.number, title=c.title, blocks=blocks_for(c.number)) for c in data.content_items]
    general = blocks_for(None)
    if not any(section.blocks for section in results):
        # A round that asks about no content item (ad hoc, budget estimate): one heading, no empty list.
        results = [ResultSection(number=None, title=ONLY_TITLE, blocks=general)]
    elif general:
        results.append(ResultSection(number=None, title=GENERAL_TITLE, blocks=general))

    annex = []
    for entry in data.roster:
        versions = by_agency.get(entry.agency_id, [])
        annex.append(
            AnnexEntry(
                agency=data.agencies[entry.agency_id],
                status=status_of[entry.agency_id],
                versions=[
                    AnnexVersion(
                        submission_id=s.id,
                        version=s.version,
                        channel=s.channel,
                        received_at=s.received_at,
                        is_nil=s.is_nil,
                        counted=s is versions[-1],
                        sender=s.sender,
                        attachments=s.attachments,
                    )
                    for s in versions
                ],
            )
        )

    def agencies_with(*statuses: str) -> list[AgencyInfo]:
        return [row.agency for row in rows if row.status in statuses]

    return Consolidation(
        round=data.round,
        results=results,
        difficulties=difficulties,
        proposals=proposals,
        nil_agencies=agencies_with("nil"),
        not_reported=agencies_with("pending", "missing"),
        exempt_agencies=agencies_with("exempt"),
        status_rows=rows,
        statistics=stats,
        comparison=compare(stats, data.previous, now=now),
        annex=annex,
    )
