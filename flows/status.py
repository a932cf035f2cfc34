"""What the administrator sees of a round in the Prefect UI: every agency's status, progress, the draft's files."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from prefect import task
from prefect.artifacts import create_link_artifact, create_progress_artifact, create_table_artifact
from sqlmodel import col, func, select

from flows.common import SERVER_RETRIES, SERVER_RETRY_DELAYS, artifact_key, local, session
from models.settings import get_settings
from models.tables import AgencyStatus, ReportDraft, Round, Submission

STATUS_LABELS = {
    AgencyStatus.pending: "Chưa nộp",
    AgencyStatus.on_time: "Đúng hạn",
    AgencyStatus.late: "Trễ hạn",
    AgencyStatus.nil: "Không phát sinh",
    AgencyStatus.exempt: "Miễn báo cáo",
    AgencyStatus.missing: "Không nộp",
}
REPORTED = {AgencyStatus.on_time, AgencyStatus.late, AgencyStatus.nil}
# The status table lists every agency up to this many (the Prefect API reads 200 rows per call).
STATUS_TABLE_MAX_ROWS = 200


def status_key(round_key: str) -> str:
    """Key of a round's status table artifact, e.g. `round-six-month-2018-status`."""
    return artifact_key("round", round_key, "status")


def roster_key(round_key: str) -> str:
    """Key of the link to a large round's roster file, e.g. `round-six-month-2018-roster`."""
    return artifact_key("round", round_key, "roster")


def progress_key(round_key: str) -> str:
    """Key of a round's progress artifact."""
    return artifact_key("round", round_key, "progress")


def round_status_rows(round_id: int) -> tuple[Round, list[dict], int, int]:
    """The round, one row per agency on its roster (Vietnamese columns), and reported / expected counts."""
    from models.rounds import roster

    settings = get_settings()
    with session(settings) as s:
        rnd = s.get(Round, round_id)
        versions = dict(
            s.exec(
                select(Submission.agency_id, func.max(Submission.version))
                .where(Submission.round_id == round_id)
                .group_by(Submission.agency_id)
            ).all()
        )
        rows, reported, expected = [], 0, 0
        for entry, agency in roster(session=s, round_id=round_id):
            received = s.get(Submission, entry.latest_submission_id) if entry.latest_submission_id else None
            rows.append(
                {
                    "Cơ quan": agency.name,
                    "Trạng thái": STATUS_LABELS.get(AgencyStatus(entry.status), str(entry.status)),
                    "Ngày nhận": local(received.received_at, settings.timezone) if received else "",
                    "Lần nộp": versions.get(agency.id, 0),
                }
            )
            if entry.status != AgencyStatus.exempt:
                expected += 1
            if entry.status in REPORTED:
                reported += 1
        s.expunge(rnd)
    return rnd, rows, reported, expected


@task(name="publish-round-status", retries=SERVER_RETRIES, retry_delay_seconds=SERVER_RETRY_DELAYS)
def publish_round_status(round_id: int) -> dict:
    """Publish the round's status table, its progress (reported / expected) and links to its draft files."""
    return publish_status(round_id)


@task(name="publish-rounds-status", retries=SERVER_RETRIES, retry_delay_seconds=SERVER_RETRY_DELAYS)
def publish_rounds_status(round_ids: list[int]) -> list[dict]:
    """`publish_round_status` for several rounds in one task."""
    return [publish_status(round_id) for round_id in round_ids]


def publish_status(round_id: int, max_table_rows: int = STATUS_TABLE_MAX_ROWS) -> dict:
    """The artifacts of `publish_round_status` (call inside a task or flow run).

    A roster of up to `max_table_rows` agencies is the table itself. A longer one would make the
    artifact's event too large for the Prefect server (it refuses events over 1.5 MB, about 7,000
    agencies): the table then counts agencies per status, and the roster goes to a CSV file linked
    next to it.
    """
    rnd, rows, reported, expected = round_status_rows(round_id)
    description = (
        f"**{rnd.title}** — đã nhận {reported}/{expected} báo cáo. "
        f"Hạn nộp: trước {local(rnd.due_at, get_settings().timezone)}."
    )
    if len(rows) <= max_table_rows:
        create_table_artifact(table=rows, key=status_key(rnd.key), description=description)
    else:
        path = write_roster_csv(rnd.key, rows)
        counts = Counter(row["Trạng thái"] for row in rows)
        table = [
            {"Trạng thái": label, "Số cơ quan": counts[label]} for label in STATUS_LABELS.values() if counts[label]
        ]
        create_table_artifact(
            table=table,
            key=status_key(rnd.key),
            description=f"{description} Danh sách {len(rows)} cơ quan: tệp {path.name} (liên kết kèm theo).",
        )
        create_link_artifact(
            key=roster_key(rnd.key),
            link=path.resolve().as_uri(),
            link_text=f"Danh sách {len(rows)} cơ quan và trạng thái báo cáo (.csv)",
            description=f"{rnd.title}: trạng thái báo cáo của từng cơ quan",
        )
    create_progress_artifact(
        progress=round(100.0 * reported / expected, 1) if expected else 100.0,
        key=progress_key(rnd.key),
        description=f"{rnd.title}: {reported}/{expected} cơ quan đã báo cáo",
    )
    with session() as s:
        draft = s.exec(
            select(ReportDraft).where(ReportDraft.round_id == round_id).order_by(col(ReportDraft.version).desc())
        ).first()
        if draft is not None:
            publish_draft_links(rnd.key, draft)
    return {"round": rnd.key, "reported": reported, "expected": expected}


def write_roster_csv(round_key: str, rows: list[dict]) -> Path:
    """The roster's status rows as a CSV file (UTF-8 with BOM, which Excel reads) in the data folder; its path."""
    path = get_settings().path("status", f"{artifact_key('round', round_key, 'roster')}.csv")
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)  # a reader never sees half a file
    return path


def publish_draft_links(round_key: str, draft: ReportDraft) -> None:
    """Link artifacts to the draft's files (Word, HTML), readable keys per round."""
    data_dir = get_settings().data_dir
    for kind, path in (("docx", draft.docx_path), ("html", draft.html_path)):
        if not path:
            continue
        full = Path(path) if Path(path).is_absolute() else (data_dir / path)
        create_link_artifact(
            key=artifact_key("round", round_key, "draft", kind),
            link=full.resolve().as_uri(),
            link_text=f"Dự thảo báo cáo (lần {draft.version}, .{kind})",
            description=f"Dự thảo báo cáo tổng hợp, phiên bản {draft.version}, trạng thái: {draft.state}",
        )
