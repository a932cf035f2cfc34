"""Consolidation rules on a hand-built round: statuses, statistics, versions, traceability, comparison."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlmodel import Session

from models.consolidation import GENERAL_TITLE, ONLY_TITLE, clean_text, consolidate
from reports.data import collect_round_data
from tests.reports.report_builders import AFTER_LOCK, SCRIPT

BEFORE_LOCK = dt.datetime(2018, 6, 20, 3, 0, tzinfo=dt.UTC)


def _data(built):
    engine, b = built
    with Session(engine) as s:
        return collect_round_data(session=s, round_id=b.round_id), b


def test_every_status_and_exact_statistics(built):
    data, _ = _data(built)
    c = consolidate(data, now=AFTER_LOCK)
    status = {row.agency.code: row.status for row in c.status_rows}
    assert status == {
        "VHTTDL": "on_time",  # v1 before the due instant; v2 after it does not make it late
        "KHDT": "late",
        "CA": "nil",
        "TC": "missing",
        "NV": "exempt",
        "BAOVL": "on_time",
        "VLONG_TX": "on_time",
    }
    s = c.statistics
    assert (s.expected, s.actual, s.on_time, s.late, s.nil, s.exempt, s.missing, s.pending) == (7, 5, 3, 1, 1, 1, 1, 0)
    assert s.required == 6 and s.reported_on_time == 4  # the nil report arrived before the due instant
    assert s.reporting_rate == 5 / 6 and s.on_time_rate == 4 / 6
    assert [a.code for a in c.not_reported] == ["TC"]
    assert [a.code for a in c.nil_agencies] == ["CA"]
    assert [a.code for a in c.exempt_agencies] == ["NV"]
    assert c.statistics_dict()["not_reported"] == ["TC"]


def test_pending_before_lock_missing_after(built):
    data, _ = _data(built)
    data.round = dataclasses.replace(data.round, state="open")
    before = consolidate(data, now=BEFORE_LOCK).statistics
    after = consolidate(data, now=AFTER_LOCK).statistics
    assert (before.pending, before.missing) == (1, 0)
    assert (after.pending, after.missing) == (0, 1)
    assert before.actual == after.actual == 5


def test_latest_version_counts_and_earlier_ones_stay_in_the_annex(built):
    data, b = _data(built)
    c = consolidate(data, now=AFTER_LOCK)
    texts = [p.text for sec in c.results for blk in sec.blocks for p in blk.paragraphs]
    assert "Bản cũ không được tổng hợp." not in texts
    assert "Tổ chức 3 đoàn famtrip quảng bá du lịch sông nước miệt vườn (đoạn 1)." in texts
    annex = {e.agency.code: e for e in c.annex}
    v = annex["VHTTDL"].versions
    assert [(x.submission_id, x.version, x.counted) for x in v] == [
        (b.submissions["VHTTDL"][0], 1, False),
        (b.submissions["VHTTDL"][1], 2, True),
    ]
    assert [a.original_name for a in v[1].attachments] == ["bao-cao-6-thang.pdf"]
    assert annex["TC"].versions == [] and annex["TC"].status == "missing"


def test_results_grouped_by_content_item_and_agency_with_sources(built):
    data, b = _data(built)
    c = consolidate(data, now=AFTER_LOCK)
    sections = {sec.number: sec for sec in c.results}
    assert [sec.number for sec in c.results] == [1, 2, 6, None]
    assert sections[1].blocks == []  # IV.2.1 serves items 6 then 1: it goes under 6 only
    assert [blk.agency.code for blk in sections[6].blocks] == ["VHTTDL", "KHDT"]
    assert [blk.agency.code for blk in sections[2].blocks] == ["BAOVL"]
    assert sections[2].blocks[0].paragraphs[0].text == SCRIPT
    general = sections[None]
    assert general.title == GENERAL_TITLE
    assert [blk.agency.code for blk in general.blocks] == ["VHTTDL", "VLONG_TX"]
    # A reply with a body but no items counts as general results, one paragraph per line.
    assert [p.text for p in general.blocks[1].paragraphs] == [
        "Thị xã đã tổ chức 12 buổi tuyên truyền biển, đảo.",
        "Cấp phát 2.000 tờ rơi.",
    ]
    # Every paragraph points at the submission version it came from.
    src = sections[6].blocks[0].paragraphs[2].source
    assert (src.submission_id, src.version, src.channel, src.agency_name) == (
        b.submissions["VHTTDL"][1],
        2,
        "upload",
        "Sở Văn hóa, Thể thao và Du lịch",
    )
    assert src.received_at == dt.datetime(2018, 6, 15, 17, 0, tzinfo=dt.UTC)
    for sec in c.results:
        for blk in sec.blocks:
            assert all(p.source == blk.source for p in blk.paragraphs)


def test_difficulties_and_proposals_attributed(built):
    data, b = _data(built)
    c = consolidate(data, now=AFTER_LOCK)
    assert [(blk.agency.code, [p.text for p in blk.paragraphs]) for blk in c.difficulties] == [
        ("VHTTDL", ["Kinh phí quảng bá còn hạn chế."]),
        ("KHDT", [SCRIPT]),
    ]
    assert [(blk.agency.code, blk.source.submission_id) for blk in c.proposals] == [
        ("VHTTDL", b.submissions["VHTTDL"][1]),
        ("BAOVL", b.submissions["BAOVL"][0]),
    ]


def test_compared_with_previous_round_of_same_kind(built):
    data, _ = _data(built)
    assert data.previous is not None and data.previous.round.key == "six-month-2017"
    cmp = consolidate(data, now=AFTER_LOCK).comparison
    assert cmp is not None
    p = cmp.previous
    assert (p.expected, p.actual, p.on_time, p.late, p.missing) == (4, 2, 1, 1, 2)
    assert p.reporting_rate == 0.5 and p.on_time_rate == 0.25
    assert cmp.reporting_rate_change is not None
    assert abs(cmp.reporting_rate_change - (5 / 6 - 0.5)) < 1e-12
    assert cmp.on_time_rate_change is not None
    assert abs(cmp.on_time_rate_change - (4 / 6 - 0.25)) < 1e-12


def test_no_previous_round_no_comparison(engine):
    from models.db import session_scope
    from tests.reports.report_builders import build_round

    with session_scope(engine) as s:
        b = build_round(s, with_previous=False)
    with Session(engine) as s:
        data = collect_round_data(session=s, round_id=b.round_id)
    assert data.previous is None
    assert consolidate(data, now=AFTER_LOCK).comparison is None


def test_text_cleaned_for_xml_lines_normalised():
    assert clean_text("a\x00b\x0bc\r\nd\re\ufffe") == "abc\nd\ne"


def test_round_about_no_content_item_has_one_results_section(built):
    data, _ = _data(built)
    data.tasks = {k: dataclasses.replace(t, content_items=()) for k, t in data.tasks.items()}
    c = consolidate(data, now=AFTER_LOCK)
    assert [(sec.number, sec.title) for sec in c.results] == [(None, ONLY_TITLE)]
    assert [blk.agency.code for blk in c.results[0].blocks] == ["VHTTDL", "KHDT", "BAOVL", "VLONG_TX"]


def test_status_set_by_the_officer_without_a_submission_is_kept(built):
    data, b = _data(built)
    data.roster = [dataclasses.replace(e, status="nil") if e.agency_id == b.agencies["TC"] else e for e in data.roster]
    s = consolidate(data, now=AFTER_LOCK).statistics
    assert (s.nil, s.missing, s.actual, s.reported_on_time) == (2, 0, 6, 4)
