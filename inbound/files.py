"""Keep the content-addressed file store clean: a file no attachment row refers to is removed.

Files are stored under `files/ab/cdef…` by sha256 before their row is written, so a refused or
abandoned upload can leave one behind. The portal removes a refused upload's files at once
(`remove_if_unreferenced`); `prune_orphans` (CLI `planflow files prune`) sweeps the rest, sparing
recent files whose row may still be on its way.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, select

from models.settings import Settings
from models.tables import Attachment

FILES_DIR = "files"
TMP_DIR = "tmp"
DEFAULT_GRACE = dt.timedelta(hours=1)


@dataclass
class PruneReport:
    """What a sweep removed and kept."""

    removed: list[str] = field(default_factory=list)
    kept: int = 0
    bytes_freed: int = 0


def _referenced(session: Session, storage_path: str) -> bool:
    return (
        session.exec(select(Attachment.id).where(Attachment.storage_path == storage_path).limit(1)).first() is not None
    )


def remove_if_unreferenced(*, settings: Settings, engine: sa.Engine, stored) -> bool:
    """Delete a stored file at once when no attachment row refers to it; True when it was removed."""
    with Session(engine) as session:
        if _referenced(session, stored.storage_path):
            return False
    path = settings.data_dir / stored.storage_path
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def _age_seconds(path: Path, now: float) -> float:
    try:
        return now - path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def prune_orphans(
    *, settings: Settings, engine: sa.Engine, grace: dt.timedelta = DEFAULT_GRACE, dry_run: bool = False
) -> PruneReport:
    """Remove stored files with no attachment row, and abandoned partial uploads, older than `grace`."""
    report = PruneReport()
    root = settings.data_dir / FILES_DIR
    if not root.is_dir():
        return report
    wall = time.time()  # file ages are a file-system fact, measured on the file-system clock
    limit = grace.total_seconds()
    with Session(engine) as session:
        known = set(session.exec(select(Attachment.storage_path)).all())
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(settings.data_dir).as_posix()
        if rel in known or _age_seconds(path, wall) < limit:
            report.kept += 1
            continue
        with Session(engine) as session:  # a row may have arrived since the listing
            if _referenced(session, rel):
                report.kept += 1
                continue
        size = path.stat().st_size
        if not dry_run:
            path.unlink(missing_ok=True)
        report.removed.append(rel)
        report.bytes_freed += size
    return report
