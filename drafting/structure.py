"""The structure of a Vietnamese administrative document (Decree 30/2020 and habit), from its lines.

A document is one or more parts, each a Quyết định or a Kế hoạch: a header (issuing body, 'Số:',
place and date), a title, the bases ('Căn cứ ...', 'Thực hiện ...', 'Xét ...'), then either the
articles of a Decision ('Điều 1.') or the sections of a plan (I., II. ... with numbered items 1.,
1.1., lettered items a), bullets - and +), and a signature block. Nothing here knows what a plan
says; `extract` gives the parts their meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from drafting.reading import Line
from drafting.vntext import fold, is_upper

LEVELS = {"roman": 0, "number": 1, "subnumber": 2, "letter": 3, "dash": 4, "plus": 5}

_ROMAN = re.compile(r"^(?P<label>[IVX]{1,5})\s*[.:\-/]\s*(?P<text>\S.*)$")
_SUBNUMBER = re.compile(r"^(?P<label>\d{1,2}(?:\.\d{1,2})+)\.?\)?\s+(?P<text>\S.*)$")
_NUMBER = re.compile(r"^(?P<label>\d{1,2})\s*[.)]\s*(?P<text>\S.*)$")
_LETTER = re.compile(r"^(?P<label>[a-zđ])\s*[).]\s+(?P<text>\S.*)$")
_DASH = re.compile(r"^[-•*·]\s*(?P<text>\S.*)$")
_PLUS = re.compile(r"^\+\s*(?P<text>\S.*)$")
_BASIS = re.compile(r"^(Căn cứ|Thực hiện|Xét|Theo đề nghị|Theo chỉ đạo)\b", re.IGNORECASE)
_AUTHORITY = re.compile(r"^(KT|TM|TL|TUQ|Q)\s*\.\s*\S")
_ISSUER = re.compile(r"^(CHỦ TỊCH|ỦY BAN|UỶ BAN|UBND|GIÁM ĐỐC|TRƯỞNG BAN|BỘ TRƯỞNG|HỘI ĐỒNG)\b")
_MOTTO = re.compile(r"CỘNG HÒA XÃ HỘI|CỘNG HOÀ XÃ HỘI|Độc lập\s*-\s*Tự do", re.IGNORECASE)
_PLACE_DATE = re.compile(
    r"(?<!\S)(?P<place>[A-ZĐÀ-Ỹ][^\s,]*(?:\s+[A-ZĐÀ-Ỹ][^\s,]*){0,3}),\s*ngày\s+(?P<d>\d{1,2}|[.…]+)\s+tháng\s+"
    r"(?P<m>\d{1,2}|[.…]+)\s+năm\s+(?P<y>\d{4})"
)
_NUMBER_LINE = re.compile(r"\bSố\s*:\s*(?P<number>[0-9]*\s*/\s*[0-9]*\s*/?\s*[A-ZĐ][A-ZĐ0-9\-]*(?:/[A-ZĐ0-9\-]+)?)")


@dataclass
class Node:
    """A labelled block (section, item, bullet) or a plain paragraph, with what it contains."""

    kind: str  # roman, number, subnumber, letter, dash, plus, para
    label: str
    text: str
    line: int
    children: list[Node] = field(default_factory=list)

    def paragraphs(self) -> list[Node]:
        """Unlabelled paragraphs directly under this node."""
        return [c for c in self.children if c.kind == "para"]

    def walk(self):
        """This node and every node under it, in document order."""
        yield self
        for c in self.children:
            yield from c.walk()


@dataclass
class Header:
    """The header of a part: bodies above the number, the number, place and date."""

    bodies: list[Line] = field(default_factory=list)
    number: Line | None = None  # text is the number, e.g. '21/KH-STTTT'
    place: Line | None = None
    date: tuple[Line, int | None, int | None, int] | None = None  # (line, day, month, year)


@dataclass
class Part:
    """A Quyết định or a Kế hoạch of the document."""

    kind: str  # "decision" or "plan"
    title_line: Line
    header: Header
    title: list[Line]  # title lines after the QUYẾT ĐỊNH / KẾ HOẠCH line
    notes: list[Line]  # e.g. '(Kèm theo Quyết định số ...)' under the title
    authority: Line | None  # a Decision's issuer line ('CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH ...')
    bases: list[Line]
    preamble: list[Line]
    body: list[Node]  # a plan's sections, or a Decision's articles as 'article' nodes
    signature: list[Line]


def label_of(text: str) -> tuple[str, str, str]:
    """(kind, label, rest) of one line."""
    for kind, rx in (
        ("roman", _ROMAN),
        ("subnumber", _SUBNUMBER),
        ("number", _NUMBER),
        ("letter", _LETTER),
        ("plus", _PLUS),
        ("dash", _DASH),
    ):
        m = rx.match(text)
        if m:
            if kind == "roman" and not _roman_heading(m.group("text")):
                continue
            return (
                kind,
                m.groupdict().get("label") or ("-" if kind == "dash" else "+" if kind == "plus" else ""),
                m["text"],
            )
    return "para", "", text


def _opens_section(text: str) -> bool:
    """A section heading: 'I. MỤC ĐÍCH, YÊU CẦU', or a numbered one in capitals ('1. MỤC ĐÍCH, YÊU CẦU')."""
    kind, _, rest = label_of(text)
    return kind == "roman" or (kind == "number" and is_upper(rest) and len(rest.split()) >= 2)


def _roman_heading(rest: str) -> bool:
    """A Roman section's heading is mostly in capitals ('I. MỤC ĐÍCH, YÊU CẦU'), or short."""
    return is_upper(rest) or len(rest.split()) <= 8


def _title_of(line: Line) -> tuple[str, str] | None:
    """('decision' or 'plan', the title text on the same line) for a part's title line."""
    if not is_upper(line.text) or line.text.rstrip().endswith(":"):
        return None
    f = fold(line.text).strip(" .")
    for kind, word in (("decision", fold("QUYẾT ĐỊNH")), ("plan", fold("KẾ HOẠCH"))):
        if f == word:
            return kind, ""
        if f.startswith(word + " "):  # 'KẾ HOẠCH CÔNG TÁC …' on one line
            return kind, line.text.strip()[len(word) + 1 :].strip()
    return None


def _is_signature(line: Line) -> bool:
    text = line.text
    if _AUTHORITY.match(text) or fold(text).startswith(fold("Nơi nhận")):
        return True
    return (
        is_upper(text)
        and len(text.split()) <= 5
        and bool(re.match(r"^(PHÓ\s+)?(CHỦ TỊCH|GIÁM ĐỐC|TRƯỞNG BAN|CHÁNH VĂN PHÒNG)\b", text))
    )


def _is_header_line(line: Line) -> bool:
    t = line.text
    return bool(_MOTTO.search(t) or _NUMBER_LINE.search(t) or _PLACE_DATE.search(t))


def parse_header(lines: list[Line]) -> Header:
    """Bodies, number, place and date from the lines above a title."""
    h = Header()
    for k, line in enumerate(lines):
        t = line.text
        if not t:
            continue
        m = _NUMBER_LINE.search(t)
        if m and h.number is None:
            h.number = Line(line.number, re.sub(r"\s+", "", m["number"]))
        d = _PLACE_DATE.search(t)
        if d is None and "ngày" in t and k + 1 < len(lines):  # a narrow header column wrapped the date
            d = _PLACE_DATE.search(f"{t} {lines[k + 1].text}")
        if d and h.date is None:
            day = int(d["d"]) if d["d"].isdigit() else None
            month = int(d["m"]) if d["m"].isdigit() else None
            h.date = (line, day, month, int(d["y"]))
            h.place = Line(line.number, d["place"])
        # Upper-case lines that are neither the motto nor the number: the issuing bodies, possibly
        # sharing a line with the motto when a two-column header was read as text.
        if fold(t) == fold("VIỆT NAM"):  # the motto's tail, wrapped in a narrow column
            continue
        rest = _MOTTO.split(t)[0] if _MOTTO.search(t) else t
        rest = _NUMBER_LINE.split(rest)[0].strip(" -_")
        if rest and is_upper(rest) and not d and not fold(rest).startswith(fold("Độc lập")):
            h.bodies.append(Line(line.number, rest))
    return h


def split_parts(lines: list[Line]) -> list[Part]:
    """The Decisions and Plans of a document, in order."""
    found = [(i, _title_of(line)) for i, line in enumerate(lines)]
    titles = [(i, t[0], t[1]) for i, t in found if t is not None]
    parts: list[Part] = []
    start = 0
    for n, (i, kind, same_line) in enumerate(titles):
        end = titles[n + 1][0] if n + 1 < len(titles) else len(lines)
        body_lines = ([Line(lines[i].number, same_line)] if same_line else []) + lines[i + 1 : end]
        # The next part's header sits at the end of this part's lines: cut it off.
        cut = len(body_lines)
        if n + 1 < len(titles):
            j = cut - 1
            while j >= 0:
                line = body_lines[j]
                if not line.text or _is_header_line(line) or (is_upper(line.text) and not _is_signature(line)):
                    j -= 1
                    continue
                break
            cut = j + 1
        header_lines = lines[start:i]
        parts.append(_parse_part(kind, lines[i], header_lines, body_lines[:cut]))
        start = i + 1 + cut
    return parts


def _parse_part(kind: str, title_line: Line, header_lines: list[Line], lines: list[Line]) -> Part:
    header = parse_header(header_lines)
    k = 0
    title: list[Line] = []
    notes: list[Line] = []
    authority = None
    # Title lines: up to the first blank line, basis, section or article.
    while k < len(lines):
        t = lines[k].text
        if not t:
            if title:
                k += 1
                break
            k += 1
            continue
        # The first line under the title word is the title ('Thực hiện Chương trình …' too), unless it
        # cites a text by number, as a basis does.
        opens_title = not title and kind == "plan" and not re.match(r"^(Căn cứ|Xét)\b|^Thực hiện\b.*\bsố\s+\d", t)
        if not opens_title and (
            _BASIS.match(t) or _opens_section(t) or t.startswith("Điều ") or _is_header_line(lines[k])
        ):
            break
        if t.startswith("("):
            notes.append(lines[k])
        else:
            title.append(lines[k])
        k += 1
    rest = lines[k:]
    if kind == "decision" and len(title) > 1 and _ISSUER.match(title[-1].text):
        authority = title.pop()
    elif kind == "decision":
        # the issuer line may follow a blank line after the title
        for j, line in enumerate(rest):
            if not line.text:
                continue
            if _ISSUER.match(line.text):
                authority, rest = line, rest[j + 1 :]
            break
    bases, preamble, k = [], [], 0
    while k < len(rest):
        t = rest[k].text
        if not t:
            k += 1
            continue
        if _opens_section(t) or t.startswith("Điều ") or fold(t).rstrip(": ") == fold("quyết định"):
            break
        (bases if _BASIS.match(t) else preamble).append(rest[k])
        k += 1
    # A Decision's "Theo đề nghị ..." and "Xét ..." go with the bases; the formula line is skipped.
    body_lines = [line for line in rest[k:] if fold(line.text).rstrip(": ") != fold("quyết định")]
    signature: list[Line] = []
    sig_at = next((j for j, line in enumerate(body_lines) if _is_signature(line)), None)
    if sig_at is not None:
        signature = [line for line in body_lines[sig_at:] if line.text]
        body_lines = body_lines[:sig_at]
    body = parse_articles(body_lines) if kind == "decision" else parse_tree(body_lines)
    return Part(kind, title_line, header, title, notes, authority, bases, preamble, body, signature)


def parse_articles(lines: list[Line]) -> list[Node]:
    """'Điều N.' articles with their continuation lines."""
    out: list[Node] = []
    for line in lines:
        if not line.text:
            continue
        m = re.match(r"^Điều\s+(\d+)\s*[.:]?\s*(.*)$", line.text)
        if m:
            out.append(Node("article", m[1], m[2], line.number))
        elif out:
            out[-1].children.append(Node("para", "", line.text, line.number))
    return out


def parse_tree(lines: list[Line]) -> list[Node]:
    """Sections, items and bullets as a tree; plain paragraphs go under the nearest item."""
    root = Node("root", "", "", 0)
    stack: list[Node] = [root]
    for line in lines:
        if not line.text:
            continue
        kind, label, text = label_of(line.text)
        if kind == "para":
            # A paragraph belongs to the nearest open item, or to a bullet that announced it (':').
            while len(stack) > 1 and stack[-1].kind in ("dash", "plus") and not stack[-1].text.endswith(":"):
                stack.pop()
            stack[-1].children.append(Node("para", "", text, line.number))
            continue
        node = Node(kind, label, text, line.number)
        level = LEVELS[kind]
        while len(stack) > 1 and LEVELS.get(stack[-1].kind, -1) >= level:
            stack.pop()
        stack[-1].children.append(node)
        stack.append(node)
    return root.children
