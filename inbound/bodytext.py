"""The agency's own words from an email body: HTML made plain, quoted history and signatures removed."""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

from inbound.parsing import ParsedMessage, storable

_BLOCK_TAGS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "blockquote", "hr"}
_SKIP_TAGS = {"style", "script", "head", "title"}
_QUOTE_CLASSES = ("gmail_quote", "yahoo_quoted", "moz-cite-prefix", "OutlookMessageHeader")
_QUOTE_IDS = ("divRplyFwdMsg", "appendonsend", "mail-editor-reference-message-container")

# A line that starts the quoted original, in the clients agencies use (English and Vietnamese).
_HEADER_LINE = re.compile(r"^\s*\**\s*(From|Từ|Người gửi|De|Von)\s*:\s*\**", re.IGNORECASE)
_SENT_LINE = re.compile(r"^\s*\**\s*(Sent|Date|Đã gửi|Ngày gửi|Ngày|Gửi lúc|Envoyé|Gesendet)\s*:\s*", re.IGNORECASE)
_CUT_LINES = [
    re.compile(r"^\s*-{2,}\s*(Original Message|Thư gốc|Tin nhắn gốc)\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*_{10,}\s*$"),
    re.compile(r"^\s*On\b.{0,200}\bwrote\s*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Vào\b.{0,200}\bđã viết\s*:\s*$", re.IGNORECASE),
]
_WRAPPED_ON = re.compile(r"^\s*(On|Vào)\b", re.IGNORECASE)


class _Text(HTMLParser):
    """Collects visible text, skipping quoted blocks of the common webmail and desktop clients."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip_depth = 0
        self.stack: list[bool] = []
        self.stopped = False

    def handle_starttag(self, tag, attrs):
        if self.stopped:
            return
        attrs = dict(attrs)
        quoted = (
            tag == "blockquote" or tag in _SKIP_TAGS or any(c in (attrs.get("class") or "") for c in _QUOTE_CLASSES)
        )
        if (attrs.get("id") or "") in _QUOTE_IDS:
            self.stopped = True  # Outlook: everything after this marker is the quoted original
            return
        if tag in ("br", "hr", "img", "meta", "link", "input"):
            if tag in ("br", "hr") and not self.skip_depth:
                self.out.append("\n")
            return
        self.stack.append(quoted)
        if quoted:
            self.skip_depth += 1
        if tag in _BLOCK_TAGS and not self.skip_depth:
            self.out.append("\n")

    def handle_endtag(self, tag):
        if self.stopped or tag in ("br", "hr", "img", "meta", "link", "input"):
            return
        if self.stack and self.stack.pop():
            self.skip_depth -= 1
        if tag in _BLOCK_TAGS and not self.skip_depth:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skip_depth and not self.stopped:
            self.out.append(data)


def html_to_text(html: str) -> str:
    """Visible text of an HTML body, without the quoted original."""
    parser = _Text()
    try:
        parser.feed(html)
        parser.close()
    except Exception:
        pass
    text = "".join(parser.out).replace("\xa0", " ")
    return re.sub(r"\n\s*\n\s*\n+", "\n\n", text)


def strip_quoted(text: str) -> str:
    """The new text of a reply: stops at the quoted original ("On … wrote:", "Vào … đã viết:", Outlook headers), drops "> " lines."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        if any(p.match(line) for p in _CUT_LINES):
            break
        if (
            _WRAPPED_ON.match(line)
            and i + 1 < len(lines)
            and re.search(r"(wrote|đã viết)\s*:\s*$", lines[i + 1], re.IGNORECASE)
        ):
            break
        if _HEADER_LINE.match(line) and any(_SENT_LINE.match(nxt) for nxt in lines[i + 1 : i + 5]):
            break
        if line == "-- ":  # signature separator
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def reply_text(parsed: ParsedMessage, *, max_chars: int) -> str:
    """What the agency wrote in the body of its reply, plain text, at most `max_chars` characters."""
    if parsed.text_plain and parsed.text_plain.strip():
        text = parsed.text_plain
    elif parsed.text_html:
        text = html_to_text(parsed.text_html)
    else:
        text = ""
    return storable(unicodedata.normalize("NFC", strip_quoted(text)))[:max_chars]
