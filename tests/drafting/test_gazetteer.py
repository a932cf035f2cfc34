"""Placing agency names: case, spacing, NFC/NFD, old and new tone placement, abbreviations; stable
codes; collective phrases expanded by era and province, or left as TODO."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from drafting.gazetteer import catalog_for, derive_code

VL2018 = catalog_for("Vĩnh Long", dt.date(2018, 4, 13))


@pytest.mark.parametrize(
    "written,name",
    [
        ("SỞ VĂN HOÁ, THỂ THAO VÀ DU LỊCH", "Sở Văn hóa, Thể thao và Du lịch"),
        ("Sở  Văn hóa ,  Thể thao & Du lịch", "Sở Văn hóa, Thể thao và Du lịch"),
        ("Sở VHTT&DL", "Sở Văn hóa, Thể thao và Du lịch"),
        (unicodedata.normalize("NFD", "Sở Văn hoá, Thể thao và Du lịch"), "Sở Văn hóa, Thể thao và Du lịch"),
        ("Sở TT & TT", "Sở Thông tin và Truyền thông"),
        ("Sở LĐ-TB&XH", "Sở Lao động - Thương binh và Xã hội"),
        ("Sở Lao động – Thương binh và Xã hội tỉnh Vĩnh Long", "Sở Lao động - Thương binh và Xã hội"),
        ("Uỷ ban MTTQ Việt Nam tỉnh", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh"),
        ("Đài PT-TH tỉnh", "Đài Phát thanh và Truyền hình Vĩnh Long"),
        ("Hội LHPN tỉnh", "Hội Liên hiệp Phụ nữ tỉnh"),
        ("Sở Công thương", "Sở Công Thương"),
        ("UBND huyện Long Hồ", "Ủy ban nhân dân huyện Long Hồ"),
    ],
)
def test_tolerant_placing(written, name):
    placed = VL2018.place(written)
    assert placed is not None and placed.name == name


def test_unknown_names_are_not_placed():
    assert VL2018.place("Trung tâm Xúc tiến Đầu tư tỉnh") is None
    assert VL2018.place("Sở Tài chính và Kế toán") is None


def test_codes_are_derived_from_names_and_stable_across_spellings():
    assert derive_code("Sở Y tế") == "SYT"
    assert derive_code("Sở Văn hoá, Thể thao và Du lịch") == derive_code("Sở Văn hóa, Thể thao và Du lịch") == "SVHTTDL"
    placed = VL2018.place("Sở Kế hoạch và Đầu tư")
    assert placed is not None and placed.code == "SKHDT"


def test_collective_departments_follow_the_era():
    after = catalog_for("Vĩnh Long", dt.date(2025, 8, 15))
    for catalog, present, absent in (
        (VL2018, "Sở Tài nguyên và Môi trường", "Sở Nông nghiệp và Môi trường"),
        (after, "Sở Nông nghiệp và Môi trường", "Sở Tài nguyên và Môi trường"),
    ):
        mentions, _ = catalog.mentions("Các sở, ban, ngành tỉnh")
        names = {e.name for e in catalog.expand(mentions[0].groups, [])[0]}
        assert present in names and absent not in names


def test_districts_of_an_unknown_province_are_a_todo():
    catalog = catalog_for("Lai Châu", dt.date(2020, 1, 1))
    mentions, _ = catalog.mentions("UBND các huyện, thành phố")
    entries, todos = catalog.expand(mentions[0].groups, [])
    assert entries == [] and "not in drafting/provinces.yaml" in todos[0]


def test_heading_with_an_inline_task():
    mentions, rest = VL2018.mentions("Sở Y tế chủ trì, phối hợp với Sở TT&TT tổ chức truyền thông")
    assert [e.name for m in mentions for e in m.entries] == ["Sở Y tế"]
    assert rest.startswith("chủ trì, phối hợp")


def test_running_text_does_not_read_common_words_as_agencies():
    assert VL2018.find_in("đảm bảo tính khả thi trong quá trình thực hiện") == []


def test_named_local_committees_are_placed_without_the_province_list():
    catalog = catalog_for("Tiền Giang", dt.date(2020, 1, 1))  # not in provinces.yaml
    mentions, rest = catalog.mentions("UBND huyện Tân Phước, Ủy ban nhân dân phường 5: phối hợp thực hiện")
    assert [(e.code, e.name) for m in mentions for e in m.entries] == [
        ("UBND-TANPHUOC", "Ủy ban nhân dân huyện Tân Phước"),
        ("UBND-P5", "Ủy ban nhân dân phường 5"),
    ]
    assert rest == "phối hợp thực hiện"


@pytest.mark.parametrize("on", [dt.date(2018, 4, 13), dt.date(2025, 8, 15)])
def test_every_gazetteer_name_and_alias_places_back_to_its_own_entry(on):
    catalog = catalog_for("Vĩnh Long", on)
    for entry in [*catalog.entries, *(catalog.districts or [])]:
        for written in {entry.name, entry.short_name or entry.name, *entry.aliases}:
            placed = catalog.place(written)
            assert placed is not None and placed.name == entry.name, (written, placed and placed.name)


def test_codes_are_unique_across_the_gazetteer():
    catalog = catalog_for("Vĩnh Long", dt.date(2018, 4, 13))
    codes = [e.code for e in [*catalog.entries, *(catalog.districts or [])]]
    assert len(codes) == len(set(codes))


def test_a_province_optional_agency_follows_the_era():
    for on, present, absent in (
        (dt.date(2018, 4, 13), "Ban Dân tộc tỉnh", "Sở Dân tộc và Tôn giáo"),
        (dt.date(2025, 8, 15), "Sở Dân tộc và Tôn giáo", "Ban Dân tộc tỉnh"),
    ):
        catalog = catalog_for("Vĩnh Long", on)
        mentions, _ = catalog.mentions("Các sở, ban, ngành tỉnh")
        names = {e.name for e in catalog.expand(mentions[0].groups, [])[0]}
        assert present in names and absent not in names
