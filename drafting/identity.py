"""Who issued the plan and when: its number, date, issuer and province, and the approving Decision
(number, date, issuer, title, bases, articles, signer) when the document has one."""

from __future__ import annotations

import datetime as dt
import re

from drafting.gazetteer import Catalog, Entry
from drafting.reading import Line
from drafting.structure import Part
from drafting.vntext import fold, is_upper, sentence_case
from drafting.writer import S, todo


def _date_in(text: str) -> tuple[dt.date | None, int | None]:
    m = re.search(r"ngày\s+(\d{1,2})\s*(?:/|tháng\s+)\s*(\d{1,2})\s*(?:/|năm\s+)\s*(\d{4})", text)
    if not m:
        return None, None
    try:
        return dt.date(int(m[3]), int(m[2]), int(m[1])), m.start()
    except ValueError:
        return None, None


def province_of(parts: list[Part]) -> tuple[str, int] | None:
    """(province, line): from 'TỈNH …' in a header or issuer line, else the place of the date, else 'tỉnh …'."""
    for p in parts:
        for line in [*p.header.bodies, *([p.authority] if p.authority else []), *p.title]:
            m = re.search(r"\bTỈNH\s+([A-ZĐÀ-Ỹ][A-ZĐÀ-Ỹ ]+)$", line.text)
            if m:
                return " ".join(w.capitalize() for w in m[1].split()), line.number
        if p.header.place and not fold(p.header.place.text).startswith(fold("thành phố")):
            return p.header.place.text, p.header.place.number
    for p in parts:
        for line in [*p.title, *p.preamble, *p.bases]:
            m = re.search(r"\btỉnh\s+((?:[A-ZĐÀ-Ỹ][a-zđà-ỹ]+\s?){1,3})", line.text)
            if m:
                return m[1].strip(), line.number
    return None


def plan_number_and_date(plan: Part, decision: Part | None) -> tuple[S, S]:
    """The plan's number and date: its header, else the Decision that issues or approves it, else TODO."""
    number: S | None = None
    date: S | None = None
    h = plan.header
    if h.number is not None:
        number = S(h.number.text, h.number.number, "Số: …")
    if h.date is not None:
        line, d, m, y = h.date
        date = (
            S(dt.date(y, m, d), line.number, line.text)
            if d and m
            else todo("the date is left blank", line.text, line.number)
        )
    # A plan issued with a Decision ('Ban hành kèm theo Quyết định số 845/QĐ-UBND ngày …') goes by its number.
    for note in plan.notes:
        m = re.search(r"kèm theo Quyết định số\s+([0-9]+/[A-ZĐ0-9\-]+)", note.text)
        if m and number is None:
            number = S(m[1], note.number, note.text)
            day, _ = _date_in(note.text[m.end() : m.end() + 40])
            if day and date is None:
                date = S(day, note.number, note.text)
    if (number is None or date is None) and decision is not None:
        for art in decision.body:
            for t, ln in [(art.text, art.line), *[(c.text, c.line) for c in art.children]]:
                m = re.search(r"Kế hoạch số\s+([0-9]+/[A-ZĐ0-9\-]+)", t)
                if m and number is None:
                    number = S(m[1], ln, t)
                if m and date is None:
                    day, _ = _date_in(t[m.end() : m.end() + 40])
                    if day:
                        date = S(day, ln, t)
    if number is None:
        number = todo("the plan's number ('Số: …') is not in the document")
    if date is None:
        date = todo("the plan's date is not in the document")
    return number, date


def issuer_of(plan: Part, decision: Part | None, catalog: Catalog, province: str | None) -> tuple[S, Entry | None]:
    """The body that issued the plan (and its gazetteer entry when it is an agency)."""
    bodies = plan.header.bodies
    if bodies:
        body = bodies[-1]
        # The issuing body is the last upper-case line; a narrow header column may have wrapped it.
        for k in range(len(bodies) - 1, max(len(bodies) - 3, -1), -1):
            joined = " ".join(b.text for b in bodies[k:])
            entry = catalog.place(joined)
            if entry:
                return S(entry.name, bodies[k].number, joined), entry
        if fold(body.text).startswith(fold("tỉnh")) and len(bodies) > 1:
            return S(f"Ủy ban nhân dân tỉnh {province}" if province else body.text, body.number, body.text), None
        return S(sentence_case(body.text, [province] if province else []), body.number, body.text), None
    if decision is not None:
        for art in decision.body:
            for t, ln in [(art.text, art.line), *[(c.text, c.line) for c in art.children]]:
                m = re.search(r"Kế hoạch số[^)]*?của\s+(.+)", t)
                if m:
                    found = catalog.find_in(m[1])
                    if found:
                        return S(found[0][0].name, ln, t), found[0][0]
    for line in plan.preamble:
        found = catalog.find_in(line.text)
        if found and found[0][1] == 0:
            return S(found[0][0].name, line.number, line.text), found[0][0]
    return todo("the issuing body is not in the document"), None


def _signer(lines: list[Line]) -> dict:
    authority = title = name = None
    in_recipients = False
    for line in lines:
        t = line.text
        if fold(t).startswith(fold("nơi nhận")):
            in_recipients = True
            continue
        if re.match(r"^(KT|TM|TL|TUQ|Q)\s*\.", t):
            authority, in_recipients = S(t, line.number, t), False
        elif is_upper(t) and not t.startswith("-") and title is None and len(t.split()) <= 6:
            title, in_recipients = S(t, line.number, t), False
        elif in_recipients or t.startswith("-") or t.startswith("("):
            continue
        elif title is not None and re.fullmatch(r"(?:[A-ZĐÀ-Ỹ][\wà-ỹđ]*\s?){2,6}", t):
            name = S(t, line.number, t)
    return {
        "authority": authority if authority else S(None, None, "signing in one's own name"),
        "title": title if title else todo("the signer's title is not in the document"),
        "name": name if name else S(None, None, "not in the document"),
    }


def decision_of(part: Part) -> dict:
    """The approving Decision: number, date, issuer, title, bases, articles and signer."""
    h = part.header
    d: dict = {}
    d["number"] = S(h.number.text, h.number.number, "Số: …") if h.number else S(None, None, "not in the document")
    line_, day, month, year_ = h.date if h.date else (None, None, None, 0)
    if line_ is not None and day and month:
        d["date"] = S(dt.date(year_, month, day), line_.number, line_.text)
    else:
        d["date"] = S(None, None, "not in the document")
    d["issuer"] = S(part.authority.text, part.authority.number) if part.authority else todo("the Decision's issuer")
    title = " ".join(line.text for line in part.title)
    d["title"] = S(title, part.title[0].number) if part.title else todo("the Decision's title")
    d["legal_bases"] = [S(b.text, b.number) for b in part.bases if fold(b.text).startswith(fold("căn cứ"))]
    d["considering"] = [S(b.text, b.number) for b in part.bases if not fold(b.text).startswith(fold("căn cứ"))]
    d["articles"] = [
        {"number": S(int(a.label), a.line), "text": S("\n".join([a.text, *[c.text for c in a.children]]), a.line)}
        for a in part.body
    ] or [todo("no article ('Điều 1.') found")]
    d["signer"] = _signer(part.signature)
    return d
