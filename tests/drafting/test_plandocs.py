"""Plan documents the drafter was not built on (tests/data/plandocs/): every deadline and every
responsibility group right, every uncertainty a TODO that `plan validate` lists at its line."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from drafting.extract import draft
from drafting.reading import read_document
from drafting.writer import render
from models.plan import Plan
from models.planfile import validate_files
from tests.drafting.docbuild import PLANDOCS, build_docx, to_pdf


def _write(doc_path, out):
    """plan.yaml drafted from `doc_path` into `out`; returns (path, parsed data)."""
    result = draft(read_document(doc_path))
    path = out / "plan.yaml"
    path.write_text(render(result.plan, ["test"]), encoding="utf-8")
    return path, yaml.safe_load(path.read_text(encoding="utf-8"))


def _names(plan: dict, codes: list[str]) -> list[str]:
    by_code = {a["code"]: a["name"] for a in plan["agencies"]}
    return [by_code.get(c, c) for c in codes]


def _only_todos_listed(path) -> list[str]:
    """`validate` on the draft: every error is a TODO, and every TODO value of the file is an error."""
    issues = validate_files(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert all(i.message.startswith("TODO") for i in issues), [str(i) for i in issues if "TODO" not in i.message]
    todo_lines = {n for n, text in enumerate(lines, 1) if '"TODO' in text}
    assert {i.line for i in issues} == todo_lines
    return [i.message for i in issues]


@pytest.fixture(scope="module")
def quangtri(tmp_path_factory):
    return _write(PLANDOCS / "quangtri-2024-kh-ubnd.txt", tmp_path_factory.mktemp("qt"))


def test_kh_ubnd_groups_and_their_agencies(quangtri):
    _, plan = quangtri
    groups = [(g["title"], _names(plan, g["agencies"])) for g in plan["groups"]]
    assert [t for t, _ in groups] == [
        "Sở Tư pháp",
        "Sở Thông tin và Truyền thông",
        "Sở Giáo dục và Đào tạo",
        "Bộ Chỉ huy Bộ đội Biên phòng tỉnh, Công an tỉnh",
        "Trung tâm Trợ giúp pháp lý nhà nước tỉnh",
        "Đài Phát thanh và Truyền hình tỉnh, Báo Quảng Trị",
        "Các sở, ban, ngành, đoàn thể tỉnh; UBND các huyện, thị xã, thành phố",
    ]
    assert groups[3][1] == ["Bộ Chỉ huy Bộ đội Biên phòng tỉnh", "Công an tỉnh"]
    assert groups[4][1][0].startswith("TODO: agency name not in the gazetteer")
    assert "«Trung tâm Trợ giúp pháp lý nhà nước tỉnh»" in groups[4][1][0]
    assert groups[5][1] == ["Đài Phát thanh và Truyền hình Quảng Trị", "Báo Quảng Trị"]
    collective = set(groups[6][1])
    assert {"Ủy ban nhân dân thành phố Đông Hà", "Ủy ban nhân dân huyện Cồn Cỏ", "Sở Tư pháp", "Công an tỉnh",
            "Hội Nông dân tỉnh", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh"} <= collective  # fmt: skip
    assert len([n for n in collective if n.startswith("Ủy ban nhân dân")]) == 10
    assert "Báo Quảng Trị" not in collective  # press is not a "sở, ban, ngành"


def test_kh_ubnd_one_task_per_bullet_and_the_inline_task(quangtri):
    _, plan = quangtri
    per_group = [sum(t["section"] == g["section"] for t in plan["tasks"]) for g in plan["groups"]]
    assert per_group == [2, 2, 1, 2, 1, 1, 2]
    inline = next(t for t in plan["tasks"] if t["section"] == plan["groups"][2]["section"])
    assert inline["text"].startswith("Chủ trì, phối hợp với Tỉnh đoàn tổ chức phổ biến")


def test_kh_ubnd_quarterly_deadlines_annual_and_ad_hoc(quangtri):
    _, plan = quangtri
    quarters = [r["due"] for r in plan["rounds"] if r["key"].startswith("quarter-")]
    assert quarters == [dt.date(2024, 3, 15), dt.date(2024, 6, 15), dt.date(2024, 9, 15), dt.date(2024, 12, 15)]
    annual = next(r for r in plan["rounds"] if r["key"] == "annual-2024")
    assert (annual["kind"], annual["due"]) == ("annual", dt.date(2024, 11, 20))
    assert annual["cutoff_start"] == dt.date(2023, 12, 15) and annual["cutoff_end"] == dt.date(2024, 11, 19)
    assert plan["ad_hoc"]["enabled"] is True


def test_kh_ubnd_header_consolidator_and_press(quangtri):
    _, plan = quangtri
    p = plan["plan"]
    assert (p["number"], p["date"], p["issuer"], p["province"]) == (
        "57/KH-UBND",
        dt.date(2024, 3, 8),
        "Ủy ban nhân dân tỉnh Quảng Trị",
        "Quảng Trị",
    )
    assert p["title"] == "Triển khai công tác phổ biến, giáo dục pháp luật năm 2024"
    assert plan["consolidator"]["name"] == "Sở Tư pháp"
    assert plan["reporting"]["to"] == "Ủy ban nhân dân tỉnh (qua Sở Tư pháp)"
    assert plan["press_briefings"]["content_item"] == 4 and plan["press_briefings"]["months"] == [3, 6, 9, 12]
    by_code = {a["code"]: a["name"] for a in plan["agencies"]}
    assert by_code[plan["funding"]["appraiser"]] == "Sở Tài chính"


def test_kh_ubnd_validate_lists_exactly_the_todos(quangtri):
    path, _ = quangtri
    messages = _only_todos_listed(path)
    if Plan.model_fields["decision"].is_required():  # the format before issue #12
        assert any("no approving Decision" in m for m in messages)
    else:
        assert "decision:" not in path.read_text(encoding="utf-8")
    assert any("Trung tâm Trợ giúp pháp lý" in m for m in messages)


@pytest.fixture(scope="module")
def vinhlong_pdf(tmp_path_factory):
    out = tmp_path_factory.mktemp("vl")
    source = build_docx((PLANDOCS / "vinhlong-2025-kh-svhttdl.txt").read_text(encoding="utf-8"), out / "kh.docx")
    pdf = to_pdf(source, out)
    return _write(pdf, out)


@pytest.mark.libreoffice
def test_pdf_groups_from_a_section_labelled_iii(vinhlong_pdf):
    _, plan = vinhlong_pdf
    groups = [(g["title"], _names(plan, g["agencies"])) for g in plan["groups"]]
    assert [names for _, names in groups[:4]] == [
        ["Sở Văn hóa, Thể thao và Du lịch"],
        ["Sở Khoa học và Công nghệ"],
        ["Sở Nông nghiệp và Môi trường"],
        ["Báo và Phát thanh, Truyền hình Vĩnh Long"],
    ]
    assert groups[4][0] == "Ủy ban nhân dân các xã, phường"
    assert groups[4][1][0].startswith("TODO: communes and wards")
    per_group = [sum(t["section"] == g["section"] for t in plan["tasks"]) for g in plan["groups"]]
    assert per_group == [2, 1, 1, 2, 1]


@pytest.mark.libreoffice
def test_pdf_monthly_nine_month_and_an_annual_deadline_in_words(vinhlong_pdf):
    _, plan = vinhlong_pdf
    monthly = [r["due"] for r in plan["rounds"] if r["key"].startswith("month-")]
    assert monthly == [dt.date(2025, m, 20) for m in range(8, 13)]  # from the plan's month on
    nine = next(r for r in plan["rounds"] if r["key"] == "nine-month-2025")
    assert nine["due"] == dt.date(2025, 9, 10)
    annual = next(r for r in plan["rounds"] if r["key"] == "annual-2025")
    assert annual["due"].startswith("TODO: a deadline in words") and "cuối cùng của tháng 11" in annual["due"]
    # no 'Kinh phí' section: nothing invented (a TODO where the format requires funding, else nothing)
    if Plan.model_fields["funding"].is_required():
        assert plan["funding"].startswith("TODO")
    else:
        assert "funding" not in plan


@pytest.mark.libreoffice
def test_pdf_header_read_from_a_table(vinhlong_pdf):
    _, plan = vinhlong_pdf
    p = plan["plan"]
    assert (p["number"], p["date"], p["issuer"]) == (
        "112/KH-SVHTTDL",
        dt.date(2025, 8, 15),
        "Sở Văn hóa, Thể thao và Du lịch",
    )
    assert plan["consolidator"]["name"] == "Sở Văn hóa, Thể thao và Du lịch"


@pytest.mark.libreoffice
def test_pdf_validate_lists_exactly_the_todos(vinhlong_pdf):
    path, _ = vinhlong_pdf
    messages = _only_todos_listed(path)
    assert any("cuối cùng của tháng 11" in m for m in messages)
    assert any("communes" in m for m in messages)


@pytest.fixture(scope="module")
def travinh(tmp_path_factory):
    out = tmp_path_factory.mktemp("tv")
    source = build_docx((PLANDOCS / "travinh-2019-qd-kh.txt").read_text(encoding="utf-8"), out / "qd-kh.docx")
    return _write(source, out)


def test_decision_with_tables_and_attached_plan(travinh):
    _, plan = travinh
    d = plan["decision"]
    assert (d["number"], d["date"], d["issuer"]) == (
        "845/QĐ-UBND",
        dt.date(2019, 4, 22),
        "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH TRÀ VINH",
    )
    assert [a["number"] for a in d["articles"]] == [1, 2, 3]
    assert d["articles"][2]["text"].endswith("Quyết định này có hiệu lực kể từ ngày ký./.")
    assert (d["signer"]["title"], d["signer"]["name"]) == ("PHÓ CHỦ TỊCH", "Lê Văn Hẳn")
    assert d["considering"][0].startswith("Theo đề nghị của Giám đốc Sở Thông tin và Truyền thông")
    p = plan["plan"]
    # the plan has no number of its own: it is issued with the Decision, and goes by its number
    assert (p["number"], p["date"], p["issuer"]) == (
        "845/QĐ-UBND",
        dt.date(2019, 4, 22),
        "Ủy ban nhân dân tỉnh Trà Vinh",
    )


def test_sub_numbered_groups_under_a_collective_heading(travinh):
    _, plan = travinh
    assert [(g["title"], len(g["agencies"])) for g in plan["groups"]] == [
        ("Sở Thông tin và Truyền thông", 1),
        ("Sở Nội vụ", 1),
        ("Sở Tài chính", 1),
        ("Ủy ban nhân dân các huyện, thị xã, thành phố", 9),
    ]
    per_group = [sum(t["section"] == g["section"] for t in plan["tasks"]) for g in plan["groups"]]
    assert per_group == [2, 1, 1, 2]
    first = next(t for t in plan["tasks"] if t["section"] == plan["groups"][0]["section"])
    assert first["text"].splitlines()[1:] == [
        "+ Tổng hợp tình hình, báo cáo Ủy ban nhân dân tỉnh;",
        "+ Đề xuất khen thưởng tập thể, cá nhân có thành tích.",
    ]


def test_regime_given_as_an_item_of_the_responsibility_section(travinh):
    path, plan = travinh
    assert [(r["kind"], r["due"]) for r in plan["rounds"]] == [
        ("six_month", dt.date(2019, 6, 10)),
        ("annual", dt.date(2019, 12, 10)),
    ]
    assert plan["consolidator"]["name"] == "Sở Thông tin và Truyền thông"
    assert plan["ad_hoc"]["enabled"] is False
    assert validate_files(path) == []


def test_press_briefings_named_in_a_task_take_its_group_as_organiser(tmp_path):
    text = (PLANDOCS / "quangtri-2024-kh-ubnd.txt").read_text(encoding="utf-8")
    item = next(line for line in text.splitlines() if line.startswith("4. Tổ chức họp báo"))
    bullet = "- Phối hợp với Sở Tư pháp cập nhật văn bản mới trên Cổng thông tin điện tử tỉnh."
    variant = text.replace(item + "\n", "").replace(bullet, "- Tổ chức họp báo hằng quý về phổ biến pháp luật.")
    (tmp_path / "variant.txt").write_text(variant, encoding="utf-8")
    path, plan = _write(tmp_path / "variant.txt", tmp_path)
    press = plan["press_briefings"]
    assert press["organiser"] == next(
        a["code"] for a in plan["agencies"] if a["name"] == "Sở Thông tin và Truyền thông"
    )
    assert press["months"] == [3, 6, 9, 12]
    assert press["content_item"].startswith("TODO: which content item")  # not guessed
    assert any("which content item" in m for m in _only_todos_listed(path))


@pytest.fixture(scope="module")
def bentre(tmp_path_factory):
    return _write(PLANDOCS / "bentre-2024-kh-snv.txt", tmp_path_factory.mktemp("bt"))


def test_statements_on_the_heading_line(bentre):
    _, plan = bentre
    assert plan["plan"]["purposes"] == ["Nâng cao chỉ số cải cách hành chính của tỉnh."]
    assert plan["plan"]["requirements"] == ["Các nhiệm vụ phải cụ thể, có sản phẩm rõ ràng."]


def test_groups_with_a_collective_of_mass_organisations_and_named_districts(bentre):
    _, plan = bentre
    groups = [_names(plan, g["agencies"]) for g in plan["groups"]]
    assert groups[0] == ["Sở Nội vụ"] and groups[1] == ["Sở Tư pháp"]
    assert set(groups[2]) == {
        "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh",
        "Tỉnh Đoàn",
        "Hội Liên hiệp Phụ nữ tỉnh",
        "Hội Nông dân tỉnh",
        "Hội Cựu chiến binh tỉnh",
        "Liên đoàn Lao động tỉnh",
    }
    assert groups[3] == ["Ủy ban nhân dân huyện Ba Tri", "Ủy ban nhân dân huyện Bình Đại"]
    assert len(plan["groups"]) == 4  # '5. Chế độ báo cáo' is the regime, not a group


def test_mixed_regime_each_deadline_to_its_period(bentre):
    path, plan = bentre
    dues = {r["key"]: r["due"] for r in plan["rounds"]}
    assert dues == {
        "quarter-1-2024": dt.date(2024, 3, 10),
        "quarter-2-2024": dt.date(2024, 6, 10),
        "quarter-3-2024": dt.date(2024, 9, 10),
        "six-month-2024": dt.date(2024, 6, 20),
        "annual-2024": dt.date(2024, 12, 10),
    }
    assert plan["consolidator"]["name"] == "Sở Nội vụ"
    assert plan["steering_committee"].startswith("TODO")  # the regime names no body above Sở Nội vụ
    _only_todos_listed(path)


SHORT_PLAN = """KẾ HOẠCH
Phòng, chống thiên tai năm 2024 của tỉnh Bến Tre
I. MỤC ĐÍCH
Chủ động ứng phó thiên tai.
II. TỔ CHỨC THỰC HIỆN
1. Các sở, ngành tỉnh:
- Sở Nông nghiệp và Phát triển nông thôn: thường trực, tham mưu Ban Chỉ huy.
- Sở Y tế: bảo đảm y tế khi có thiên tai.
Sở Tài chính bố trí kinh phí dự phòng.
Các sở, ngành báo cáo kết quả về Sở Nông nghiệp và Phát triển nông thôn trước ngày 15/11/2024 để tổng hợp.
"""


def test_agency_bullets_and_paragraphs_are_groups_and_a_dated_report_keeps_its_date(tmp_path):
    (tmp_path / "short.txt").write_text(SHORT_PLAN, encoding="utf-8")
    path, plan = _write(tmp_path / "short.txt", tmp_path)
    assert [_names(plan, g["agencies"]) for g in plan["groups"]] == [
        ["Sở Nông nghiệp và Phát triển nông thôn"],
        ["Sở Y tế"],
        ["Sở Tài chính"],
    ]
    assert [t["text"] for t in plan["tasks"]] == [
        "Thường trực, tham mưu Ban Chỉ huy.",
        "Bảo đảm y tế khi có thiên tai.",
        "Bố trí kinh phí dự phòng.",
    ]
    (report,) = plan["rounds"]
    assert report["due"] == dt.date(2024, 11, 15)  # the date is the document's ...
    assert report["kind"].startswith("TODO: the regime gives a date but not the period")  # ... the kind is not
    assert plan["consolidator"]["name"] == "Sở Nông nghiệp và Phát triển nông thôn"
    _only_todos_listed(path)


NUMBERED_SECTIONS = """ỦY BAN NHÂN DÂN
TỈNH TRÀ VINH
Số: 77/KH-UBND
Trà Vinh, ngày 10 tháng 02 năm 2023
KẾ HOẠCH
Thực hiện công tác dân số năm 2023
1. MỤC ĐÍCH, YÊU CẦU
1.1. Mục đích: Duy trì mức sinh thay thế.
2. NỘI DUNG
2.1. Truyền thông về dân số.
2.2. Nâng cao chất lượng dân số.
3. KINH PHÍ
Các đơn vị lập dự toán gửi Sở Tài chính thẩm định.
4. TỔ CHỨC THỰC HIỆN
4.1. Sở Y tế: chủ trì, theo dõi, tổng hợp.
4.2. Sở Giáo dục và Đào tạo: lồng ghép giáo dục dân số.
4.3. UBND các huyện, thị xã, thành phố: triển khai tại địa phương.
5. CHẾ ĐỘ BÁO CÁO
Báo cáo 6 tháng trước ngày 15/6 và báo cáo năm trước ngày 15/12 gửi về Sở Y tế để tổng hợp, báo cáo UBND tỉnh.
"""


def test_sections_numbered_in_capitals_instead_of_roman(tmp_path):
    (tmp_path / "numbered.txt").write_text(NUMBERED_SECTIONS, encoding="utf-8")
    path, plan = _write(tmp_path / "numbered.txt", tmp_path)
    assert plan["plan"]["title"] == "Thực hiện công tác dân số năm 2023"
    assert plan["plan"]["purposes"] == ["Duy trì mức sinh thay thế."]
    assert [c["text"] for c in plan["content_items"]] == ["Truyền thông về dân số.", "Nâng cao chất lượng dân số."]
    assert [(g["title"], len(g["agencies"])) for g in plan["groups"]] == [
        ("Sở Y tế", 1),
        ("Sở Giáo dục và Đào tạo", 1),
        ("UBND các huyện, thị xã, thành phố", 9),  # Trà Vinh's nine district-level units before 2025
    ]
    assert [(r["kind"], r["due"]) for r in plan["rounds"]] == [
        ("six_month", dt.date(2023, 6, 15)),
        ("annual", dt.date(2023, 12, 15)),
    ]
    assert plan["consolidator"]["name"] == "Sở Y tế"
    _only_todos_listed(path)


def test_a_funding_deadline_makes_a_budget_estimate_round(tmp_path):
    text = (PLANDOCS / "quangtri-2024-kh-ubnd.txt").read_text(encoding="utf-8")
    variant = text.replace("gửi Sở Tài chính thẩm định,", "gửi Sở Tài chính thẩm định trước ngày 30/4/2024,")
    assert variant != text
    (tmp_path / "budget.txt").write_text(variant, encoding="utf-8")
    _, plan = _write(tmp_path / "budget.txt", tmp_path)
    budget = next(r for r in plan["rounds"] if r["kind"] == "budget_estimate")
    assert budget["due"] == dt.date(2024, 4, 30)
    assert budget["tasks"] == ["III.1"] and next(t for t in plan["tasks"] if t["key"] == "III.1")


def test_no_funding_deadline_no_budget_round(quangtri):
    _, plan = quangtri
    assert not [r for r in plan["rounds"] if r["kind"] == "budget_estimate"]


def test_report_of_a_kh_ubnd_is_issued_by_its_consolidator(quangtri):
    _, plan = quangtri
    r = plan["report"]
    assert (r["parent_body"], r["issuing_body"], r["symbol"]) == ("UBND TỈNH QUẢNG TRỊ", "SỞ TƯ PHÁP", "BC-STP")


CLOSING_PARAGRAPHS = """KẾ HOẠCH
Chuyển đổi số năm 2024 của tỉnh Trà Vinh
I. MỤC ĐÍCH
Đẩy mạnh chuyển đổi số.
II. TỔ CHỨC THỰC HIỆN
1. Sở Thông tin và Truyền thông
Hướng dẫn, theo dõi việc thực hiện Kế hoạch.
2. Sở Nội vụ
Bố trí công chức chuyên trách.
Các cơ quan, đơn vị báo cáo kết quả thực hiện về Sở Thông tin và Truyền thông trước ngày 10/12/2024 để tổng hợp.
Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các đơn vị báo cáo về Sở Thông tin và Truyền thông.
"""


def test_closing_paragraphs_after_the_last_group_are_not_its_tasks(tmp_path):
    (tmp_path / "closing.txt").write_text(CLOSING_PARAGRAPHS, encoding="utf-8")
    _, plan = _write(tmp_path / "closing.txt", tmp_path)
    assert [t["text"] for t in plan["tasks"]] == [
        "Hướng dẫn, theo dõi việc thực hiện Kế hoạch.",
        "Bố trí công chức chuyên trách.",
    ]
    (report,) = plan["rounds"]
    assert report["due"] == dt.date(2024, 12, 10)
    assert plan["reporting"]["difficulties_text"].startswith("Trong quá trình thực hiện")
    assert plan["consolidator"]["name"] == "Sở Thông tin và Truyền thông"
