"""Flow `consolidate-round`: build a draft of the consolidated report and show it in the Prefect UI."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows.common import (
    DB_RETRIES,
    DB_RETRY_DELAYS,
    SERVER_RETRIES,
    SERVER_RETRY_DELAYS,
    artifact_key,
    resolve_now,
    session,
    transient_db_error,
)
from models.labels import status_label
from models.settings import get_settings
from models.tables import AgencyStatus
from reports.markdown import md_escape
from reports.view import percent_vi

STAT_ROWS = (
    ("Số cơ quan phải báo cáo (danh sách khi mở kỳ)", "expected"),
    (status_label(AgencyStatus.exempt), "exempt"),
    ("Đã báo cáo", "actual"),
    ("— đúng hạn", "on_time"),
    ("— trễ hạn", "late"),
    ("— không phát sinh", "nil"),
    (f"{status_label(AgencyStatus.missing)} (quá hạn khóa sổ)", "missing"),
    (f"{status_label(AgencyStatus.pending)} (còn trong hạn)", "pending"),
    ("Tỷ lệ báo cáo", "reporting_rate"),
    ("Tỷ lệ báo cáo đúng hạn", "on_time_rate"),
)


def statistics_key(round_key: str) -> str:
    """Key of the statistics table artifact, e.g. `consolidated-six-month-2018-statistics`."""
    return artifact_key("consolidated", round_key, "statistics")


def draft_key(round_key: str) -> str:
    """Key of the markdown artifact of the draft, e.g. `consolidated-six-month-2018`."""
    return artifact_key("consolidated", round_key)


def files_key(round_key: str) -> str:
    """Key of the link artifact to the draft's Word file, e.g. `consolidated-six-month-2018-docx`."""
    return artifact_key("consolidated", round_key, "docx")


@dataclass(frozen=True)
class BuiltDraft:
    """A draft version just built: its row, files and text, and its statistics (the JSON stored with it)."""

    draft_id: int
    version: int
    round_key: str
    title: str
    docx: str
    html: str
    markdown_path: str
    markdown: str
    statistics: dict[str, Any]


# Each call builds a new draft version: never answered from a cache. A refused revision is not retried.
@task(
    name="build-draft",
    retries=DB_RETRIES,
    retry_delay_seconds=DB_RETRY_DELAYS,
    retry_condition_fn=transient_db_error,
    cache_policy=NO_CACHE,
    persist_result=False,
)
def build_draft_files(round_key: str, plan_key: str | None, now: dt.datetime) -> BuiltDraft:
    """Consolidate the round and write draft version n+1 (.docx, .html, .md); a locked round becomes consolidated."""
    from reports.drafting import draft_next_version

    settings = get_settings()
    with session(settings) as s:
        result = draft_next_version(session=s, settings=settings, round_key=round_key, plan_key=plan_key, now=now)
    get_run_logger().info(
        "Draft v%d of %s: %s/%s reports, files in %s",
        result.version,
        round_key,
        result.statistics["actual"],
        result.statistics["required"],
        result.docx_path.parent,
    )
    return BuiltDraft(
        draft_id=result.draft_id,
        version=result.version,
        round_key=result.round_key,
        title=result.title,
        docx=str(result.docx_path),
        html=str(result.html_path),
        markdown_path=str(result.markdown_path),
        markdown=result.markdown,
        statistics=result.statistics,
    )


def statistics_table(stats: dict[str, Any]) -> list[dict[str, Any]]:
    """The statistics as table rows: this round, and the previous round of the same kind when there is one."""
    previous = stats.get("previous")
    rows = []
    for label, name in STAT_ROWS:
        fmt = percent_vi if name.endswith("_rate") else (lambda v: v)
        row = {"Chỉ tiêu": label, "Kỳ này": fmt(stats[name])}
        if previous:
            row[f"Kỳ trước ({previous['round_key']})"] = fmt(previous[name])
        rows.append(row)
    return rows


@task(name="publish-draft-artifacts", retries=SERVER_RETRIES, retry_delay_seconds=SERVER_RETRY_DELAYS)
def publish_draft_artifacts(built: BuiltDraft) -> list[str]:
    """The statistics table, the draft as Markdown and a link to the Word file, under keys a person can read."""
    key = built.round_key
    title = built.title
    create_table_artifact(
        table=statistics_table(built.statistics),
        key=statistics_key(key),
        description=f"Thống kê tình hình báo cáo — {title} (dự thảo lần {built.version})",
    )
    header = f"> Dự thảo báo cáo tổng hợp lần {built.version} — tệp Word: {md_escape(built.docx)}\n\n---\n\n"
    create_markdown_artifact(
        markdown=header + built.markdown,
        key=draft_key(key),
        description=f"Dự thảo báo cáo tổng hợp lần {built.version} — {title}",
    )
    create_link_artifact(
        link=Path(built.docx).as_uri(),
        link_text=f"Dự thảo báo cáo tổng hợp lần {built.version} (.docx)",
        key=files_key(key),
        description=f"Các tệp của dự thảo: {built.docx}; {built.html}; {built.markdown_path}",
    )
    return [statistics_key(key), draft_key(key), files_key(key)]


@flow(name="consolidate-round", flow_run_name="consolidate {round_key}")
def consolidate_round(round_key: str, now: dt.datetime | None = None, plan_key: str | None = None) -> int:
    """Build the next draft of a round's consolidated report, publish its statistics and text; the draft id.

    Refused (`DraftNotRevisable`) while the round's newest draft awaits the Director or is approved.
    """
    built = build_draft_files(round_key, plan_key, resolve_now(now))
    publish_draft_artifacts(built)
    return built.draft_id
