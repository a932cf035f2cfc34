"""A small hand-built plan (three agencies, two rounds) for tests of the database rules."""

from __future__ import annotations

import copy

from models.plan import Contacts, Plan

PLAN = {
    "plan": {
        "key": "test-plan-2018",
        "number": "1/KH-TEST",
        "date": "2018-04-13",
        "year": 2018,
        "title": "Kế hoạch thử nghiệm năm 2018",
        "issuer": "Sở Thông tin và Truyền thông",
        "province": "Vĩnh Long",
    },
    "decision": {
        "issuer": "Ủy ban nhân dân tỉnh Vĩnh Long",
        "title": "Phê duyệt Kế hoạch thử nghiệm",
        "articles": [{"number": 1, "text": "Phê duyệt Kế hoạch."}],
        "signer": {"authority": "KT. CHỦ TỊCH", "title": "PHÓ CHỦ TỊCH", "name": "Nguyễn Văn A"},
    },
    "consolidator": {"agency": "STTTT", "name": "Sở Thông tin và Truyền thông"},
    "recipient": {"name": "Chủ tịch Ủy ban nhân dân tỉnh"},
    "steering_committee": {"name": "Ban Chỉ đạo công tác thông tin đối ngoại tỉnh"},
    "content_items": [
        {"number": 1, "title": "Tuyên truyền", "text": "Tuyên truyền đường lối đối ngoại."},
        {"number": 2, "title": "Họp báo", "text": "Họp báo hằng quý."},
    ],
    "funding": {"text": "Lập dự toán kinh phí.", "appraiser": "STC", "copy_to": "STTTT"},
    "agencies": [
        {"code": "STTTT", "name": "Sở Thông tin và Truyền thông", "kind": "consolidator"},
        {"code": "STC", "name": "Sở Tài chính", "kind": "department"},
        {"code": "SVHTTDL", "name": "Sở Văn hóa, Thể thao và Du lịch", "kind": "department"},
    ],
    "groups": [
        {"section": "IV.1", "title": "Sở Thông tin và Truyền thông", "agencies": ["STTTT"]},
        {"section": "IV.2", "title": "Sở Văn hóa, Thể thao và Du lịch", "agencies": ["SVHTTDL"]},
        {"section": "IV.8", "title": "Sở Tài chính", "agencies": ["STC"]},
    ],
    "tasks": [
        {"key": "IV.1.1", "section": "IV.1", "text": "Tổng hợp báo cáo.", "agencies": ["STTTT"]},
        {
            "key": "IV.2.1",
            "section": "IV.2",
            "text": "Quảng bá du lịch.",
            "agencies": ["SVHTTDL"],
            "content_items": [1],
        },
        {"key": "IV.2.2", "section": "IV.2", "text": "Tổ chức họp báo.", "agencies": ["SVHTTDL"], "content_items": [2]},
        {"key": "IV.8.1", "section": "IV.8", "text": "Thẩm định dự toán.", "agencies": ["STC"]},
    ],
    "reporting": {"text": "Báo cáo 6 tháng và năm.", "to": "Ban Chỉ đạo", "difficulties_text": "Gửi vướng mắc về Sở."},
    "rounds": [
        {
            "key": "six-month-2018",
            "kind": "six_month",
            "title": "Kết quả 6 tháng đầu năm 2018",
            "cutoff_start": "2017-12-15",
            "cutoff_end": "2018-06-14",
            "opens": "2018-05-15",
            "due": "2018-06-15",
            "lock": "2018-06-29",
        },
        {
            "key": "annual-2018",
            "kind": "annual",
            "title": "Kết quả năm 2018",
            "opens": "2018-10-15",
            "due": "2018-11-15",
            "lock": "2018-11-29",
        },
    ],
    "ad_hoc": {"text": "Báo cáo đột xuất theo yêu cầu."},
    "report": {
        "parent_body": "UBND TỈNH VĨNH LONG",
        "issuing_body": "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        "symbol": "BC-STTTT",
        "place": "Vĩnh Long",
        "signer": {"authority": "KT. GIÁM ĐỐC", "title": "PHÓ GIÁM ĐỐC"},
        "distribution": ["- UBND tỉnh (b/c);", "- Lưu: VT, TTBCXB."],
    },
}

CONTACTS = {
    "officer": {"name": "Cán bộ tổng hợp", "email": "tonghop@stttt.vinhlong.example"},
    "director": {"name": "Giám đốc", "email": "giamdoc@stttt.vinhlong.example"},
    "chairman": {"name": "Chủ tịch", "email": "chutich@ubnd.vinhlong.example"},
    "steering_committee": {"email": "bcd@ubnd.vinhlong.example"},
    "agencies": {
        "STC": {
            "focal_points": [{"name": "Trần B", "email": "vanthu@stc.vinhlong.example"}],
            "head": {"email": "giamdoc@stc.vinhlong.example"},
        },
        "SVHTTDL": {
            "focal_points": [{"email": "vanthu@svhttdl.vinhlong.example"}],
            "allowed_domains": ["svhttdl.vinhlong.example"],
        },
    },
}


def plan_dict() -> dict:
    """A fresh copy of the plan document, to edit in a test."""
    return copy.deepcopy(PLAN)


def make_plan(doc: dict | None = None) -> Plan:
    """The plan model of `doc` (default: the unedited plan)."""
    return Plan.model_validate(doc or PLAN)


def make_contacts(doc: dict | None = None) -> Contacts:
    """The contacts model of `doc` (default: the unedited contacts)."""
    return Contacts.model_validate(doc or CONTACTS)
