"""The shipped reference plan matches the user's document (tests/plan/data/seed.txt), item by item."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from models.deadlines import round_instants
from models.plan import AgencyKind, RoundKind
from models.planfile import load_contacts_file, load_plan_file, validate_files
from plans import plan_default_paths, plan_paths

SEED = (Path(__file__).parent / "data" / "seed.txt").read_text(encoding="utf-8")
LINES = [line.strip() for line in SEED.splitlines()]


def _section(start: str, end: str) -> list[str]:
    """Non-empty lines of the seed from the line `start` up to (not including) the line `end`."""
    i = LINES.index(start)
    j = LINES.index(end, i)
    return [line for line in LINES[i + 1 : j] if line]


def seed_groups() -> dict[str, tuple[str, list[str]]]:
    """Section IV of the document: 'IV.n' -> (heading, [bullet or paragraph texts])."""
    groups: dict[str, tuple[str, list[str]]] = {}
    current = None
    for line in _section("IV. TỔ CHỨC THỰC HIỆN", "V. CHẾ ĐỘ BÁO CÁO"):
        m = re.match(r"^(\d+)\. (.+)$", line)
        if m:
            current = f"IV.{m.group(1)}"
            groups[current] = (m.group(2), [])
        else:
            assert current is not None, f"text before the first item: {line}"
            groups[current][1].append(line.removeprefix("- "))
    return groups


@pytest.fixture(scope="module")
def plan():
    return load_plan_file(plan_default_paths()[0])


@pytest.fixture(scope="module")
def contacts(plan):
    return load_contacts_file(plan_default_paths()[1], plan)


def test_shipped_files_are_valid_and_found():
    plan_path, contacts_path = plan_default_paths()
    assert plan_path.is_file() and contacts_path.is_file()
    assert validate_files(plan_path, contacts_path) == []
    assert plan_paths() == (plan_path, contacts_path)
    assert plan_paths(plan_path) == (plan_path, contacts_path)  # the contacts beside the plan


def test_plan_identity(plan):
    assert plan.plan.number == "21/KH-STTTT"
    assert plan.plan.date == dt.date(2018, 4, 13)
    assert plan.plan.year == 2018
    assert plan.plan.issuer == "Sở Thông tin và Truyền thông"
    assert plan.plan.legal_bases == _section("CÔNG TÁC THÔNG TIN ĐỐI NGOẠI NĂM 2018", "I. MỤC ĐÍCH, YÊU CẦU")[:-1]
    assert plan.plan.preamble == _section("CÔNG TÁC THÔNG TIN ĐỐI NGOẠI NĂM 2018", "I. MỤC ĐÍCH, YÊU CẦU")[-1]
    assert plan.plan.purposes == _section("1. Mục đích", "2. Yêu cầu")
    assert plan.plan.requirements == _section("2. Yêu cầu", "II. NỘI DUNG HOẠT ĐỘNG THÔNG TIN ĐỐI NGOẠI")


def test_decision(plan):
    d = plan.decision
    assert d.number is None and d.date is None  # the document shows neither
    assert d.issuer == "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH VĨNH LONG"
    assert d.title == "PHÊ DUYỆT KẾ HOẠCH CÔNG TÁC THÔNG TIN ĐỐI NGOẠI NĂM 2018"
    assert (d.signer.authority, d.signer.title, d.signer.name) == ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Lữ Quang Ngời")
    assert d.legal_bases == [line for line in LINES[:12] if line.startswith("Căn cứ")]
    assert d.considering == [line for line in LINES[:12] if line.startswith("Xét ")]
    articles = {a.number: a.text for a in d.articles}
    assert sorted(articles) == [1, 2, 3]
    body = _section("QUYẾT ĐỊNH:", "KT. CHỦ TỊCH")
    article_1 = body[0].removeprefix("Điều 1. ") + "\n" + body[1]
    assert articles[1] == article_1 and "Kế hoạch số 21/KH-STTTT, ngày 13/4/2018" in articles[1]
    assert articles[2] == body[2].removeprefix("Điều 2. ")
    assert articles[3] == body[3].removeprefix("Điều 3. ") + "\n" + body[4]
    assert articles[3].endswith("Quyết định có hiệu lực kể từ ngày ký./.")


def test_ten_content_items(plan):
    items = _section("II. NỘI DUNG HOẠT ĐỘNG THÔNG TIN ĐỐI NGOẠI", "III. KINH PHÍ HOẠT ĐỘNG")
    assert len(items) == 10
    assert [c.number for c in plan.content_items] == list(range(1, 11))
    for c, line in zip(plan.content_items, items, strict=True):
        assert f"{c.number}. {c.text}" == line
        assert c.title
    assert plan.content_items[4].text.startswith("Hàng quý phối hợp với các cơ quan chức năng họp báo")


def test_funding(plan):
    assert plan.funding.text == _section("III. KINH PHÍ HOẠT ĐỘNG", "IV. TỔ CHỨC THỰC HIỆN")[0]
    assert (plan.funding.appraiser, plan.funding.copy_to) == ("STC", "STTTT")
    assert plan.agency("STC").name == "Sở Tài chính"
    budget = [r for r in plan.rounds if r.kind == RoundKind.budget_estimate]
    assert len(budget) == 1 and budget[0].tasks == ["III.1"]
    assert plan.tasks[0].key == "III.1" and plan.tasks[0].text == plan.funding.text
    assert dt.date(2018, 4, 13) < budget[0].opens < budget[0].due < budget[0].lock


def test_twelve_groups_as_printed(plan):
    groups = seed_groups()
    assert list(groups) == [f"IV.{n}" for n in range(1, 13)]
    assert [g.section for g in plan.groups] == list(groups)
    for g in plan.groups:
        assert g.title == groups[g.section][0]


# Counted by hand in the document: bullets per group; groups written as one paragraph count 1.
BULLETS = {
    "IV.1": 7,
    "IV.2": 3,
    "IV.3": 2,
    "IV.4": 1,
    "IV.5": 2,
    "IV.6": 1,
    "IV.7": 1,
    "IV.8": 2,
    "IV.9": 2,
    "IV.10": 1,
    "IV.11": 1,
    "IV.12": 1,
}


def test_every_bulleted_task_of_section_iv(plan):
    groups = seed_groups()
    assert {s: len(texts) for s, (_, texts) in groups.items()} == BULLETS
    assert sum(BULLETS.values()) == 24
    for section, (_, texts) in groups.items():
        tasks = [t for t in plan.tasks if t.section == section]
        assert [t.key for t in tasks] == [f"{section}.{n}" for n in range(1, len(texts) + 1)]
        assert [t.text for t in tasks] == texts
        group = next(g for g in plan.groups if g.section == section)
        for t in tasks:
            assert t.agencies == group.agencies
    assert len(plan.tasks) == 25  # the 24 of section IV and the funding duty III.1


def test_named_groups_are_their_agencies(plan):
    expected = {
        "IV.1": ["STTTT"],
        "IV.2": ["SVHTTDL"],
        "IV.3": ["SKHDT"],
        "IV.4": ["LHHN"],
        "IV.5": ["CA"],
        "IV.6": ["SCT"],
        "IV.7": ["SNNPTNT"],
        "IV.8": ["STC"],
        "IV.9": ["SNV"],
        "IV.11": ["CTTDT"],
    }
    for g in plan.groups:
        if g.section in expected:
            assert g.agencies == expected[g.section]
    assert plan.agency("LHHN").name == "Liên hiệp các tổ chức hữu nghị tỉnh Vĩnh Long"
    assert plan.agency("CA").name == "Công an tỉnh"
    assert plan.agency("CTTDT").name == "Cổng thông tin điện tử Vĩnh Long"


def test_iv10_is_two_agencies_sharing_one_task(plan):
    group = next(g for g in plan.groups if g.section == "IV.10")
    assert group.agencies == ["BVL", "DPTTH"]
    assert [plan.agency(c).name for c in group.agencies] == ["Báo Vĩnh Long", "Đài Phát thanh và Truyền hình Vĩnh Long"]
    tasks = [t for t in plan.tasks if t.section == "IV.10"]
    assert len(tasks) == 1 and tasks[0].agencies == ["BVL", "DPTTH"]
    assert all(plan.agency(c).kind == AgencyKind.press for c in group.agencies)


DISTRICTS = [
    "Ủy ban nhân dân thành phố Vĩnh Long",
    "Ủy ban nhân dân thị xã Bình Minh",
    "Ủy ban nhân dân huyện Long Hồ",
    "Ủy ban nhân dân huyện Mang Thít",
    "Ủy ban nhân dân huyện Vũng Liêm",
    "Ủy ban nhân dân huyện Tam Bình",
    "Ủy ban nhân dân huyện Trà Ôn",
    "Ủy ban nhân dân huyện Bình Tân",
]


def test_iv12_expands_to_real_agencies(plan):
    group = next(g for g in plan.groups if g.section == "IV.12")
    names = {plan.agency(c).name for c in group.agencies}
    assert [a.name for a in plan.agencies if a.kind == AgencyKind.district] == DISTRICTS
    assert set(DISTRICTS) <= names
    departments = {a.name for a in plan.agencies if a.kind in (AgencyKind.department, AgencyKind.consolidator)}
    assert departments <= names
    for name in [
        "Sở Nội vụ",
        "Sở Tư pháp",
        "Sở Kế hoạch và Đầu tư",
        "Sở Tài chính",
        "Sở Công Thương",
        "Sở Nông nghiệp và Phát triển nông thôn",
        "Sở Giao thông vận tải",
        "Sở Xây dựng",
        "Sở Tài nguyên và Môi trường",
        "Sở Thông tin và Truyền thông",
        "Sở Lao động - Thương binh và Xã hội",
        "Sở Văn hóa, Thể thao và Du lịch",
        "Sở Khoa học và Công nghệ",
        "Sở Giáo dục và Đào tạo",
        "Sở Y tế",
        "Thanh tra tỉnh",
        "Văn phòng Ủy ban nhân dân tỉnh",
        "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh",
        "Tỉnh Đoàn",
        "Hội Liên hiệp Phụ nữ tỉnh",
        "Hội Nông dân tỉnh",
        "Hội Cựu chiến binh tỉnh",
        "Liên đoàn Lao động tỉnh",
    ]:
        assert name in names, name
    assert len(group.agencies) == 34
    task = next(t for t in plan.tasks if t.section == "IV.12")
    assert task.agencies == group.agencies


def test_consolidator_recipient_and_roster(plan):
    assert plan.consolidator.agency == "STTTT"
    assert plan.agency("STTTT").kind == AgencyKind.consolidator
    assert plan.recipient.name == "Chủ tịch Ủy ban nhân dân tỉnh Vĩnh Long"
    assert "thông tin đối ngoại" in plan.steering_committee.name
    assert plan.reporting.to == "Ban chỉ đạo thông tin đối ngoại tỉnh (qua Sở Thông tin và Truyền thông)"
    section_v = [line for line in LINES[LINES.index("V. CHẾ ĐỘ BÁO CÁO") + 1 :] if line]
    assert [plan.reporting.text, plan.reporting.difficulties_text] == section_v
    for r in plan.rounds:
        roster = plan.roster_codes(r)
        assert "STTTT" not in roster and len(roster) == len(plan.agencies) - 1 == 36


def test_the_two_deadlines_and_ad_hoc(plan):
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    six, annual = plan.round("six-month-2018"), plan.round("annual-2018")
    assert six.kind == RoundKind.six_month and annual.kind == RoundKind.annual
    assert (six.cutoff_start, six.cutoff_end, six.due) == (
        dt.date(2017, 12, 15),
        dt.date(2018, 6, 14),
        dt.date(2018, 6, 15),
    )
    assert (annual.cutoff_start, annual.due) == (dt.date(2017, 12, 15), dt.date(2018, 11, 15))
    assert annual.cutoff_end < annual.due
    # "trước ngày 15 tháng 6": late from 15/6/2018 00:00 in Vĩnh Long
    assert round_instants(six, "Asia/Ho_Chi_Minh").due_at == dt.datetime(2018, 6, 15, tzinfo=tz)
    assert round_instants(annual, "Asia/Ho_Chi_Minh").due_at == dt.datetime(2018, 11, 15, tzinfo=tz)
    for r in (six, annual):
        assert r.opens < r.due < r.lock
        assert [t.key for t in plan.round_tasks(r)] == [t.key for t in plan.tasks if t.section.startswith("IV.")]
    assert "báo cáo 6 tháng trước ngày 15 tháng 6" in plan.reporting.text
    assert "trước ngày 15 tháng 11 năm 2018" in plan.reporting.text
    assert "ad_hoc" in {k.value for k in RoundKind}
    assert plan.ad_hoc.enabled and "đột xuất" in plan.ad_hoc.text
    assert plan.press_briefings.content_item == 5 and len(plan.press_briefings.months) == 4
    assert plan.press_briefings.text in plan.content_items[4].text


def test_report_layout(plan):
    r = plan.report
    assert (r.parent_body, r.issuing_body, r.symbol, r.place) == (
        "UBND TỈNH VĨNH LONG",
        "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        "BC-STTTT",
        "Vĩnh Long",
    )
    assert (r.signer.authority, r.signer.title) == ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")
    assert r.distribution[-1].startswith("- Lưu: VT")


def test_every_text_is_verbatim_and_diacritics_intact(plan):
    texts = [
        *plan.plan.legal_bases,
        *plan.plan.purposes,
        *plan.plan.requirements,
        *plan.decision.legal_bases,
        *plan.decision.considering,
        *[c.text for c in plan.content_items],
        *[t.text for t in plan.tasks],
        plan.funding.text,
        plan.reporting.text,
        plan.reporting.difficulties_text,
    ]
    for text in texts:
        assert text in SEED
    everything = plan.model_dump_json()
    assert unicodedata.normalize("NFC", everything) == everything
    assert "\ufffd" not in everything and "?" not in "".join(a.name for a in plan.agencies)
    assert "Lữ Quang Ngời" in everything and "Đài Phát thanh và Truyền hình Vĩnh Long" in everything


def test_contacts_cover_every_reporting_agency_on_reserved_domains(plan, contacts):
    assert set(contacts.agencies) == {a.code for a in plan.agencies}
    addresses = [
        contacts.officer.email,
        contacts.director.email,
        contacts.chairman.email,
        contacts.steering_committee.email,
    ]
    for code, entry in contacts.agencies.items():
        assert entry.focal_points and entry.head and entry.allowed_domains
        addresses += [p.email for p in entry.focal_points] + [entry.head.email] + entry.allowed_senders
        assert all(d == f"{code.lower()}.vinhlong.example" for d in entry.allowed_domains)
    for address in addresses:
        domain = address.rsplit("@", 1)[1]
        assert domain.endswith(".example") or domain == "example.org" or domain.endswith(".example.org"), address
