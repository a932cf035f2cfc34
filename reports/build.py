"""Building a draft of the consolidated report: consolidate, write .docx/.html/.md, record a ReportDraft."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from models.audit import audit
from models.consolidation import Consolidation, consolidate
from models.settings import Settings
from models.tables import ReportDraft
from reports.data import collect_round_data
from reports.docx import write_docx
from reports.html import render_html
from reports.markdown import render_markdown
from reports.view import make_view


@dataclass
class DraftResult:
    """A built draft: its row, files (absolute paths), statistics and the Markdown text."""

    draft_id: int
    version: int
    round_id: int
    round_key: str
    title: str
    docx_path: Path
    html_path: Path
    markdown_path: Path
    statistics: dict
    markdown: str
    consolidation: Consolidation


def slug(text: str) -> str:
    """A name safe in paths and Prefect artifact keys: lowercase letters, digits and dashes."""
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]", "-", text.lower())).strip("-") or "round"


def next_version(*, session: Session, round_id: int) -> int:
    """The version number the next draft of a round gets."""
    current = session.exec(select(func.max(ReportDraft.version)).where(ReportDraft.round_id == round_id)).one()
    return (current or 0) + 1


def build_draft(
    *, session: Session, settings: Settings, round_id: int, now: dt.datetime, actor: str = "system"
) -> DraftResult:
    """Consolidate a round, write the three files under data/reports/{round}/v{n}/ and record draft version n."""
    data = collect_round_data(session=session, round_id=round_id)
    consolidation = consolidate(data, now=now)
    view = make_view(consolidation, plan_document=data.plan, tz=settings.timezone, now=now)
    version = next_version(session=session, round_id=round_id)
    key = slug(data.round.key)
    folder = Path("reports") / key / f"v{version}"
    stem = f"bao-cao-tong-hop-{key}-v{version}"
    (settings.data_dir / folder).mkdir(parents=True, exist_ok=True)
    docx_rel, html_rel, md_rel = (folder / f"{stem}.{ext}" for ext in ("docx", "html", "md"))

    write_docx(view, settings.data_dir / docx_rel)
    (settings.data_dir / html_rel).write_text(render_html(view), encoding="utf-8")
    markdown = render_markdown(view)
    (settings.data_dir / md_rel).write_text(markdown, encoding="utf-8")

    statistics = {
        "round_key": data.round.key,
        "generated_at": now.isoformat(),
        **consolidation.statistics_dict(),
    }
    draft = ReportDraft(
        round_id=round_id,
        version=version,
        docx_path=docx_rel.as_posix(),
        html_path=html_rel.as_posix(),
        markdown_path=md_rel.as_posix(),
        statistics=statistics,
        created_at=now,
    )
    session.add(draft)
    session.flush()
    assert draft.id is not None  # the flush assigned it
    audit(
        session=session,
        actor=actor,
        action="draft_built",
        round_id=round_id,
        detail={"draft_id": draft.id, "version": version, "docx_path": draft.docx_path},
    )
    return DraftResult(
        draft_id=draft.id,
        version=version,
        round_id=round_id,
        round_key=data.round.key,
        title=data.round.title,
        docx_path=(settings.data_dir / docx_rel).resolve(),
        html_path=(settings.data_dir / html_rel).resolve(),
        markdown_path=(settings.data_dir / md_rel).resolve(),
        statistics=statistics,
        markdown=markdown,
        consolidation=consolidation,
    )
