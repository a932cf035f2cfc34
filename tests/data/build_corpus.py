"""Write the .eml corpus of tests/data/eml/: replies shaped like those of real mail clients, and hostile input.

Run `python tests/data/build_corpus.py` after changing it; the files are committed. Placeholders the
test fixture fills in: `{{TOKEN:CODE:ROUND}}` (the agency's reply address, signed with the test
secret) and `{{MSGID:CODE:ROUND}}` (the Message-ID of the round's request to that agency).
"""

from __future__ import annotations

import base64
import io
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent / "eml"
R6 = "six-month-2018"
TAG = "BC-SIX-MONTH-2018"
DOMAIN = "vinhlong.example"


def crlf(text: str) -> bytes:
    """Join lines with CRLF as on the wire (the text is written with \\n)."""
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def cp1258(text: str) -> bytes:
    """Vietnamese in windows-1258 as Windows writes it: base letter (with circumflex, breve, horn) plus a combining tone mark."""
    import unicodedata

    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = b""
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
            out += base.encode("cp1258") + "".join(c for c in parts if c in tones).encode("cp1258")
    return out


def b64(data: bytes) -> str:
    """Base64 in 76-character lines."""
    enc = base64.b64encode(data).decode()
    return "\n".join(enc[i : i + 76] for i in range(0, len(enc), 76))


def pdf(text: str = "Bao cao", pad: int = 0) -> bytes:
    """A small but real-looking PDF (header, one object, trailer), padded to a size if asked."""
    body = f"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% {text}\n".encode() + b"0" * pad
    return body + b"\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def docx_plain(text: str) -> bytes:
    """A Word document that is not a planflow form."""
    from docx import Document

    doc = Document()
    doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def docx_form(round_key: str, code: str) -> bytes:
    """A planflow report form for `code`, filled in as an agency would."""
    from docx import Document

    from notifications.reportform import FormTask, build_form

    data = build_form(
        round_key=round_key,
        round_title="Kết quả thực hiện công tác thông tin đối ngoại 6 tháng đầu năm 2018",
        agency_code=code,
        agency_name="Sở Giáo dục và Đào tạo",
        due_text="trước ngày 15 tháng 6 năm 2018",
        tasks=[FormTask("IV.12.1", "IV.12", "Đẩy mạnh công tác thông tin tuyên truyền trên trang tin điện tử.")],
        issuer="Sở Thông tin và Truyền thông",
    )
    doc = Document(io.BytesIO(data))
    doc.tables[0].rows[0].cells[1].text = "Nguyễn Thị Hương"
    doc.tables[0].rows[1].cells[1].text = "0270 3822 111"
    task = doc.tables[1]
    task.rows[1].cells[1].text = "Đã đăng 45 tin, bài về thông tin đối ngoại trên cổng thông tin của Sở."
    task.rows[2].cells[1].text = "Thiếu biên tập viên tiếng Anh."
    task.rows[3].cells[1].text = "Đề nghị tập huấn kỹ năng viết tin đối ngoại."
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A 'docx' whose document.xml inflates to 300 MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with zf.open("word/document.xml", "w", force_zip64=True) as member:
            block = b"0" * (1024 * 1024)
            for _ in range(300):
                member.write(block)
    return out.getvalue()


EXE = b"MZ" + bytes(58) + b"\x80\x00\x00\x00" + b"This program cannot be run in DOS mode.\r\r\n$" + bytes(200)

HEAD = """\
Return-Path: <{sender}>
Delivered-To: {delivered}
Received: from mail.{dom} (mail.{dom} [203.0.113.7])
\tby mx.stttt.vinhlong.example (Postfix) with ESMTPS id 4F1B2C3D4E
\tfor <{delivered}>; {received}
"""
REC_ON_TIME = "Sun, 10 Jun 2018 10:00:00 +0700"


def write(name: str, text: str) -> None:
    """Write one corpus file."""
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / name).write_bytes(crlf(text))


def build() -> None:
    """Write every corpus file."""
    write(
        "outlook_thread_index.eml",
        HEAD.format(
            sender="vanthu@svhttdl.vinhlong.example",
            delivered="{{TOKEN:SVHTTDL:six-month-2018}}",
            dom="svhttdl.vinhlong.example",
            received=REC_ON_TIME,
        )
        + """\
From: =?utf-8?B?VsSDbiB0aMawIFPhu58gVkhUVCZETA==?= <vanthu@svhttdl.vinhlong.example>
To: "=?utf-8?B?U+G7nyBUVCZUVA==?=" <{{TOKEN:SVHTTDL:six-month-2018}}>
Subject: =?utf-8?B?VEw6IFtCQy1TSVgtTU9OVEgtMjAxOC9TVkhUVERMXSBZw6p1IGPhuqd1IGLDoW8gY8OhbyA2IHRow6FuZw==?=
Thread-Topic: =?utf-8?B?W0JDLVNJWC1NT05USC0yMDE4L1NWSFRURExdIFnDqnUgY+G6p3UgYsOhbyBjw6FvIDYgdGjDoW5n?=
Thread-Index: AQHUAJ3kz8vB7m0nR0ymTQ9b2wBzNQ==
Date: Sun, 10 Jun 2018 02:59:51 +0000
Message-ID: <HK0PR01MB2483A1B2C3D4E5F6@HK0PR01MB2483.apcprd01.prod.exchangelabs.com>
Accept-Language: vi-VN, en-US
Content-Language: vi-VN
X-MS-Has-Attach:
X-MS-TNEF-Correlator:
MIME-Version: 1.0
Content-Type: multipart/alternative;
\tboundary="_000_HK0PR01MB2483A1B2C3D4E5F6HK0PR01MB2483apcp_"

--_000_HK0PR01MB2483A1B2C3D4E5F6HK0PR01MB2483apcp_
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

K=C3=ADnh g=E1=BB=ADi S=E1=BB=9F TT&TT,

S=E1=BB=9F VHTT&DL b=C3=A1o c=C3=A1o: =C4=91=C3=A3 t=E1=BB=95 ch=E1=BB=A9c 12 s=E1=BB=B1 ki=E1=BB=87n qu=E1=BA=A3ng b=C3=A1 du l=E1=BB=8Bch.

________________________________
From: S=E1=BB=9F TT&TT <sotttt@vinhlong.example.gov.vn>
Sent: Tuesday, May 15, 2018 8:00 AM
Subject: [BC-SIX-MONTH-2018/SVHTTDL] Y=C3=AAu c=E1=BA=A7u b=C3=A1o c=C3=A1o

N=E1=BB=99i dung th=C6=B0 g=E1=BB=91c.

--_000_HK0PR01MB2483A1B2C3D4E5F6HK0PR01MB2483apcp_
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

<html><body><div>K=C3=ADnh g=E1=BB=ADi S=E1=BB=9F TT&amp;TT,</div>
<div id=3D"appendonsend"></div><hr><div id=3D"divRplyFwdMsg">From: ...</div>
</body></html>

--_000_HK0PR01MB2483A1B2C3D4E5F6HK0PR01MB2483apcp_--
""",
    )

    write(
        "gmail_rfc2231_name.eml",
        HEAD.format(
            sender="vanthu@skhdt.vinhlong.example",
            delivered="{{TOKEN:SKHDT:six-month-2018}}",
            dom="skhdt.vinhlong.example",
            received=REC_ON_TIME,
        )
        + f"""\
MIME-Version: 1.0
References: <{{{{MSGID:SKHDT:six-month-2018}}}}>
In-Reply-To: <{{{{MSGID:SKHDT:six-month-2018}}}}>
From: =?UTF-8?B?U+G7nyBLSCZQVA==?= <vanthu@skhdt.vinhlong.example>
Date: Sun, 10 Jun 2018 09:58:12 +0700
Message-ID: <CAB0x1y2z3w4v5u6t7s8r9q0p1o2n3m4l5k6j7i8h9g@mail.gmail.com>
Subject: =?UTF-8?Q?Re=3A_=5BBC=2DSIX=2DMONTH=2D2018=2FSKHDT=5D_Y=C3=AAu_c=E1=BA=A7u_b=C3=A1o_c=C3=A1o?=
To: =?UTF-8?B?U+G7nyBUVCZUVA==?= <{{{{TOKEN:SKHDT:six-month-2018}}}}>
Content-Type: multipart/mixed; boundary="000000000000a1b2c3056e4f5a6b"

--000000000000a1b2c3056e4f5a6b
Content-Type: multipart/alternative; boundary="000000000000a1b2c1056e4f5a69"

--000000000000a1b2c1056e4f5a69
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

S=E1=BB=9F KH&=C4=90T g=E1=BB=ADi b=C3=A1o c=C3=A1o 6 th=C3=A1ng (t=E1=BB=87p =C4=91=C3=ADnh k=C3=A8m).

V=C3=A0o Th 3, 15 thg 5, 2018 v=C3=A0o l=C3=BAc 08:00 S=E1=BB=9F TT&TT <
sotttt@vinhlong.example.gov.vn> =C4=91=C3=A3 vi=E1=BA=BFt:

> Y=C3=AAu c=E1=BA=A7u b=C3=A1o c=C3=A1o.
>

--000000000000a1b2c1056e4f5a69
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

<div dir=3D"ltr">S=E1=BB=9F KH&amp;=C4=90T g=E1=BB=ADi b=C3=A1o c=C3=A1o 6 th=C3=A1ng.</div><br><div class=3D"gmail_quote"><div dir=3D"ltr" class=3D"gmail_attr">V=C3=A0o ... =C4=91=C3=A3 vi=E1=BA=BFt:<br></div><blockquote class=3D"gmail_quote">Y=C3=AAu c=E1=BA=A7u</blockquote></div>

--000000000000a1b2c1056e4f5a69--
--000000000000a1b2c3056e4f5a6b
Content-Type: application/pdf; name*=UTF-8''B%C3%A1o%20c%C3%A1o%206%20th%C3%A1ng%20%C4%91%E1%BA%A7u%20n%C4%83m%202018.pdf
Content-Disposition: attachment; filename*=UTF-8''B%C3%A1o%20c%C3%A1o%206%20th%C3%A1ng%20%C4%91%E1%BA%A7u%20n%C4%83m%202018.pdf
Content-Transfer-Encoding: base64
X-Attachment-Id: f_jx1a2b3c0
Content-ID: <f_jx1a2b3c0>

{b64(pdf("SKHDT"))}
--000000000000a1b2c3056e4f5a6b--
""",
    )

    write(
        "thunderbird_docx.eml",
        HEAD.format(
            sender="vanthu@sct.vinhlong.example",
            delivered="{{TOKEN:SCT:six-month-2018}}",
            dom="sct.vinhlong.example",
            received=REC_ON_TIME,
        )
        + f"""\
Subject: Re: [BC-SIX-MONTH-2018/SCT] =?UTF-8?Q?Y=c3=aau_c=e1=ba=a7u_b=c3=a1o_c=c3=a1o?=
To: {{{{TOKEN:SCT:six-month-2018}}}}
References: <{{{{MSGID:SCT:six-month-2018}}}}>
From: =?UTF-8?Q?S=e1=bb=9f_C=c3=b4ng_Th=c6=b0=c6=a1ng?= <vanthu@sct.vinhlong.example>
Message-ID: <7d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6@sct.vinhlong.example>
Date: Sun, 10 Jun 2018 09:40:00 +0700
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:52.0) Gecko/20100101 Thunderbird/52.8.0
MIME-Version: 1.0
In-Reply-To: <{{{{MSGID:SCT:six-month-2018}}}}>
Content-Type: multipart/mixed;
 boundary="------------0A1B2C3D4E5F60718293A4B5"
Content-Language: vi

This is a multi-part message in MIME format.
--------------0A1B2C3D4E5F60718293A4B5
Content-Type: text/plain; charset=utf-8; format=flowed
Content-Transfer-Encoding: 8bit

Sở Công Thương gửi báo cáo kết quả 6 tháng, xin xem tệp đính kèm.

On 15/05/2018 08:00, Sở TT&TT wrote:
> Yêu cầu báo cáo 6 tháng.

--------------0A1B2C3D4E5F60718293A4B5
Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document;
 name="BC 6 thang SCT.docx"
Content-Transfer-Encoding: base64
Content-Disposition: attachment;
 filename="BC 6 thang SCT.docx"

{b64(docx_plain("Báo cáo 6 tháng của Sở Công Thương."))}
--------------0A1B2C3D4E5F60718293A4B5--
""",
    )

    write(
        "webmail_no_threading.eml",
        HEAD.format(
            sender="vanthu@snnptnt.vinhlong.example",
            delivered="baocao@vinhlong.example.gov.vn",
            dom="snnptnt.vinhlong.example",
            received=REC_ON_TIME,
        )
        + """\
From: vanthu@snnptnt.vinhlong.example
To: baocao@vinhlong.example.gov.vn
Subject: =?utf-8?Q?Tr=E1=BA=A3_l=E1=BB=9Di=3A_RE=3A_=5BBC-SIX-MONTH-2018=2FSNNPTNT=5D_B=C3=A1o_c=C3=A1o?=
Date: Sun, 10 Jun 2018 09:00:00 +0700
Message-ID: <20180610020000.12345.webmail@mail.snnptnt.vinhlong.example>
X-Mailer: Zimbra 8.6.0_GA_1194 (ZimbraWebClient - GC67 (Win)/8.6.0_GA_1194)
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Sở NN&PTNT báo cáo: đã phối hợp tổ chức 2 đoàn khảo sát thị trường nông sản.
""",
    )

    write(
        "thread_only.eml",
        HEAD.format(
            sender="vanthu@stc.vinhlong.example",
            delivered="baocao@vinhlong.example.gov.vn",
            dom="stc.vinhlong.example",
            received=REC_ON_TIME,
        )
        + """\
From: vanthu@stc.vinhlong.example
To: baocao@vinhlong.example.gov.vn
Subject: =?utf-8?Q?B=C3=A1o_c=C3=A1o_6_th=C3=A1ng?=
In-Reply-To: <{{MSGID:STC:six-month-2018}}>
Date: Sun, 10 Jun 2018 09:00:00 +0700
Message-ID: <thread-only-stc-1@stc.vinhlong.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Sở Tài chính báo cáo kết quả thẩm định dự toán.
""",
    )

    write(
        "forwarded_reply.eml",
        HEAD.format(
            sender="vanthu@snv.vinhlong.example",
            delivered="baocao@vinhlong.example.gov.vn",
            dom="snv.vinhlong.example",
            received=REC_ON_TIME,
        )
        + """\
From: =?utf-8?Q?V=C4=83n_th=C6=B0_S=E1=BB=9F_N=E1=BB=99i_v=E1=BB=A5?= <vanthu@snv.vinhlong.example>
To: baocao@vinhlong.example.gov.vn
Subject: =?utf-8?Q?Chuy=E1=BB=83n_ti=E1=BA=BFp=3A_Fwd=3A_TL=3A_=5BBC-SIX-MONTH-2018=2FSNV=5D_B=C3=A1o_c=C3=A1o_6_th=C3=A1ng?=
Date: Sun, 10 Jun 2018 09:30:00 +0700
Message-ID: <fwd-snv-20180610@snv.vinhlong.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Chuyển tiếp báo cáo của phòng chuyên môn.

---------- Forwarded message ---------
From: Phòng Tổ chức <phongtc@snv.vinhlong.example>
Date: Sat, 9 Jun 2018 16:00
Subject: TL: [BC-SIX-MONTH-2018/SNV] Báo cáo 6 tháng

Sở Nội vụ: đã hoàn thành 3 nhiệm vụ thông tin đối ngoại.
""",
    )

    write(
        "colleague_same_domain.eml",
        HEAD.format(
            sender="chuyenvien.ha@stp.vinhlong.example",
            delivered="{{TOKEN:STP:six-month-2018}}",
            dom="stp.vinhlong.example",
            received=REC_ON_TIME,
        )
        + """\
From: =?utf-8?Q?Tr=E1=BA=A7n_Thu_H=C3=A0?= <chuyenvien.ha@stp.vinhlong.example>
To: {{TOKEN:STP:six-month-2018}}
Subject: RE: [BC-SIX-MONTH-2018/STP] =?utf-8?Q?Y=C3=AAu_c=E1=BA=A7u?=
Date: Sun, 10 Jun 2018 09:10:00 +0700
Message-ID: <colleague-stp-1@stp.vinhlong.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Thay mặt văn thư, Sở Tư pháp gửi báo cáo 6 tháng.
""",
    )

    write(
        "stranger.eml",
        HEAD.format(
            sender="nguoila@mail.example.com",
            delivered="{{TOKEN:SGTVT:six-month-2018}}",
            dom="mail.example.com",
            received=REC_ON_TIME,
        )
        + """\
From: Nguoi La <nguoila@mail.example.com>
To: {{TOKEN:SGTVT:six-month-2018}}
Subject: Re: [BC-SIX-MONTH-2018/SGTVT] =?utf-8?Q?Y=C3=AAu_c=E1=BA=A7u?=
Date: Sun, 10 Jun 2018 09:10:00 +0700
Message-ID: <stranger-1@mail.example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Tôi gửi báo cáo thay Sở Giao thông vận tải.
""",
    )

    write(
        "out_of_office.eml",
        HEAD.format(
            sender="vanthu@sxd.vinhlong.example",
            delivered="{{TOKEN:SXD:six-month-2018}}",
            dom="sxd.vinhlong.example",
            received=REC_ON_TIME,
        )
        + """\
From: vanthu@sxd.vinhlong.example
To: {{TOKEN:SXD:six-month-2018}}
Subject: =?utf-8?Q?Tr=E1=BA=A3_l=E1=BB=9Di_t=E1=BB=B1_=C4=91=E1=BB=99ng=3A_=5BBC-SIX-MONTH-2018=2FSXD=5D?=
Auto-Submitted: auto-replied
X-Auto-Response-Suppress: All
Date: Sun, 10 Jun 2018 08:00:00 +0700
Message-ID: <ooo-sxd-1@sxd.vinhlong.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Tôi đang nghỉ phép đến ngày 20/6/2018.
""",
    )

    write(
        "out_of_office_subject_only.eml",
        HEAD.format(
            sender="vanthu@stnmt.vinhlong.example",
            delivered="{{TOKEN:STNMT:six-month-2018}}",
            dom="stnmt.vinhlong.example",
            received=REC_ON_TIME,
        )
        + """\
From: vanthu@stnmt.vinhlong.example
To: {{TOKEN:STNMT:six-month-2018}}
Subject: =?utf-8?Q?V=E1=BA=AFng_m=E1=BA=B7t=3A_Re=3A_=5BBC-SIX-MONTH-2018=2FSTNMT=5D?=
Date: Sun, 10 Jun 2018 08:00:00 +0700
Message-ID: <ooo-stnmt-1@stnmt.vinhlong.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Tôi vắng mặt tại cơ quan.
""",
    )

    # A real delivery report: its returned headers carry the Message-ID of the request planflow sent.
    write(
        "bounce.eml",
        """\
Return-Path: <>
Delivered-To: baocao@vinhlong.example.gov.vn
Received: by mx.stttt.vinhlong.example (Postfix) id 3F2E1D; Sun, 10 Jun 2018 08:00:05 +0700 (+07)
Date: Sun, 10 Jun 2018 08:00:05 +0700 (+07)
From: MAILER-DAEMON@mx.stttt.vinhlong.example (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: baocao@vinhlong.example.gov.vn
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="3F2E1D.1528592405/mx.stttt.vinhlong.example"
Message-Id: <20180610010005.3F2E1D@mx.stttt.vinhlong.example>

This is a MIME-encapsulated message.

--3F2E1D.1528592405/mx.stttt.vinhlong.example
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<vanthu@stc.vinhlong.example>: host mail.stc.vinhlong.example said:
    550 5.1.1 User unknown

--3F2E1D.1528592405/mx.stttt.vinhlong.example
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.stttt.vinhlong.example
Arrival-Date: Sun, 10 Jun 2018 08:00:01 +0700 (+07)

Final-Recipient: rfc822; vanthu@stc.vinhlong.example
Original-Recipient: rfc822;vanthu@stc.vinhlong.example
Action: failed
Status: 5.1.1
Remote-MTA: dns; mail.stc.vinhlong.example
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--3F2E1D.1528592405/mx.stttt.vinhlong.example
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: sotttt@vinhlong.example.gov.vn
To: vanthu@stc.vinhlong.example
Subject: [BC-SIX-MONTH-2018/STC] Yeu cau bao cao
Message-ID: <{{MSGID:STC:six-month-2018}}>

--3F2E1D.1528592405/mx.stttt.vinhlong.example--
""",
    )

    raw_name = "Báo cáo tổng hợp SKHCN.pdf"
    # A delivery report anyone could write: it names no message planflow sent, so it flags nobody.
    write(
        "forged_bounce.eml",
        """\
Return-Path: <>
Delivered-To: baocao@vinhlong.example.gov.vn
Received: by mx.stttt.vinhlong.example (Postfix) id 3F2E1D; Sun, 10 Jun 2018 08:00:05 +0700 (+07)
Date: Sun, 10 Jun 2018 08:00:05 +0700 (+07)
From: MAILER-DAEMON@mx.stttt.vinhlong.example (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: baocao@vinhlong.example.gov.vn
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="3F2E1D.1528592405/mx.stttt.vinhlong.example"
Message-Id: <20180610010007.9A1B2C@mx.stttt.vinhlong.example>

This is a MIME-encapsulated message.

--3F2E1D.1528592405/mx.stttt.vinhlong.example
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<vanthu@sldtbxh.vinhlong.example>: host mail.sldtbxh.vinhlong.example said:
    550 5.1.1 User unknown

--3F2E1D.1528592405/mx.stttt.vinhlong.example
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.stttt.vinhlong.example
Arrival-Date: Sun, 10 Jun 2018 08:00:01 +0700 (+07)

Final-Recipient: rfc822; vanthu@sldtbxh.vinhlong.example
Original-Recipient: rfc822;vanthu@sldtbxh.vinhlong.example
Action: failed
Status: 5.1.1
Remote-MTA: dns; mail.sldtbxh.vinhlong.example
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--3F2E1D.1528592405/mx.stttt.vinhlong.example
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: sotttt@vinhlong.example.gov.vn
To: vanthu@sldtbxh.vinhlong.example
Subject: [BC-SIX-MONTH-2018/SLDTBXH] Yeu cau bao cao

--3F2E1D.1528592405/mx.stttt.vinhlong.example--
""",
    )

    raw_name = "Báo cáo tổng hợp SKHCN.pdf"
    write(
        "raw_utf8_filename.eml",
        HEAD.format(
            sender="vanthu@skhcn.vinhlong.example",
            delivered="{{TOKEN:SKHCN:six-month-2018}}",
            dom="skhcn.vinhlong.example",
            received=REC_ON_TIME,
        )
        + f"""\
From: vanthu@skhcn.vinhlong.example
To: {{{{TOKEN:SKHCN:six-month-2018}}}}
Subject: Re: [BC-SIX-MONTH-2018/SKHCN] Bao cao
Date: Sun, 10 Jun 2018 09:00:00 +0700
Message-ID: <raw-utf8-skhcn@skhcn.vinhlong.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Gửi kèm báo cáo.
--b1
Content-Type: application/pdf; name="{raw_name}"
Content-Disposition: attachment; filename="{raw_name}"
Content-Transfer-Encoding: base64

{b64(pdf("SKHCN"))}
--b1--
""",
    )

    write(
        "returned_form.eml",
        HEAD.format(
            sender="vanthu@sgddt.vinhlong.example",
            delivered="baocao@vinhlong.example.gov.vn",
            dom="sgddt.vinhlong.example",
            received=REC_ON_TIME,
        )
        + f"""\
From: vanthu@sgddt.vinhlong.example
To: baocao@vinhlong.example.gov.vn
Subject: =?utf-8?Q?G=E1=BB=ADi_bi=E1=BB=83u_m=E1=BA=ABu_b=C3=A1o_c=C3=A1o?=
Date: Sun, 10 Jun 2018 09:00:00 +0700
Message-ID: <form-sgddt@sgddt.vinhlong.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="f1"

--f1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Sở GD&ĐT gửi biểu mẫu đã điền.
--f1
Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document
Content-Disposition: attachment; filename*=UTF-8''Bi%E1%BB%83u%20m%E1%BA%ABu%20SGDDT.docx
Content-Transfer-Encoding: base64

{b64(docx_form(R6, "SGDDT"))}
--f1--
""",
    )

    write(
        "refused_exe_as_pdf.eml",
        HEAD.format(
            sender="vanthu@syt.vinhlong.example",
            delivered="{{TOKEN:SYT:six-month-2018}}",
            dom="syt.vinhlong.example",
            received=REC_ON_TIME,
        )
        + f"""\
From: vanthu@syt.vinhlong.example
To: {{{{TOKEN:SYT:six-month-2018}}}}
Subject: Re: [BC-SIX-MONTH-2018/SYT] Bao cao
Date: Sun, 10 Jun 2018 09:00:00 +0700
Message-ID: <exe-syt@syt.vinhlong.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="x1"

--x1
Content-Type: text/plain; charset=utf-8

Bao cao dinh kem.
--x1
Content-Type: application/pdf; name="Bao cao.pdf"
Content-Disposition: attachment; filename="Bao cao.pdf"
Content-Transfer-Encoding: base64

{b64(EXE)}
--x1--
""",
    )

    write(
        "huge_file.eml",
        HEAD.format(
            sender="vanthu@ttt.vinhlong.example",
            delivered="{{TOKEN:TTT:six-month-2018}}",
            dom="ttt.vinhlong.example",
            received=REC_ON_TIME,
        )
        + f"""\
From: vanthu@ttt.vinhlong.example
To: {{{{TOKEN:TTT:six-month-2018}}}}
Subject: Re: [BC-SIX-MONTH-2018/TTT] Bao cao
Date: Sun, 10 Jun 2018 09:00:00 +0700
Message-ID: <huge-ttt@ttt.vinhlong.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="h1"

--h1
Content-Type: text/plain; charset=utf-8

Bao cao rat lon.
--h1
Content-Type: application/pdf; name="Bao cao day du.pdf"
Content-Disposition: attachment; filename="Bao cao day du.pdf"
Content-Transfer-Encoding: base64

{b64(pdf("TTT", pad=1_100_000))}
--h1--
""",
    )

    write(
        "late_by_internaldate.eml",
        """\
From: vanthu@vpubnd.vinhlong.example
To: {{TOKEN:VPUBND:six-month-2018}}
Subject: Re: [BC-SIX-MONTH-2018/VPUBND] Bao cao
Date: Sun, 10 Jun 2018 09:00:00 +0700
Message-ID: <late-vpubnd@vpubnd.vinhlong.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Văn phòng UBND tỉnh báo cáo (ghi ngày 10/6 nhưng gửi ngày 16/6).
""",
    )

    write(
        "late_by_received.eml",
        HEAD.format(
            sender="vanthu@lhhn.vinhlong.example",
            delivered="{{TOKEN:LHHN:six-month-2018}}",
            dom="lhhn.vinhlong.example",
            received="Sat, 16 Jun 2018 08:15:00 +0700",
        )
        + """\
From: vanthu@lhhn.vinhlong.example
To: {{TOKEN:LHHN:six-month-2018}}
Subject: Re: [BC-SIX-MONTH-2018/LHHN] Bao cao
Date: Sun, 10 Jun 2018 09:00:00 +0700
Message-ID: <late-lhhn@lhhn.vinhlong.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Liên hiệp các Hội báo cáo (Date nói 10/6; máy chủ nhận ngày 16/6).
""",
    )

    write(
        "locked_round.eml",
        HEAD.format(
            sender="vanthu@bdt.vinhlong.example",
            delivered="{{TOKEN:BDT:budget-2018}}",
            dom="bdt.vinhlong.example",
            received="Fri, 1 Jun 2018 09:00:00 +0700",
        )
        + """\
From: vanthu@bdt.vinhlong.example
To: {{TOKEN:BDT:budget-2018}}
Subject: Re: [BC-BUDGET-2018/BDT] Du toan
Date: Fri, 1 Jun 2018 09:00:00 +0700
Message-ID: <locked-bdt@bdt.vinhlong.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Ban Dan toc gui du toan (qua han khoa).
""",
    )

    body_1258 = "Công an tỉnh báo cáo: đã phối hợp bảo đảm an ninh các đoàn khách quốc tế.\n"
    write(
        "windows1258_body.eml",
        HEAD.format(
            sender="vanthu@ca.vinhlong.example",
            delivered="{{TOKEN:CA:six-month-2018}}",
            dom="ca.vinhlong.example",
            received=REC_ON_TIME,
        )
        + f"""\
From: vanthu@ca.vinhlong.example
To: {{{{TOKEN:CA:six-month-2018}}}}
Subject: =?windows-1258?Q?Tr=E3_l=F2i=3A_=5BBC-SIX-MONTH-2018=2FCA=5D?=
Date: Sun, 10 Jun 2018 09:00:00 +0700
Message-ID: <cp1258-ca@ca.vinhlong.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=windows-1258
Content-Transfer-Encoding: base64

{b64(cp1258(body_1258))}
""",
    )

    write(
        "many_prefixes.eml",
        HEAD.format(
            sender="vanthu@cttdt.vinhlong.example",
            delivered="baocao@vinhlong.example.gov.vn",
            dom="cttdt.vinhlong.example",
            received=REC_ON_TIME,
        )
        + """\
From: vanthu@cttdt.vinhlong.example
To: baocao@vinhlong.example.gov.vn
Subject: =?utf-8?Q?AW=3A_RE=3A_Re=3A_TL=3A_Tr=E1=BA=A3_l=E1=BB=9Di=3A_FW=3A_Fwd=3A_Chuy=E1=BB=83n_ti=E1=BA=BFp=3A_=5BBC-SIX-MONTH-2018=2FCTTDT=5D_B=C3=A1o_c=C3=A1o?=
Date: Sun, 10 Jun 2018 09:00:00 +0700
Message-ID: <prefixes-cttdt@cttdt.vinhlong.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Cổng TTĐT tỉnh báo cáo.
""",
    )

    # ---------------------------------------------------------------- hostile and malformed
    write(
        "hostile_broken_boundary.eml",
        HEAD.format(
            sender="vanthu@bvl.vinhlong.example",
            delivered="{{TOKEN:BVL:six-month-2018}}",
            dom="bvl.vinhlong.example",
            received=REC_ON_TIME,
        )
        + f"""\
From: vanthu@bvl.vinhlong.example
To: {{{{TOKEN:BVL:six-month-2018}}}}
Subject: Re: [BC-SIX-MONTH-2018/BVL] Bao cao
Date: Sun, 10 Jun 2018 09:00:00 +0700
Message-ID: <broken-bvl@bvl.vinhlong.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="declared-boundary"

--some-other-boundary
Content-Type: text/plain

text
--some-other-boundary
Content-Type: application/pdf; name="a.pdf"
Content-Transfer-Encoding: base64

{b64(pdf("BVL"))}
""",
    )

    write(
        "hostile_missing_headers.eml",
        """\
X-Nothing: here

Một thư không có From, To, Subject hay Message-ID.
""",
    )

    write(
        "hostile_header_injection.eml",
        HEAD.format(
            sender="attacker@evil.example",
            delivered="{{TOKEN:DPTTH:six-month-2018}}",
            dom="evil.example",
            received=REC_ON_TIME,
        )
        + """\
From: "vanthu@dptth.vinhlong.example" <attacker@evil.example>
To: {{TOKEN:DPTTH:six-month-2018}}
Subject: =?utf-8?Q?Re=3A_=5BBC-SIX-MONTH-2018=2FDPTTH=5D_x=0D=0ABcc=3A_victim=40example.com=0D=0A=0D=0Ainjected?=
Date: Sun, 10 Jun 2018 09:00:00 +0700
Message-ID: <inject-dptth@evil.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Injected.
""",
    )

    nested_head = (
        HEAD.format(
            sender="vanthu@mttq.vinhlong.example",
            delivered="{{TOKEN:MTTQ:six-month-2018}}",
            dom="mttq.vinhlong.example",
            received=REC_ON_TIME,
        )
        + """\
From: vanthu@mttq.vinhlong.example
To: {{TOKEN:MTTQ:six-month-2018}}
Subject: Re: [BC-SIX-MONTH-2018/MTTQ] Bao cao
Date: Sun, 10 Jun 2018 09:00:00 +0700
Message-ID: <nested-mttq@mttq.vinhlong.example>
MIME-Version: 1.0
"""
    )
    depth = 200
    opening = "".join(f'Content-Type: multipart/mixed; boundary="n{i}"\n\n--n{i}\n' for i in range(depth))
    closing = "".join(f"\n--n{i}--\n" for i in reversed(range(depth)))
    write("hostile_nested_200.eml", nested_head + opening + "Content-Type: text/plain\n\ndeep\n" + closing)

    write(
        "hostile_zip_bomb_docx.eml",
        HEAD.format(
            sender="vanthu@tdoan.vinhlong.example",
            delivered="{{TOKEN:TDOAN:six-month-2018}}",
            dom="tdoan.vinhlong.example",
            received=REC_ON_TIME,
        )
        + f"""\
From: vanthu@tdoan.vinhlong.example
To: {{{{TOKEN:TDOAN:six-month-2018}}}}
Subject: Re: [BC-SIX-MONTH-2018/TDOAN] Bao cao
Date: Sun, 10 Jun 2018 09:00:00 +0700
Message-ID: <bomb-tdoan@tdoan.vinhlong.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="z1"

--z1
Content-Type: text/plain; charset=utf-8

Bao cao.
--z1
Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document
Content-Disposition: attachment; filename="Bao cao.docx"
Content-Transfer-Encoding: base64

{b64(zip_bomb())}
--z1--
""",
    )

    big = base64.b64encode(b"A" * 1_400_000).decode()
    big = "\n".join(big[i : i + 76] for i in range(0, len(big), 76))
    write(
        "hostile_huge_base64_part.eml",
        HEAD.format(
            sender="vanthu@hlhpn.vinhlong.example",
            delivered="{{TOKEN:HLHPN:six-month-2018}}",
            dom="hlhpn.vinhlong.example",
            received=REC_ON_TIME,
        )
        + f"""\
From: vanthu@hlhpn.vinhlong.example
To: {{{{TOKEN:HLHPN:six-month-2018}}}}
Subject: Re: [BC-SIX-MONTH-2018/HLHPN] Bao cao
Date: Sun, 10 Jun 2018 09:00:00 +0700
Message-ID: <huge-b64-hlhpn@hlhpn.vinhlong.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="g1"

--g1
Content-Type: text/plain

x
--g1
Content-Type: application/octet-stream; name="data.pdf"
Content-Disposition: attachment; filename="data.pdf"
Content-Transfer-Encoding: base64

{big}
--g1--
""",
    )


if __name__ == "__main__":
    build()
    print(f"wrote {len(list(OUT.glob('*.eml')))} files to {OUT}")
