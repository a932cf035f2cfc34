"""The cycle's shared vocabulary: task order, status labels, roster statistics and outbox keys (pure, fast)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session

from models.labels import STATUS_LABELS, status_label
from models.rounds import task_order
from models.statistics import tally
from models.tables import AgencyStatus, OutboundMessage
from notifications import keys


def test_task_keys_the_schema_accepts_sort_in_reading_order():
    shuffled = ["IV.10", "IV.2a.1", "IV.2", "IV-3", "III", "IV.2b", "II.5", "IV.2a", "IV.1"]
    assert sorted(shuffled, key=task_order) == [
        "II.5",
        "III",
        "IV.1",
        "IV.2",
        "IV.2a",
        "IV.2a.1",
        "IV.2b",
        "IV-3",
        "IV.10",
    ]


def test_a_letter_and_a_number_in_the_same_place_compare():
    assert task_order("IV.2") < task_order("IV.a")
    assert task_order("1.x") < task_order("1.2a") or task_order("1.2a") < task_order("1.x")


def test_every_status_has_a_label_and_no_two_statuses_share_one():
    assert set(STATUS_LABELS) == set(AgencyStatus)
    assert len(set(STATUS_LABELS.values())) == len(AgencyStatus)


def test_pending_and_missing_read_differently():
    assert status_label("pending") == "Chưa báo cáo"
    assert status_label(AgencyStatus.missing) == "Không báo cáo"


def test_tally_counts_each_status_and_derives_the_totals():
    s = tally(["on_time", "on_time", "late", "nil", "exempt", "missing", "pending", "pending"])
    assert (s.expected, s.on_time, s.late, s.nil, s.exempt, s.missing, s.pending) == (8, 2, 1, 1, 1, 1, 2)
    assert (s.actual, s.required, s.not_reported) == (4, 7, 3)
    assert s.reporting_rate == pytest.approx(4 / 7)


def test_tally_counts_on_time_from_the_roster_unless_told():
    assert tally([AgencyStatus.on_time, AgencyStatus.late]).reported_on_time == 1
    assert tally([AgencyStatus.on_time, AgencyStatus.late], reported_on_time=2).reported_on_time == 2


def test_rates_are_undefined_when_nobody_had_to_report():
    s = tally(["exempt"])
    assert s.required == 0 and s.reporting_rate is None and s.on_time_rate is None


def _write(session: Session, key: str, at: dt.datetime, sent_at: dt.datetime | None = None) -> None:
    session.add(
        OutboundMessage(
            idempotency_key=key,
            kind="x",
            message_id=f"<{key}@test>",
            sender="a@b",
            subject="s",
            raw=b"",
            created_at=at,
            sent_at=sent_at,
        )
    )


def test_sent_reminders_reads_back_the_keys_reminder_key_writes(engine):
    t0 = dt.datetime(2018, 6, 1, 1, tzinfo=dt.UTC)
    with Session(engine) as s:
        _write(s, keys.reminder_key("six-month-2018", "SCT", "before-3"), t0, sent_at=t0 + dt.timedelta(minutes=5))
        _write(s, keys.reminder_key("six-month-2018", "SYT", "due"), t0)
        _write(s, keys.reminder_key("six-month-2018-b", "SCT", "due"), t0)  # another round, same prefix start
        _write(s, keys.escalation_key("six-month-2018", "SCT", "after-1"), t0)
        s.flush()
        assert keys.sent_reminders(session=s, round_key="six-month-2018") == {
            ("SCT", "before-3"): t0 + dt.timedelta(minutes=5),
            ("SYT", "due"): t0,
        }


def test_last_digest_day_is_the_newest_digest_of_the_plan(engine):
    t0 = dt.datetime(2018, 6, 1, 1, tzinfo=dt.UTC)
    with Session(engine) as s:
        assert keys.last_digest_day(session=s, plan_key="vl-2018") is None
        for day in (dt.date(2018, 6, 1), dt.date(2018, 6, 4)):
            _write(s, keys.digest_key("vl-2018", day), t0)
        _write(s, keys.digest_key("other", dt.date(2018, 7, 1)), t0)
        s.flush()
        assert keys.last_digest_day(session=s, plan_key="vl-2018") == dt.date(2018, 6, 4)


def test_every_reply_channel_has_one_label():
    from models.labels import CHANNEL_LABELS, channel_label
    from models.tables import Channel

    assert set(CHANNEL_LABELS) == set(Channel)
    assert channel_label("upload") == channel_label(Channel.upload) == "Trang báo cáo trực tuyến"
