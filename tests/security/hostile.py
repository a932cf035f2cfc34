"""Hostile inputs built in the test: padded .docx files, raw replies from known contacts and strangers, DKIM keys."""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import zipfile
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

from notifications.reportform import FormTask, build_form

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
HEADER_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"
HEADER_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
MIB = 1024 * 1024


def form_docx(round_key: str = "six-month-2018", agency_code: str = "SKHDT") -> bytes:
    """A planflow report form as the request carries it."""
    return build_form(
        round_key=round_key,
        round_title="Báo cáo 6 tháng đầu năm 2018",
        agency_code=agency_code,
        agency_name="Sở Kế hoạch và Đầu tư",
        due_text="trước ngày 15/6/2018",
        tasks=[FormTask("IV.12.1", "IV.12", "Đăng tin, bài thông tin đối ngoại.")],
        issuer="Sở Thông tin và Truyền thông",
    )


def _paragraphs(size: int, *, every: int, rng: random.Random) -> bytes:
    """About `size` bytes of empty-looking paragraphs; one in `every` carries random text (sets the ratio)."""
    plain = b"<w:p><w:r><w:t>x</w:t></w:r></w:p>"
    out = io.BytesIO()
    n = 0
    while out.tell() < size:
        if every and n % every == 0:
            out.write(f"<w:p><w:r><w:t>{rng.getrandbits(64):016x}</w:t></w:r></w:p>".encode())
        else:
            out.write(plain)
        n += 1
    return out.getvalue()


def _part(body: bytes, root: str = "w:hdr") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{root} xmlns:w="{W_NS}">'.encode()
        + body
        + (f"</{root}>".encode())
    )


def _ratio(data: bytes) -> float:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("x.xml", data)
    info = zipfile.ZipFile(buf).infolist()[0]
    return info.file_size / info.compress_size


def padded_paragraphs(size: int, *, target_ratio: float | None, seed: int = 13) -> bytes:
    """Paragraph XML of `size` bytes: as compressible as possible (None), or compressing about `target_ratio` times."""
    rng = random.Random(seed)
    if target_ratio is None:
        return b"<w:p/>" * (size // 6)
    lo, hi = 1, 400  # one random paragraph in `every`: larger `every` compresses better
    best = _paragraphs(size, every=lo, rng=random.Random(seed))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        candidate = _paragraphs(size, every=mid, rng=random.Random(seed))
        if _ratio(candidate) <= target_ratio:
            lo, best = mid, candidate
        else:
            hi = mid - 1
    del rng
    return best


def padded_docx(
    *, parts: int, part_bytes: int = 4 * MIB - 256, target_ratio: float | None = None, pad_body: bool = False
) -> bytes:
    """A real planflow form with `parts` extra header parts linked from the document, each `part_bytes` of XML.

    `target_ratio` None makes every part as compressible as XML gets (the 87 KB / 189 KB documents of the
    finding); a ratio just under the cap makes a document every check accepts (the one "at the cap").
    `pad_body` also fills the main document part itself, so the form reader must stream through it.
    The default part stays just under 4 MiB with its XML wrapper: the size the old check exempted.
    """
    source = zipfile.ZipFile(io.BytesIO(form_docx()))
    filler = padded_paragraphs(part_bytes, target_ratio=target_ratio)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "[Content_Types].xml":
                overrides = "".join(
                    f'<Override PartName="/word/header{900 + i}.xml" ContentType="{HEADER_TYPE}"/>'
                    for i in range(parts)
                )
                data = data.replace(b"</Types>", overrides.encode() + b"</Types>")
            elif info.filename == "word/_rels/document.xml.rels":
                rels = "".join(
                    f'<Relationship Id="rIdH{i}" Type="{HEADER_REL}" Target="header{900 + i}.xml"/>'
                    for i in range(parts)
                )
                data = data.replace(b"</Relationships>", rels.encode() + b"</Relationships>")
            elif info.filename == "word/document.xml" and pad_body:
                data = re.sub(rb"(<w:sectPr)", filler.replace(b"\\", b"\\\\") + rb"\1", data, count=1)
            zf.writestr(info.filename, data)
        for i in range(parts):
            zf.writestr(f"word/header{900 + i}.xml", _part(filler))
    return out.getvalue()


def reply(
    *,
    sender: str,
    to: str,
    subject: str,
    at: dt.datetime,
    body: str = "Báo cáo đính kèm.",
    message_id: str | None = None,
    attachments: tuple[tuple[str, bytes, str], ...] | list[tuple[str, bytes, str]] = (),
    headers: dict[str, str] | None = None,
) -> bytes:
    """A reply as a mail client writes it (attachments: name, bytes, media type)."""
    msg = EmailMessage(policy=policy.SMTP)
    for name, value in (headers or {}).items():
        msg[name] = value
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(at)
    msg["Message-ID"] = message_id or f"<{random.getrandbits(64):x}@{sender.rsplit('@', 1)[-1].strip('>')}>"
    msg.set_content(body)
    for name, data, media in attachments:
        maintype, subtype = media.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes(policy=policy.SMTP)
