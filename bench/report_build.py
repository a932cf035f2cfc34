"""Benchmark: time to build the consolidated report of the reference plan's six-month round (not a test).

Every roster agency reports on each of its tasks with P paragraphs of results. The build (load,
consolidate, .docx, .html, .md, draft row) is timed for P = 1 (the baseline) and larger P, and the
ratio to the baseline is printed. Usage: `python bench/report_build.py [--paragraphs 1 10 40]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DO_NOT_TRACK", "1")

DUE = dt.datetime(2018, 6, 14, 17, 0, tzinfo=dt.UTC)


def one_run(paragraphs: int) -> tuple[int, float]:
    """Build one draft in a fresh database; (paragraphs of agency text, seconds)."""
    from models.db import make_engine, session_scope, upgrade
    from models.loading import load_plan
    from models.planfile import load_contacts_file, load_plan_file
    from models.rounds import open_round, roster, round_by_key, tasks_for
    from models.settings import DatabaseSettings, Settings
    from models.submissions import ItemIn, SubmissionIn, record_submission
    from models.tables import Channel
    from plans import plan_default_paths
    from reports.build import build_draft

    plan_path, contacts_path = plan_default_paths()
    plan = load_plan_file(plan_path)
    contacts = load_contacts_file(contacts_path, plan)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        settings = Settings(data_dir=data, db=DatabaseSettings(url=f"sqlite:///{data / 'b.db'}"))
        upgrade(settings.database_url)
        engine = make_engine(settings.database_url)
        count = 0
        with session_scope(engine) as s:
            load_plan(
                session=s,
                plan=plan,
                contacts=contacts,
                source_path=str(plan_path),
                content_sha256=hashlib.sha256(Path(plan_path).read_bytes()).hexdigest(),
                now=DUE - dt.timedelta(days=60),
            )
            rnd = round_by_key(session=s, key="six-month-2018")
            assert rnd.id is not None
            open_round(session=s, round_id=rnd.id, now=DUE - dt.timedelta(days=20))
            for i, (_, agency) in enumerate(roster(session=s, round_id=rnd.id)):
                assert agency.id is not None
                tasks = tasks_for(session=s, round_id=rnd.id, agency_id=agency.id) or [None]
                text = "\n".join(
                    f"Kết quả {n} của {agency.name}: tuyên truyền, quảng bá hình ảnh Vĩnh Long."
                    for n in range(paragraphs)
                )
                items = [
                    ItemIn(task_key=t.key if t else None, results=text, difficulties="Khó khăn.", proposals="Đề xuất.")
                    for t in tasks
                ]
                count += len(items) * (paragraphs + 2)
                record_submission(
                    session=s,
                    submission_in=SubmissionIn(
                        round_id=rnd.id,
                        agency_id=agency.id,
                        channel=Channel.upload,
                        received_at=DUE - dt.timedelta(hours=i + 1),
                        items=items,
                        actor="bench",
                    ),
                )
        with session_scope(engine) as s:
            start = time.perf_counter()
            build_draft(session=s, settings=settings, round_id=rnd.id, now=DUE + dt.timedelta(days=2))
            seconds = time.perf_counter() - start
        engine.dispose()
    return count, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--paragraphs", type=int, nargs="+", default=[1, 10, 40])
    args = parser.parse_args()
    baseline = None
    for p in args.paragraphs:
        count, seconds = one_run(p)
        baseline = baseline or seconds
        print(
            f"P={p:4d}  agency paragraphs={count:6d}  build {seconds:6.2f} s  ratio to P={args.paragraphs[0]}: {seconds / baseline:5.2f}x"
        )


if __name__ == "__main__":
    main()
