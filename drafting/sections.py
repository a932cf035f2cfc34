"""The plan's sections by role ('Mục đích, yêu cầu', 'Nội dung', 'Kinh phí', 'Tổ chức thực hiện', 'Chế độ báo
cáo') and the values read from them: purposes, content items, the agencies a clause names, the
regime's paragraphs and whom the agencies report to, recurring press briefings."""

from __future__ import annotations

import re

from drafting.gazetteer import Catalog, Entry
from drafting.responsibilities import is_reporting_item
from drafting.structure import Node
from drafting.vntext import fold, is_upper
from drafting.writer import S, todo

ROLES = [  # section role -> words of its heading (folded comparison)
    ("responsibilities", ("tổ chức thực hiện", "phân công nhiệm vụ", "trách nhiệm thực hiện", "phân công thực hiện")),
    ("reporting", ("chế độ báo cáo", "chế độ thông tin", "báo cáo kết quả")),
    ("funding", ("kinh phí",)),
    ("purposes", ("mục đích", "mục tiêu")),
    ("content", ("nội dung", "nhiệm vụ", "giải pháp")),
]


def roles_of(body: list[Node]) -> dict[str, Node]:
    """Role -> the Roman section that plays it, by the words of its heading. A plan without Roman
    sections may number them ('1. MỤC ĐÍCH, YÊU CẦU', '4. TỔ CHỨC THỰC HIỆN'): those headings in
    capitals are its sections."""
    sections = [n for n in body if n.kind == "roman"]
    if not sections:
        sections = [n for n in body if n.kind == "number" and is_upper(n.text)]
        for n in sections:
            n.kind = "roman"  # it plays a section's part from here on
    found: dict[str, Node] = {}
    for node in sections:
        f = fold(node.text)
        for role, words in ROLES:
            if role not in found and any(fold(w) in f for w in words):
                found[role] = node
                break
    return found


def text_of(node: Node) -> str:
    """A node's text with everything under it, one line each."""
    parts = [node.text] if node.kind != "roman" else []
    for c in node.children:
        parts.append(text_of(c) if c.kind != "para" else c.text)
    return "\n".join(p for p in parts if p)


def _items(section: Node | None, label: str) -> list[S] | None:
    """The statements under a section's item headed `label` ('1. Mục đích' then paragraphs or bullets,
    or '1. Mục đích: …' with the statement on the heading's line); None when there is no such item."""
    if section is None:
        return None
    for c in section.children:
        if c.kind not in ("number", "letter", "subnumber"):
            continue
        head, colon, inline = c.text.partition(":")
        if fold(head).strip().startswith(fold(label)) and len(head.split()) <= 6:
            out = [S(inline.strip(), c.line)] if colon and inline.strip() else []
            return out + [S(text_of(n) if n.kind != "para" else n.text, n.line) for n in c.children]
    return None


def purposes_of(section: Node | None) -> tuple[list[S], list[S]]:
    """Purposes and requirements of section I (all its statements as purposes when it does not split them)."""
    if section is None:
        return [], []
    purposes = _items(section, "mục đích")
    requirements = _items(section, "yêu cầu")
    if purposes is not None or requirements is not None:
        return purposes or [], requirements or []
    return [S(text_of(n) if n.kind != "para" else n.text, n.line) for n in section.children], []


def content_items(section: Node | None) -> list[dict]:
    """The numbered items of the content section, each with a short title (its first words)."""
    out = []
    if section is None:
        return out
    n = 0
    for c in section.children:
        if c.kind not in ("number", "subnumber") and not (c.kind == "letter" and n == 0):
            continue
        n += 1
        text = text_of(c)
        head = re.split(r"[:;,.]\s", c.text, maxsplit=1)[0]
        words = head.split()
        title = " ".join(words[:12]) + ("…" if len(words) > 12 else "")
        out.append(
            {
                "number": S(int(c.label) if c.label.isdigit() else n, c.line),
                "title": S(title, c.line, "the item's first words: shorten by hand if needed"),
                "text": S(text, c.line),
            }
        )
    return out


def clause_agency(text: str, catalog: Catalog, words: tuple[str, ...]) -> Entry | None:
    """The first agency named in the clause of `text` that contains one of `words`."""
    for clause in re.split(r"[;]|\bđồng thời\b", text):
        if any(fold(w) in fold(clause) for w in words):
            found = catalog.find_in(clause)
            if found:
                return found[0][0]
    return None


def regime_paragraphs(roles: dict[str, Node], others: list[Node]) -> list[tuple[str, int]]:
    """(text, line) of the paragraphs that state the reporting regime."""
    out: list[tuple[str, int]] = []
    rep = roles.get("reporting")
    if rep is not None:
        out += [(n.text, n.line) for n in rep.walk() if n is not rep]
    for node in others:
        if is_reporting_item(node) or fold("báo cáo") in fold(node.text):
            out += [(n.text, n.line) for n in node.walk()]
    return out


def steering_of(paragraphs: list[tuple[str, int]]) -> tuple[str, str, int] | None:
    """(name, 'to' phrase, line) of whom the agencies report to, from the regime's words."""
    for text, line in paragraphs:
        m = re.search(
            r"(Ban [Cc]hỉ đạo[^(),.;]*?)\s*(\(qua [^)]*\))?(?=[,.;]|\s+(?:trước|định kỳ|báo cáo|theo)\b|$)", text
        )
        if m:
            to = m[1] + (f" {m[2]}" if m[2] else "")
            return m[1].strip(), to.strip(), line
        m = re.search(r"(?:về|gửi|báo cáo)\s+((?:Ủy ban nhân dân|UBND) tỉnh)(\s*\(qua [^)]*\))?", text)
        if m:
            return m[1], (m[1] + (m[2] or "")).strip(), line
    return None


_PRESS_MONTHS = [
    (("hằng quý", "hàng quý", "mỗi quý", "định kỳ quý"), [3, 6, 9, 12]),
    (("hằng tháng", "hàng tháng", "mỗi tháng"), list(range(1, 13))),
    (("6 tháng", "sáu tháng"), [6, 12]),
]


def press_briefings(items: list[dict], organiser: str | None, tasks: list[tuple[str, int, str | None]]) -> dict | None:
    """Recurring press briefings ('họp báo định kỳ hằng quý') of a content item, else of a task."""
    found = _press_in_items(items, organiser)
    if found:
        return found
    for text, line, agency in tasks:
        f = fold(text)
        if fold("họp báo") not in f:
            continue
        for words, months in _PRESS_MONTHS:
            if any(fold(w) in f for w in words):
                item = next((i for i in items if fold("họp báo") in fold(i["text"].value)), None)
                return {
                    "content_item": S(item["number"].value, item["number"].line)
                    if item
                    else todo("which content item of the plan the press briefings serve", text, line),
                    "organiser": S(agency, line, "the group the task belongs to")
                    if agency
                    else todo("who organises the press briefings", text, line),
                    "months": S(months, line, words[0]),
                    "day": S(1, None, "default: the reminder goes out on the 1st"),
                    "text": S(text, line),
                }
    return None


def _press_in_items(items: list[dict], organiser: str | None) -> dict | None:
    for item in items:
        text = item["text"].value
        f = fold(text)
        if fold("họp báo") not in f:
            continue
        for words, months in _PRESS_MONTHS:
            if any(fold(w) in f for w in words):
                sentence = next((s for s in re.split(r"(?<=\.)\s+", text) if fold("họp báo") in fold(s)), text)
                return {
                    "content_item": S(item["number"].value, item["number"].line),
                    "organiser": S(organiser, None, "default: the consolidator (the item names no organiser)")
                    if organiser
                    else todo("who organises the press briefings"),
                    "months": S(months, item["number"].line, words[0]),
                    "day": S(1, None, "default: the reminder goes out on the 1st"),
                    "text": S(sentence, item["number"].line),
                }
    return None
