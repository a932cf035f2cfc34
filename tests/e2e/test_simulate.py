"""The whole 2018 cycle, end to end: `planflow simulate` against real servers, every outcome checked in the data it left.

The expectations come from the agencies' script (recomputed here from the seed and the rounds in
the database, not taken from the simulation's own summary) and are checked against the database,
the mail the SMTP catcher received and the portal's answers.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from models.consolidation import compute_statistics
from models.db import make_engine
from models.rounds import expected_agencies
from models.tables import (
    Agency,
    AgencyStatus,
    AuditLog,
    Channel,
    DraftState,
    InboundDisposition,
    InboundMessage,
    Official,
    OfficialRole,
    ReportDraft,
    RosterEntry,
    Round,
    RoundState,
    Submission,
)
from notifications.addressing import parse_subject_tag, round_key_from_tag
from reports.data import collect_round_data
from simulation.agencies import Behaviour, script_round

ROOT = Path(__file__).resolve().parents[2]
SEED = 7
END = dt.datetime(2018, 12, 31, 16, 0, tzinfo=dt.UTC)

pytestmark = [pytest.mark.slow, pytest.mark.dovecot, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def year(tmp_path_factory) -> Iterator[dict]:
    """Run the simulation once for every test of this module; its work folder, summary and output."""
    work = tmp_path_factory.mktemp("simulation") / "work"
    summary_path = work.parent / "summary.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLANFLOW_", "PREFECT_"))}
    env.update(DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false", PYTHONUNBUFFERED="1")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli.main",
            "simulate",
            "--seed",
            str(SEED),
            "--work-dir",
            str(work),
            "--summary-json",
            str(summary_path),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=840,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-8000:]
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    engine = make_engine(f"sqlite:///{work / 'data' / 'planflow.db'}")
    yield {"work": work, "summary": summary, "output": output, "engine": engine, "mail": work / "data" / "mailcatcher"}
    engine.dispose()


@pytest.fixture(scope="module")
def scripts(year) -> dict:
    """The agencies' behaviour per round, drawn again from the seed and the rounds as loaded."""
    out = {}
    with Session(year["engine"]) as s:
        for rnd in s.exec(select(Round)).all():
            codes = [a.code for a in expected_agencies(session=s, round=rnd) if a.code not in (rnd.exempt_codes or [])]
            out[rnd.key] = script_round(
                round_key=rnd.key,
                agency_codes=codes,
                opens_at=rnd.opens_at,
                due_at=rnd.due_at,
                lock_at=rnd.lock_at,
                seed=SEED,
            )
    return out


@pytest.fixture(scope="module")
def caught(year) -> list:
    """Every message the SMTP catcher received, parsed."""
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(year["mail"].glob("*.eml"))]


def test_nothing_was_left_out(year) -> None:
    summary = year["summary"]
    assert summary["missing"] == []
    failed = [f for f in summary["flow_runs"] if not f["ok"]]
    assert failed == []
    assert {f["flow"] for f in summary["flow_runs"]} >= {
        "assign-plan",
        "daily-cycle",
        "collect-replies",
        "revise-report",
    }
    assert "Reports:" in year["output"] and ".docx" in year["output"]


def test_every_agency_ends_as_scripted(year, scripts) -> None:
    with Session(year["engine"]) as s:
        for key, script in scripts.items():
            rnd = s.exec(select(Round).where(Round.key == key)).one()
            codes = {a.id: a.code for a in s.exec(select(Agency)).all()}
            entries = {
                codes[e.agency_id]: e for e in s.exec(select(RosterEntry).where(RosterEntry.round_id == rnd.id)).all()
            }
            subs = defaultdict(list)
            for sub in s.exec(
                select(Submission).where(Submission.round_id == rnd.id).order_by(col(Submission.version))
            ).all():
                subs[codes[sub.agency_id]].append(sub)
            for reply in script.replies:
                got = subs.get(reply.agency_code, [])
                entry = entries[reply.agency_code]
                where = f"{reply.agency_code} in {key} ({reply.behaviour.value} by {reply.channel})"
                if reply.behaviour in (Behaviour.never, Behaviour.after_lock):
                    assert got == [], where
                    assert entry.status == AgencyStatus.missing, where  # settled at the lock, even in a closed round
                    continue
                assert len(got) == 1, where
                assert got[0].channel == Channel(reply.channel), where
                assert got[0].received_at == reply.at, where
                expected = {
                    Behaviour.on_time: AgencyStatus.on_time,
                    Behaviour.late: AgencyStatus.late,
                    Behaviour.nil: AgencyStatus.nil,
                }
                assert entry.status == expected[reply.behaviour], where
                assert got[0].is_nil == (reply.behaviour == Behaviour.nil), where


def test_statistics_of_each_round(year, scripts) -> None:
    with Session(year["engine"]) as s:
        for key, script in scripts.items():
            rnd = s.exec(select(Round).where(Round.key == key)).one()
            assert rnd.id is not None
            stats, _ = compute_statistics(collect_round_data(session=s, round_id=rnd.id), now=END)
            expected = script.expected_counts()
            assert (stats.on_time, stats.late, stats.nil, stats.missing) == (
                expected["on_time"],
                expected["late"],
                expected["nil"],
                expected["missing"],
            ), key
            assert (
                expected["nil"] == 1 and expected["missing"] == 2 and expected["late"] >= 2 and expected["on_time"] > 10
            )
            assert stats.pending == 0
            printed = year["summary"]["rounds"][key]["statistics"]
            assert printed["on_time"] == stats.on_time and printed["missing"] == stats.missing


def test_email_and_upload_both_used(year, scripts) -> None:
    with Session(year["engine"]) as s:
        channels = Counter(sub.channel for sub in s.exec(select(Submission)).all())
    assert channels[Channel.email] >= 3 * 5 and channels[Channel.upload] >= 3 * 5


def test_stranger_is_quarantined_never_recorded(year, scripts) -> None:
    with Session(year["engine"]) as s:
        quarantined = s.exec(
            select(InboundMessage).where(InboundMessage.disposition == InboundDisposition.quarantined)
        ).all()
        strangers = {script.stranger.sender for script in scripts.values()}
        assert len(quarantined) == len(scripts)
        assert {m.from_address for m in quarantined} == strangers
        assert s.exec(select(Submission).where(col(Submission.sender).in_(strangers))).all() == []


def test_reply_after_the_lock_is_refused(year, scripts) -> None:
    uploads = {(u["round"], u["agency"]): u for u in year["summary"]["uploads"]}
    for key, script in scripts.items():
        [late_one] = script.by_behaviour(Behaviour.after_lock)
        answer = uploads[(key, late_one.agency_code)]
        assert answer["status"] == 403 and not answer["accepted"], answer
    with Session(year["engine"]) as s:
        for key, script in scripts.items():
            rnd = s.exec(select(Round).where(Round.key == key)).one()
            [late_one] = script.by_behaviour(Behaviour.after_lock)
            assert late_one.at >= rnd.lock_at


def test_approval_history_and_rounds_closed(year) -> None:
    with Session(year["engine"]) as s:
        for rnd in s.exec(select(Round)).all():
            assert rnd.state == RoundState.closed, rnd.key
            drafts = s.exec(
                select(ReportDraft).where(ReportDraft.round_id == rnd.id).order_by(col(ReportDraft.version))
            ).all()
            decisions = [
                (a.action, a.detail.get("version"))
                for a in s.exec(select(AuditLog).where(AuditLog.round_id == rnd.id).order_by(col(AuditLog.id))).all()
                if a.action in ("draft_approved", "draft_returned")
            ]
            if rnd.kind.value == "six_month":
                assert [d.state for d in drafts] == [DraftState.returned, DraftState.sent]
                assert drafts[0].comments
                assert decisions == [("draft_returned", 1), ("draft_approved", 2)]
            else:
                assert [d.state for d in drafts] == [DraftState.sent]
                assert decisions == [("draft_approved", 1)]
            assert Path(year["work"] / "data" / drafts[-1].docx_path).is_file()


def test_reports_reached_the_chairman(year, caught) -> None:
    with Session(year["engine"]) as s:
        chairman = s.exec(select(Official).where(Official.role == OfficialRole.chairman)).one().email.lower()
        rounds = {r.key for r in s.exec(select(Round)).all()}
    reports = [m for m in caught if m["X-Planflow-Kind"] == "report"]
    seen = set()
    for m in reports:
        to = {a.lower() for _, a in getaddresses(m.get_all("To", []) + m.get_all("Cc", []))}
        assert chairman in to
        assert any((p.get_filename() or "").endswith(".docx") for p in m.iter_attachments())
        tag = parse_subject_tag(str(m["Subject"]))
        seen.add(round_key_from_tag(tag[0]) if tag else str(m["Subject"]))
    assert len(reports) == len(rounds)
    assert len(seen) == len(rounds), seen


def test_each_reminder_sent_once_and_only_to_pending_agencies(year, caught) -> None:
    ids = Counter(str(m["Message-ID"]) for m in caught)
    assert [i for i, n in ids.items() if n > 1] == []
    with Session(year["engine"]) as s:
        codes = {a.id: a.code for a in s.exec(select(Agency)).all()}
        rounds = {r.id: r.key for r in s.exec(select(Round)).all()}
        first = {}
        for sub in s.exec(select(Submission).order_by(col(Submission.received_at))).all():
            first.setdefault((rounds[sub.round_id], codes[sub.agency_id]), sub.received_at)
    reminders = [m for m in caught if m["X-Planflow-Kind"] == "reminder"]
    assert reminders, "no reminder was sent all year"
    per_agency = Counter()
    for m in reminders:
        tag = parse_subject_tag(str(m["Subject"]))
        assert tag, m["Subject"]
        key = (round_key_from_tag(tag[0]), tag[1])
        per_agency[key] += 1
        sent_at = parsedate_to_datetime(str(m["Date"]))
        if key in first:
            assert sent_at < first[key], f"reminder to {key} on {sent_at} after its report of {first[key]}"
    with Session(year["engine"]) as s:
        from models.tables import Plan

        ladder = s.exec(select(Plan)).one().document.get("reminders") or {}
    assert max(per_agency.values()) <= ladder.get("max_count", 6)


def test_requests_receipts_and_escalations(year, scripts, caught) -> None:
    by_kind = defaultdict(list)
    for m in caught:
        tag = parse_subject_tag(str(m["Subject"]))
        if tag:
            by_kind[str(m["X-Planflow-Kind"])].append((round_key_from_tag(tag[0]), tag[1]))
    with Session(year["engine"]) as s:
        codes = {a.id: a.code for a in s.exec(select(Agency)).all()}
        rounds = {r.id: r.key for r in s.exec(select(Round)).all()}
        rosters = Counter(rounds[e.round_id] for e in s.exec(select(RosterEntry)).all())
        submitted = Counter((rounds[x.round_id], codes[x.agency_id]) for x in s.exec(select(Submission)).all())
    # One request per agency on each round's roster.
    requests = Counter(by_kind["request"])
    assert max(requests.values()) == 1
    assert Counter(key for key, _ in requests) == rosters
    # One receipt per recorded submission, to the agency that sent it.
    assert Counter(by_kind["receipt"]) == submitted
    # The agency that never answers is escalated to its head in every round.
    escalated = set(by_kind["escalation"])
    for key, script in scripts.items():
        [silent] = script.by_behaviour(Behaviour.never)
        assert (key, silent.agency_code) in escalated
    assert all(submitted[k] == 0 for k in escalated)


def test_what_agencies_wrote_was_read_back(year) -> None:
    from models.tables import Attachment, SubmissionItem

    with Session(year["engine"]) as s:
        for sub in s.exec(select(Submission)).all():
            items = s.exec(select(SubmissionItem).where(SubmissionItem.submission_id == sub.id)).all()
            files = s.exec(select(Attachment).where(Attachment.submission_id == sub.id)).all()
            if sub.is_nil:
                assert items == [] and files == []
                continue
            # The filled Word form (attached to the email, or uploaded with the typed texts) came back per task.
            assert items and all("đã triển khai nhiệm vụ" in i.results for i in items if i.task_id is not None), sub.id
            assert any(i.difficulties for i in items) and any(i.proposals for i in items)
            assert [f.original_name.endswith(".docx") for f in files] == [True]
