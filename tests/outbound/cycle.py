"""Helpers that write notices of the cycle into the outbox for the tests."""

from __future__ import annotations

import datetime as dt

from models.db import session_scope
from models.rounds import tasks_for
from models.submissions import ItemIn, SubmissionIn, record_submission
from models.tables import Attachment, Channel, ReportDraft, Round
from notifications import notices
from notifications.reportform import FormTask, build_form

# Moments of the six-month round (due before 15/6/2018 00:00 local, lock 25/6 or so).
BEFORE = dt.datetime(2018, 6, 11, 1, 0, tzinfo=dt.UTC)  # Monday 11/6, 08:00 local
LAST_DAY = dt.datetime(2018, 6, 14, 1, 0, tzinfo=dt.UTC)  # Thursday 14/6
AFTER = dt.datetime(2018, 6, 19, 1, 0, tzinfo=dt.UTC)  # Tuesday 19/6


def add_attachment(session, name: str, size: int = 123_456) -> int:
    """A stored-file row (the outbound side only reads its name and size)."""
    row = Attachment(
        sha256="0" * 64,
        size=size,
        media_type="application/pdf",
        original_name=name,
        safe_name="f.pdf",
        storage_path="files/f.pdf",
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def record(session, world, agency, *, received_at, items=None, sender=None, files=()) -> int:
    """Record a submission of `agency` and return its id."""
    ids = [add_attachment(session, n) for n in files]
    out = record_submission(
        session=session,
        submission_in=SubmissionIn(
            round_id=world.round_id,
            agency_id=agency.id,
            channel=Channel.email,
            received_at=received_at,
            items=items or [ItemIn(task_key=None, results="Đã triển khai đầy đủ.")],
            sender=sender,
            attachment_ids=ids,
            actor="email",
        ),
    )
    assert out.submission.id is not None
    return out.submission.id


def make_draft(session, settings, world, version: int = 1) -> int:
    """A consolidated-report draft row with a .docx file in the data folder."""
    rnd = session.get(Round, world.round_id)
    path = settings.path("reports", f"{rnd.key}-v{version}.docx")
    path.write_bytes(
        build_form(
            round_key=rnd.key,
            round_title=rnd.title,
            agency_code="STTTT",
            agency_name="Sở TT&TT",
            due_text="—",
            tasks=[FormTask("I.1", "I", "x")],
            issuer="Sở TT&TT",
        )
    )
    draft = ReportDraft(
        round_id=rnd.id,
        version=version,
        docx_path=str(path.relative_to(settings.data_dir)),
        decided_by="Giám đốc Sở",
        decided_at=AFTER,
    )
    session.add(draft)
    session.flush()
    assert draft.id is not None
    return draft.id


def enqueue_every_notice(world, settings) -> list:
    """Every kind of notice for every agency of the roster; returns the outbox rows."""
    rows = []
    with session_scope(world.engine) as s:
        for n, a in enumerate(world.agencies):
            rows.append(
                notices.enqueue_assignment(
                    session=s, settings=settings, plan_id=world.plan_id, agency_id=a.id, now=BEFORE
                )
            )
            rows.append(
                notices.enqueue_request(
                    session=s, settings=settings, round_id=world.round_id, agency_id=a.id, now=BEFORE
                )
            )
            for step, kind, now in (
                ("before-3", "before", BEFORE),
                ("last-day", "last_day", LAST_DAY),
                ("overdue-1", "after", AFTER),
            ):
                rows.append(
                    notices.enqueue_reminder(
                        session=s,
                        settings=settings,
                        round_id=world.round_id,
                        agency_id=a.id,
                        step=step,
                        kind=kind,
                        now=now,
                    )
                )
            rows.append(
                notices.enqueue_escalation(
                    session=s, settings=settings, round_id=world.round_id, agency_id=a.id, step="overdue-3", now=AFTER
                )
            )
            tasks = tasks_for(session=s, round_id=world.round_id, agency_id=a.id)
            items = [
                ItemIn(task_key=t.key, results=f"Kết quả nhiệm vụ {t.key}", difficulties="Thiếu kinh phí")
                for t in tasks[:3]
            ]
            sid = record(
                s,
                world,
                a,
                received_at=LAST_DAY if n % 2 else AFTER,
                items=items or None,
                sender=None if n % 3 else "vanthu@example.gov.vn",
                files=["Báo cáo 6 tháng.pdf"],
            )
            rows.append(notices.enqueue_receipt(session=s, settings=settings, submission_id=sid, now=AFTER))
        a = world.agencies[0]
        for reason, extra in (
            ("unknown_sender", {}),
            ("file_too_large", {"filename": "Ảnh hoạt động.zip", "size": 40 * 1024 * 1024}),
            (
                "file_type",
                {
                    "filename": "chạy thử.exe",
                    "media_type": "application/x-msdownload",
                    "allowed_types": ["PDF", "DOCX", "XLSX"],
                },
            ),
            ("round_locked", {}),
        ):
            rows.append(
                notices.enqueue_refusal(
                    session=s,
                    settings=settings,
                    reason=reason,
                    to="la@example.com",
                    received_at=AFTER,
                    now=AFTER,
                    plan_id=world.plan_id,
                    inbound_message_id=None,
                    original_message_id="<abc@example.com>",
                    original_subject="Báo cáo",
                    round_id=world.round_id,
                    agency_id=a.id,
                    **extra,
                )
            )
        rows.append(
            notices.enqueue_refusal(
                session=s,
                settings=settings,
                reason="unknown_sender",
                to="stranger@example.org",
                received_at=AFTER,
                now=AFTER,
                plan_id=world.plan_id,
            )
        )
        rows.append(notices.enqueue_digest(session=s, settings=settings, plan_id=world.plan_id, now=LAST_DAY))
        rows.append(notices.enqueue_press_reminder(session=s, settings=settings, plan_id=world.plan_id, now=BEFORE))
        draft_id = make_draft(s, settings, world)
        rows.append(notices.enqueue_report(session=s, settings=settings, draft_id=draft_id, now=AFTER))
    return rows
