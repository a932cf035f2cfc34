"""Pure pieces of the reader: quoted history removed, auto-replies recognised, hostile headers read safely."""

from __future__ import annotations

import pytest

from inbound.autoreply import classify
from inbound.bodytext import html_to_text, strip_quoted
from inbound.parsing import parse_message
from notifications.addressing import parse_subject_tag


@pytest.mark.parametrize(
    "text",
    [
        "Báo cáo đã gửi.\n\nOn Tue, May 15, 2018 at 8:00 AM Sở TT&TT <a@b> wrote:\n> Yêu cầu",
        "Báo cáo đã gửi.\n\nVào 08:00 Th 3, 15/05/2018, Sở TT&TT đã viết:\n> Yêu cầu",
        "Báo cáo đã gửi.\n\nOn Tue, May 15, 2018 at 8:00 AM Sở TT&TT <\nsotttt@vinhlong.example.gov.vn> wrote:\n\n> Yêu cầu",
        "Báo cáo đã gửi.\n\n-----Original Message-----\nFrom: Sở TT&TT\nSent: 15/5/2018\nYêu cầu",
        "Báo cáo đã gửi.\n\nTừ: Sở TT&TT <sotttt@vinhlong.example.gov.vn>\nĐã gửi: 15 tháng 5, 2018 8:00\nĐến: vanthu\nYêu cầu",
        "Báo cáo đã gửi.\n________________________________\nFrom: Sở TT&TT\nSent: Tuesday\nYêu cầu",
        "Báo cáo đã gửi.\n> Yêu cầu\n> báo cáo\n",
        "Báo cáo đã gửi.\n-- \nVăn thư",
    ],
)
def test_quoted_history_is_removed(text):
    assert strip_quoted(text) == "Báo cáo đã gửi."


def test_html_quotes_of_gmail_and_outlook_are_dropped():
    html = (
        "<div>Báo cáo <b>6 tháng</b>.</div><style>p{color:red}</style>"
        '<div class="gmail_quote">Vào ... đã viết:<blockquote>Yêu cầu</blockquote></div>'
        '<div id="appendonsend"></div><div>From: Sở TT&amp;TT</div>'
    )
    assert html_to_text(html).strip() == "Báo cáo 6 tháng."


@pytest.mark.parametrize(
    "subject",
    [
        "RE: [BC-SIX-MONTH-2018/SCT] x",
        "Re: Re: [BC-SIX-MONTH-2018/SCT]",
        "TL: [BC-SIX-MONTH-2018/SCT]",
        "Trả lời: [BC-SIX-MONTH-2018/SCT]",
        "FW: Fwd: [BC-SIX-MONTH-2018/SCT]",
        "Chuyển tiếp: TL: AW: [bc-six-month-2018/sct]",
        "=?utf-8?Q?Tr=E1=BA=A3_l=E1=BB=9Di=3A_=5BBC-SIX-MONTH-2018=2FSCT=5D?=",
    ],
)
def test_client_prefixes_never_hide_the_subject_tag(subject):
    raw = f"From: a@b.example\r\nSubject: {subject}\r\n\r\nx\r\n".encode()
    parsed = parse_message(raw, max_decoded_bytes=1000)
    assert parse_subject_tag(parsed.subject) == ("BC-SIX-MONTH-2018", "SCT")


@pytest.mark.parametrize(
    "headers, kind",
    [
        ("Auto-Submitted: auto-replied", "auto_reply"),
        ("Auto-Submitted: no", None),
        ("Precedence: bulk", "auto_reply"),
        ("Precedence: auto_reply", "auto_reply"),
        ("X-Autoreply: yes", "auto_reply"),
        ("X-Autorespond: yes", "auto_reply"),
        ("Subject: Automatic reply: [BC-X/Y]", "auto_reply"),
        ("Subject: Out of Office: Re: báo cáo", "auto_reply"),
        ("Subject: Thư trả lời tự động", "auto_reply"),
        ("Subject: Re: [BC-SIX-MONTH-2018/SCT] Báo cáo", None),
    ],
)
def test_auto_replies_are_recognised(headers, kind):
    raw = f"From: a@b.example\r\n{headers}\r\n\r\nx\r\n".encode()
    assert classify(parse_message(raw, max_decoded_bytes=1000)).kind == kind


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\x01\x02garbage",
        b"From: <<<@@@>>>\r\nTo: ,,,;;;\r\nMessage-ID: <<>>\r\nDate: not a date\r\n\r\n",
        b"Content-Type: multipart/mixed\r\n\r\nno boundary at all",
        b"From: =?utf-8?B?!!!notbase64?= <a@b.example>\r\nSubject: =?x-unknown?Q?abc?=\r\n\r\n",
        b"Content-Type: text/plain; charset=no-such-charset\r\n\r\n\xff\xfe\xfd",
        b"Subject: " + b"A" * 100_000 + b"\r\n\r\n",
    ],
)
def test_hostile_bytes_never_raise(raw):
    parsed = parse_message(raw, max_decoded_bytes=1000)
    assert isinstance(parsed.subject, str) and len(parsed.subject) <= 998
    classify(parsed)


def test_two_from_addresses_are_ambiguous():
    parsed = parse_message(b"From: vanthu@sct.vinhlong.example, attacker@evil.example\r\n\r\nx", max_decoded_bytes=10)
    assert parsed.from_count == 2
