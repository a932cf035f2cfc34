"""Vietnamese dates, the subject tag and its parser, stable Message-IDs, the template environment."""

from __future__ import annotations

import datetime as dt

import pytest
from jinja2 import UndefinedError

from models.settings import Settings
from notifications import addressing, vietnamese
from notifications.render import render

TZ = "Asia/Ho_Chi_Minh"


def test_vietnamese_dates():
    friday = dt.date(2018, 6, 15)
    assert vietnamese.long_date(friday) == "ngày 15 tháng 6 năm 2018"
    assert vietnamese.weekday_name(friday) == "thứ Sáu"
    assert vietnamese.weekday_name(dt.date(2018, 6, 17)) == "Chủ nhật"
    assert vietnamese.full_date(dt.date(2018, 6, 11)) == "thứ Hai, ngày 11 tháng 6 năm 2018"
    # 14 June 17:00 UTC is 15 June 00:00 in Vĩnh Long: the local date wins.
    assert vietnamese.long_date(dt.datetime(2018, 6, 14, 17, 0, tzinfo=dt.UTC), TZ) == "ngày 15 tháng 6 năm 2018"
    assert vietnamese.time_and_date(dt.datetime(2018, 6, 14, 7, 5, tzinfo=dt.UTC), TZ) == (
        "14 giờ 05, thứ Năm, ngày 14 tháng 6 năm 2018"
    )
    assert vietnamese.file_size(2_621_440) == "2,5 MB"


@pytest.mark.parametrize(
    "subject",
    [
        "[BC-SIX-MONTH-2018/SVHTTDL] Đề nghị báo cáo",
        "RE: TL: Fwd: [BC-SIX-MONTH-2018/SVHTTDL] Đề nghị báo cáo",
        "Trả lời: [bc-six-month-2018/svhttdl] báo cáo",
        "AW:[ BC-SIX-MONTH-2018 / SVHTTDL ]",
        "=?utf-8?b?"
        + __import__("base64").b64encode("Re: [BC-SIX-MONTH-2018/SVHTTDL] Báo cáo".encode()).decode()
        + "?=",
    ],
)
def test_subject_tag_survives_client_prefixes(subject):
    assert addressing.parse_subject_tag(subject) == ("BC-SIX-MONTH-2018", "SVHTTDL")
    assert addressing.round_key_from_tag("BC-SIX-MONTH-2018") == "six-month-2018"


def test_subject_tag_round_trip_and_absence():
    tag = addressing.subject_tag("annual-2018", "UBND_VL")
    assert tag == "[BC-ANNUAL-2018/UBND_VL]"
    assert addressing.parse_subject_tag(f"Re: {tag}") == ("BC-ANNUAL-2018", "UBND_VL")
    assert addressing.parse_subject_tag("Báo cáo 6 tháng [không có mã]") is None
    assert addressing.parse_subject_tag(None) is None


def test_message_id_is_stable_per_key():
    s = Settings()
    a = addressing.message_id("request:six-month-2018:SVHTTDL", settings=s)
    assert a == addressing.message_id("request:six-month-2018:SVHTTDL", settings=s)
    assert a != addressing.message_id("request:six-month-2018:SYT", settings=s)
    assert a.startswith("<") and a.endswith(f"@{s.smtp.reply_domain}>")


def test_missing_variable_fails_the_render():
    with pytest.raises(UndefinedError):
        render("press", tz=TZ, issuer="Sở Thông tin và Truyền thông", now=dt.datetime(2018, 1, 2, tzinfo=dt.UTC))


def test_html_is_escaped_and_text_is_not():
    ctx = dict(
        tz=TZ,
        issuer="Sở <b>TT&TT</b>",
        now=dt.datetime(2018, 1, 2, tzinfo=dt.UTC),
        plan={"reference": "Kế hoạch số 21/KH-STTTT", "number": "21/KH-STTTT"},
        agency={"name": "Sở A & B", "code": "A"},
        quarter=1,
        year=2018,
        content_item=5,
        text="<script>alert(1)</script>",
    )
    out = render("press", **ctx)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out.html and "<script>" not in out.html
    assert "Sở A &amp; B" in out.html
    assert "<script>alert(1)</script>" in out.text and "Sở A & B" in out.text
