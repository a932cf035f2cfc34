"""`planflow calendar` on a small plan file written for the test."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from tests.envvars import cli_runner

PLAN = {
    "plan": {
        "key": "calendar-test-2018",
        "number": "9/KH-TEST",
        "date": "2018-04-13",
        "year": 2018,
        "title": "Kế hoạch thử lịch nhắc năm 2018",
        "issuer": "Sở Thông tin và Truyền thông",
        "province": "Vĩnh Long",
    },
    "decision": {
        "issuer": "Ủy ban nhân dân tỉnh Vĩnh Long",
        "title": "Phê duyệt Kế hoạch",
        "articles": [{"number": 1, "text": "Phê duyệt Kế hoạch."}],
        "signer": {"authority": "KT. CHỦ TỊCH", "title": "PHÓ CHỦ TỊCH"},
    },
    "consolidator": {"agency": "STTTT", "name": "Sở Thông tin và Truyền thông"},
    "recipient": {"name": "Chủ tịch Ủy ban nhân dân tỉnh"},
    "steering_committee": {"name": "Ban Chỉ đạo công tác thông tin đối ngoại tỉnh"},
    "content_items": [{"number": 1, "title": "Tuyên truyền", "text": "Tuyên truyền đối ngoại."}],
    "funding": {"text": "Lập dự toán kinh phí.", "appraiser": "STC", "copy_to": "STTTT"},
    "agencies": [
        {"code": "STTTT", "name": "Sở Thông tin và Truyền thông", "kind": "consolidator"},
        {"code": "STC", "name": "Sở Tài chính", "kind": "department"},
        {"code": "SNV", "name": "Sở Nội vụ", "kind": "department"},
        {"code": "UBND-VL", "name": "Ủy ban nhân dân thành phố Vĩnh Long", "kind": "district"},
    ],
    "groups": [
        {"section": "IV.1", "title": "Sở Thông tin và Truyền thông", "agencies": ["STTTT"]},
        {"section": "IV.2", "title": "Các sở", "agencies": ["STC", "SNV", "UBND-VL"]},
    ],
    "tasks": [
        {"key": "IV.1.1", "section": "IV.1", "text": "Tổng hợp.", "agencies": ["STTTT"]},
        {"key": "IV.2.1", "section": "IV.2", "text": "Báo cáo kết quả.", "agencies": ["STC", "SNV", "UBND-VL"]},
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
            "exempt": ["SNV"],
        },
        # D on Wednesday 2/5/2018, right after 30/4–1/5; its own two-step ladder.
        {
            "key": "adhoc-may",
            "kind": "ad_hoc",
            "title": "Báo cáo đột xuất",
            "opens": "2018-04-20",
            "due": "2018-05-02",
            "lock": "2018-05-10",
            "roster": ["UBND-VL"],
            "ladder": {
                "steps": [
                    {"step": "last-day", "last_day": True},
                    {"step": "overdue-1", "working_days_after": 1, "escalate": True},
                ],
                "send_hour": 9,
            },
        },
    ],
    "ad_hoc": {"text": "Báo cáo đột xuất theo yêu cầu."},
    # Saturday 9/6/2018 made a working day: 3 working days before 15/6 are 14, 13, 12 — unchanged —
    # but 7 working days before become 14, 13, 12, 11, 9 (Sat), 8, 7.
    "calendar": {"extra_working_days": ["2018-06-09"]},
    "report": {
        "parent_body": "UBND TỈNH VĨNH LONG",
        "issuing_body": "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        "symbol": "BC-STTTT",
        "place": "Vĩnh Long",
        "signer": {"authority": "KT. GIÁM ĐỐC", "title": "PHÓ GIÁM ĐỐC"},
        "distribution": ["- UBND tỉnh (b/c);", "- Lưu: VT."],
    },
}


@pytest.fixture
def plan_file(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(PLAN, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def invoke(*args):
    return CliRunner().invoke(app, ["calendar", *map(str, args)])


def six_month(code):
    return [
        {"agency": code, "step": "before-7", "send_at": "2018-06-07T08:00:00+07:00"},
        {"agency": code, "step": "before-3", "send_at": "2018-06-12T08:00:00+07:00"},
        {"agency": code, "step": "last-day", "send_at": "2018-06-14T08:00:00+07:00"},
        {"agency": code, "step": "overdue-1", "send_at": "2018-06-18T08:00:00+07:00"},
        {"agency": code, "step": "overdue-3", "send_at": "2018-06-20T08:00:00+07:00"},
    ]


def test_json_lists_every_roster_agency_but_the_consolidator_and_the_exempt(plan_file):
    result = invoke(plan_file, "--round", "six-month-2018", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == six_month("STC") + six_month("UBND-VL")


def test_one_agency_and_a_round_ladder(plan_file):
    result = invoke(plan_file, "--round", "six-month-2018", "--agency", "UBND-VL", "--json")
    assert json.loads(result.output) == six_month("UBND-VL")
    result = invoke(plan_file, "--round", "adhoc-may", "--json")
    assert json.loads(result.output) == [
        {"agency": "UBND-VL", "step": "last-day", "send_at": "2018-04-27T09:00:00+07:00"},
        {"agency": "UBND-VL", "step": "overdue-1", "send_at": "2018-05-03T09:00:00+07:00"},
    ]


def test_table(plan_file):
    result = invoke(plan_file, "--round", "adhoc-may")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Báo cáo đột xuất"
    assert lines[2].split() == ["UBND-VL", "last-day", "Fri", "2018-04-27", "09:00", "last_day"]
    assert lines[3].split() == ["UBND-VL", "overdue-1", "Thu", "2018-05-03", "09:00", "after", "escalate"]


def test_plan_file_from_the_settings(plan_file, settings):
    cli = cli_runner(settings.model_copy(update={"plan_file": plan_file}))
    result = cli.invoke(app, ["calendar", "--round", "six-month-2018", "--agency", "STC", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == six_month("STC")


def test_errors(plan_file, tmp_path):
    result = invoke(plan_file, "--round", "nope", "--json")
    assert result.exit_code == 2
    assert "no round 'nope'; rounds: six-month-2018, adhoc-may" in result.output
    result = invoke(plan_file, "--round", "adhoc-may", "--agency", "STC")
    assert result.exit_code == 2
    assert "agency 'STC' is not on the roster of round 'adhoc-may'" in result.output
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump({**PLAN, "calender": {}}, allow_unicode=True), encoding="utf-8")
    result = invoke(broken, "--round", "adhoc-may")
    assert result.exit_code == 2
    assert "calender" in result.output
