"""From a parsed document to the plan file's values, each with its source line.

`draft` returns the plan and contacts trees that `writer.render` writes. What the document does not
say and the plan format needs is either a documented default (say so in the comment) or a TODO;
never a guessed date or agency.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from pydantic import ValidationError

from drafting.gazetteer import Catalog, Entry, catalog_for, derive_code
from drafting.reading import Document, DocumentError, Line
from drafting.regime import RoundSpec, cutoff, merge_rounds, read_regime
from drafting.responsibilities import GroupDraft, is_reporting_item, read_groups, settle_agencies
from drafting.structure import Node, Part, split_parts
from drafting.vntext import fold, is_upper, sentence_case, slug
from drafting.writer import S, is_todo, todo
from models.plan import Group, Plan, RoundKind

ROLES = [  # section role -> words of its heading (folded comparison)
    ("responsibilities", ("tổ chức thực hiện", "phân công nhiệm vụ", "trách nhiệm thực hiện", "phân công thực hiện")),
    ("reporting", ("chế độ báo cáo", "chế độ thông tin", "báo cáo kết quả")),
    ("funding", ("kinh phí",)),
    ("purposes", ("mục đích", "mục tiêu")),
    ("content", ("nội dung", "nhiệm vụ", "giải pháp")),
]
ROUND_TITLES = {
    "six_month": "6 tháng đầu năm {y}",
    "nine_month": "9 tháng năm {y}",
    "annual": "năm {y}",
    "quarterly": "quý {q} năm {y}",
    "monthly": "tháng {m} năm {y}",
}
ROUND_KEYS = {"six_month": "six-month-{y}", "nine_month": "nine-month-{y}", "annual": "annual-{y}",
              "quarterly": "quarter-{p}-{y}", "monthly": "month-{p:02d}-{y}"}  # fmt: skip
OPEN_DAYS = {"monthly": 10, "quarterly": 20}  # else a month before the due date
LOCK_DAYS = 14
ROMAN_Q = {1: "I", 2: "II", 3: "III", 4: "IV"}


@dataclass
class Draft:
    """The plan and contacts trees, and the document facts tests and the command report."""

    plan: dict
    contacts: dict
    notes: list[str] = field(default_factory=list)


def _roles(body: list[Node]) -> dict[str, Node]:
    found: dict[str, Node] = {}
    for node in body:
        if node.kind != "roman":
            continue
        f = fold(node.text)
        for role, words in ROLES:
            if role not in found and any(fold(w) in f for w in words):
                found[role] = node
                break
    return found


def _text(node: Node) -> str:
    parts = [node.text] if node.kind != "roman" else []
    for c in node.children:
        parts.append(_text(c) if c.kind != "para" else c.text)
    return "\n".join(p for p in parts if p)


def _date_in(text: str) -> tuple[dt.date | None, int | None]:
    m = re.search(r"ngày\s+(\d{1,2})\s*(?:/|tháng\s+)\s*(\d{1,2})\s*(?:/|năm\s+)\s*(\d{4})", text)
    if not m:
        return None, None
    try:
        return dt.date(int(m[3]), int(m[2]), int(m[1])), m.start()
    except ValueError:
        return None, None


def _province(parts: list[Part]) -> tuple[str, int] | None:
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


def _plan_number_date(plan: Part, decision: Part | None) -> tuple[S, S]:
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


def _issuer(plan: Part, decision: Part | None, catalog: Catalog, province: str | None) -> tuple[S, Entry | None]:
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


def _decision(part: Part, catalog: Catalog) -> dict:
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


def _items(section: Node | None, label: str) -> list[tuple[Node, list[Node]]]:
    """(item, its paragraphs) under a section's numbered item whose heading names `label`."""
    if section is None:
        return []
    for c in section.children:
        if c.kind in ("number", "letter") and fold(label) in fold(c.text) and len(c.text.split()) <= 6:
            return [(c, [x for x in c.children])]
    return []


def _purposes(section: Node | None) -> tuple[list[S], list[S]]:
    def texts(nodes: list[Node]) -> list[S]:
        return [S(_text(n) if n.kind != "para" else n.text, n.line) for n in nodes]

    if section is None:
        return [], []
    purposes = _items(section, "mục đích")
    requirements = _items(section, "yêu cầu")
    if purposes or requirements:
        return (texts(purposes[0][1]) if purposes else [], texts(requirements[0][1]) if requirements else [])
    return texts(section.children), []


def _content(section: Node | None) -> list[dict]:
    out = []
    if section is None:
        return out
    n = 0
    for c in section.children:
        if c.kind not in ("number", "subnumber") and not (c.kind == "letter" and n == 0):
            continue
        n += 1
        text = _text(c)
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


def _clause_agency(text: str, catalog: Catalog, words: tuple[str, ...]) -> Entry | None:
    """The first agency named in the clause of `text` that contains one of `words`."""
    for clause in re.split(r"[;]|\bđồng thời\b", text):
        if any(fold(w) in fold(clause) for w in words):
            found = catalog.find_in(clause)
            if found:
                return found[0][0]
    return None


def _schema_accepts_section(label: str) -> bool:
    try:
        Group(section=f"{label}.1", title="x", agencies=["X"])
        return True
    except ValidationError:
        return False


def _round_kind(kind: str) -> str | None:
    return kind if kind in {k.value for k in RoundKind} else None


def _month_before(d: dt.date) -> dt.date:
    y, m = (d.year, d.month - 1) if d.month > 1 else (d.year - 1, 12)
    for day in (d.day, 28):
        try:
            return dt.date(y, m, day)
        except ValueError:
            continue
    return d - dt.timedelta(days=30)


def _rounds(
    specs: list[RoundSpec], subject: str, year: int | None, plan_date: dt.date | None
) -> tuple[list[dict], dict]:
    rounds: list[dict] = []
    ad_hoc = {"enabled": S(False, None, "the regime names no ad-hoc report"), "text": S("")}
    for s in specs:
        if s.kind == "ad_hoc":
            ad_hoc = {
                "enabled": S(True, s.line, s.source),
                "default_days_to_due": S(10, None, "default"),
                "lock_days_after_due": S(10, None, "default"),
                "text": S(s.source, s.line),
            }
            continue
        y = s.due.year if s.due else year
        fmt = {"y": y if y is not None else "TODO", "p": s.period or 0}
        kind = _round_kind(s.kind)
        key = ROUND_KEYS[s.kind].format(**fmt) if y is not None else f"{s.kind.replace('_', '-')}-{len(rounds) + 1}"
        title_period = ROUND_TITLES[s.kind].format(y=fmt["y"], q=ROMAN_Q.get(s.period or 0, "?"), m=s.period or "?")
        r: dict = {
            "key": S(key, s.line),
            "kind": S(kind, s.line, s.source)
            if kind
            else todo(f"the plan format has no round kind '{s.kind}' (issue #12)", s.source, s.line),
            "title": S(f"Kết quả thực hiện {subject} {title_period}", None, "from the plan's title and the period"),
        }
        if s.due is None:
            # one TODO, written once: opens and lock refer to it
            why = todo(s.todo or "no deadline", s.source, s.line)
            why.anchor = f"due{len(rounds) + 1}"
            r.update(due=why, opens=S(None, alias=why.anchor), lock=S(None, alias=why.anchor))
        else:
            cut = cutoff(s.kind, s.due, s.period)
            if cut:
                r["cutoff_start"] = S(cut[0], None, "Decree 09/2019/NĐ-CP data cut-off")
                r["cutoff_end"] = S(cut[1], None, "Decree 09/2019/NĐ-CP, ending before the due date")
            lead = OPEN_DAYS.get(s.kind)
            opens = s.due - dt.timedelta(days=lead) if lead else _month_before(s.due)
            note = "default: requests go out before the due date"
            if plan_date and plan_date < s.due and opens < plan_date:  # not before the plan exists
                opens, note = plan_date, "default: the plan's date (the usual lead time starts before it)"
            r["opens"] = S(opens, None, note)
            r["due"] = S(s.due, s.line, s.source)
            r["lock"] = S(s.due + dt.timedelta(days=LOCK_DAYS), None, f"default: {LOCK_DAYS} days after the due date")
        r["roster"] = S("all")
        r["tasks"] = S("all")
        rounds.append(r)
    return rounds, ad_hoc


def _regime_paragraphs(roles: dict[str, Node], others: list[Node]) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    rep = roles.get("reporting")
    if rep is not None:
        out += [(n.text, n.line) for n in rep.walk() if n is not rep]
    for node in others:
        if is_reporting_item(node) or fold("báo cáo") in fold(node.text):
            out += [(n.text, n.line) for n in node.walk()]
    return out


def _steering(paragraphs: list[tuple[str, int]]) -> tuple[str, str, int] | None:
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


def draft(doc: Document, schema: type[Plan] = Plan) -> Draft:
    """The plan and contacts trees drafted from `doc`; raises `DocumentError` when it is not a plan."""
    parts = split_parts(doc.lines)
    plan_part = next((p for p in parts if p.kind == "plan"), None)
    if plan_part is None:
        raise DocumentError(f"{doc.path}: no 'KẾ HOẠCH' title: this does not read as a plan document")
    decision = next((p for p in parts if p.kind == "decision"), None)
    roles = _roles(plan_part.body)
    if "responsibilities" not in roles:
        raise DocumentError(
            f"{doc.path}: no 'Tổ chức thực hiện' section (the one that assigns tasks to agencies): "
            "the draft needs it to know who does what"
        )
    notes: list[str] = []
    prov = _province(parts)
    province = prov[0] if prov else None
    number, date = _plan_number_date(plan_part, decision)
    plan_date = date.value if isinstance(date.value, dt.date) else None
    title_text = " ".join(line.text for line in plan_part.title)
    ym = re.search(r"năm\s+(\d{4})\b", title_text)
    year = int(ym[1]) if ym else (plan_date.year if plan_date else None)
    catalog = catalog_for(province, plan_date or (dt.date(year, 1, 1) if year else None))
    issuer, issuer_entry = _issuer(plan_part, decision, catalog, province)

    # ---- responsibilities ----
    resp = roles["responsibilities"]
    groups, others = read_groups(resp, catalog)
    if not groups:
        raise DocumentError(
            f"{doc.path}:{resp.line}: the section '{resp.text}' names no agency: no responsibility group to draft"
        )
    settle_agencies(groups, catalog)
    paragraphs = _regime_paragraphs(roles, others)

    # ---- consolidator: the body the reports go through, else the issuer when it is an agency ----
    consolidator: Entry | None = None
    cons_line = None
    for text, line in paragraphs:
        m = re.search(r"\((?:qua|thông qua)\s+([^)]+)\)|(?:gửi|về)\s+(Sở [^,.;()]+?)\s+(?:để\s+)?tổng hợp", text)
        if m:
            found = catalog.find_in(m[1] or m[2])
            if found:
                consolidator, cons_line = found[0][0], line
                break
    if consolidator is None and issuer_entry is not None:
        consolidator, cons_line = issuer_entry, issuer.line
    all_entries: list[Entry] = []
    for g in groups:
        for e in g.agencies:
            if e not in all_entries:
                all_entries.append(e)
    if consolidator is not None and consolidator not in all_entries:
        all_entries.insert(0, consolidator)

    # ---- funding ----
    fund = roles.get("funding")
    funding: S | dict
    fund_task = None
    if fund is None:
        funding = todo("the plan has no funding section ('Kinh phí')")
    else:
        ftext = _text(fund)
        appraiser = _clause_agency(ftext, catalog, ("thẩm định", "thẩm tra"))
        copy_to = _clause_agency(ftext, catalog, ("theo dõi", "tổng hợp")) or consolidator
        for e in (appraiser, copy_to):
            if e is not None and e not in all_entries:
                all_entries.append(e)
        funding = {
            "text": S(ftext, fund.line + 1 if fund.children else fund.line),
            "appraiser": S(appraiser.code, fund.line, appraiser.name)
            if appraiser
            else todo("no appraising agency ('… thẩm định') found", ftext[:120], fund.line),
            "copy_to": S(copy_to.code, fund.line, copy_to.name)
            if copy_to
            else todo("no agency that follows the estimates", ftext[:120], fund.line),
        }
        if re.search(fold("dự toán"), fold(ftext)):
            fund_task = (fund.label, ftext, fund.line)

    codes = _codes(all_entries)
    group_label = resp.label if _schema_accepts_section(resp.label) else "IV"
    if group_label != resp.label:
        notes.append(
            f"responsibilities are section {resp.label} of the document; the plan format keys them IV (issue #12)"
        )

    # ---- groups and tasks ----
    group_list, task_list = [], []
    press_tasks: list[tuple[str, int, str | None]] = []
    everyone = [S(codes[e.code], None, e.name) for e in all_entries]
    if fund_task is not None:
        task_list.append(
            {
                "key": S(f"{fund_task[0]}.1", fund_task[2]),
                "section": S(fund_task[0], fund_task[2]),
                "agencies": S(everyone, None, "every agency of the plan ('các đơn vị được giao nhiệm vụ')"),
                "text": S(fund_task[1], fund_task[2] + 1),
            }
        )
    for n, g in enumerate(groups, 1):
        section = f"{group_label}.{n}"
        agencies = [S(codes[e.code], None, e.name) for e in g.agencies] + [S(t) for t in g.todos]
        vague = [m.text for m in g.mentions if m.vague]
        anchor = f"g{n}"
        group_list.append(
            {
                "section": S(section, g.line, f"item {g.label} of section {resp.label}"),
                "title": S(g.title, g.line),
                "agencies": S(
                    agencies, g.line, ("not expanded: " + "; ".join(vague)) if vague else None, anchor=anchor
                ),
            }
        )
        tasks = g.tasks or [_no_task(g)]
        press_tasks += [(t.text, t.line, codes[g.agencies[0].code] if g.agencies else None) for t in tasks]
        for k, t in enumerate(tasks, 1):
            task_list.append(
                {
                    "key": S(f"{section}.{k}", t.line),
                    "section": S(section),
                    "agencies": S(None, None, None, alias=anchor),
                    "text": S(t.text, t.line) if not is_todo(t.text) else todo(t.text[6:], g.title, g.line),
                }
            )

    # ---- reporting regime ----
    specs: list[RoundSpec] = []
    for text, line in paragraphs:
        specs += read_regime(text, line, year, plan_date)
    specs, dropped = merge_rounds(specs, plan_date)
    notes += dropped
    subject = re.sub(r"\s*năm\s+\d{4}\s*$", "", sentence_case(title_text, [province] if province else []))
    subject = subject[:1].lower() + subject[1:]
    rounds, ad_hoc = _rounds(specs, subject, year, plan_date)
    steering = _steering(paragraphs)
    reg_para = next(((t, ln) for t, ln in paragraphs if any(s.line == ln for s in specs)), None)
    diff_para = next(((t, ln) for t, ln in paragraphs if re.search(fold("vướng mắc|khó khăn"), fold(t))), None)

    # ---- assemble ----
    purposes, requirements = _purposes(roles.get("purposes"))
    plan_info = {
        "key": S(_plan_key(province, number, year), None, "derived from the province, number and year"),
        "number": number,
        "date": date,
        "year": S(year, ym and plan_part.title[0].number, "the plan's title or date")
        if year
        else todo("the plan's year is not in its title or date"),
        "title": S(sentence_case(title_text, [province] if province else []) if is_upper(title_text) else title_text,
                   plan_part.title[0].number if plan_part.title else None)
        if title_text
        else todo("the plan's title"),
        "issuer": issuer,
        "province": S(province, prov[1]) if prov else todo("the province is not named in the document"),
        "legal_bases": [S(b.text, b.number) for b in plan_part.bases],
    }  # fmt: skip
    if plan_part.preamble:
        plan_info["preamble"] = S(plan_part.preamble[-1].text, plan_part.preamble[-1].number)
    plan_info["purposes"] = purposes
    plan_info["requirements"] = requirements

    tree: dict = {"plan": plan_info}
    if decision is not None:
        tree["decision"] = _decision(decision, catalog)
    elif schema.model_fields["decision"].is_required():
        tree["decision"] = todo("the document has no approving Decision, which this plan format requires (issue #12)")
    cons_name = consolidator.name if consolidator else None
    tree["consolidator"] = (
        {
            "agency": S(codes[consolidator.code], cons_line, consolidator.name),
            "name": S(consolidator.name),
            "short_name": S(consolidator.short_name or consolidator.name),
        }
        if consolidator
        else todo("no consolidating agency ('… (qua Sở …)', '… gửi Sở … tổng hợp') found")
    )
    tree["recipient"] = {
        "name": S(f"Chủ tịch Ủy ban nhân dân tỉnh {province}" if province else "Chủ tịch Ủy ban nhân dân tỉnh", None,
                  "default: the consolidated report goes to the Chairman"),
        "short_name": S("Chủ tịch UBND tỉnh"),
    }  # fmt: skip
    tree["steering_committee"] = (
        {"name": S(steering[0], steering[2]), "short_name": S(steering[0], steering[2])}
        if steering
        else todo("the regime does not say whom the agencies report to")
    )
    tree["content_items"] = _content(roles.get("content"))
    tree["funding"] = funding
    tree["agencies"] = [
        {
            "code": S(codes[e.code], *_origin(e, groups, fund, issuer)),
            "name": S(e.name, None, "gazetteer"),
            "short_name": S(e.short_name or e.name),
            "kind": S("consolidator" if e is consolidator else e.kind),
            "head_title": S(e.head_title),
        }
        for e in all_entries
    ]
    tree["groups"] = group_list
    tree["tasks"] = task_list
    tree["reporting"] = {
        "text": S(reg_para[0], reg_para[1]) if reg_para else todo("no reporting regime ('Chế độ báo cáo') found"),
        "to": S(steering[1], steering[2]) if steering else todo("the regime does not say whom the agencies report to"),
        "difficulties_text": S(diff_para[0], diff_para[1]) if diff_para else S("", None, "not in the document"),
    }
    tree["rounds"] = rounds
    tree["ad_hoc"] = ad_hoc
    press = _press(tree["content_items"], codes[consolidator.code] if consolidator else None, press_tasks)
    if press:
        tree["press_briefings"] = press
    tree["report"] = _report(plan_part, consolidator, province, cons_name)
    return Draft(tree, _contacts(all_entries, codes, province, cons_name), notes)


def _origin(e: Entry, groups: list[GroupDraft], fund: Node | None, issuer: S) -> tuple[int | None, str]:
    """Where the plan names agency `e` first: (line, how), for its comment."""
    for g in groups:
        for m in g.mentions:
            if e in m.entries:
                return g.line, f"named in item {g.label}: {m.text}"
        if e.code in g.origin:
            return g.line, f"expanded from «{g.origin[e.code]}» (gazetteer)"
    if fund is not None:
        return fund.line, "named in the funding section"
    return issuer.line, "the issuing body"


def _no_task(g: GroupDraft):
    from drafting.responsibilities import TaskDraft

    return TaskDraft("TODO: no task found under this heading", g.line)


def _codes(entries: list[Entry]) -> dict[str, str]:
    """Gazetteer code -> plan code, unique within the plan."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for e in entries:
        code = e.code or derive_code(e.name)
        final, n = code, 2
        while final in used:
            final, n = f"{code}{n}", n + 1
        used.add(final)
        out[e.code] = final
    return out


def _plan_key(province: str | None, number: S, year: int | None) -> str:
    parts = [slug(province) if province else "plan"]
    if not is_todo(number.value):
        parts.append(re.sub(r"[^a-z0-9]+", "-", slug(number.value.replace("/", " ")) or "") or "")
        parts[-1] = re.sub(r"[^a-z0-9]+", "-", number.value.lower().replace("đ", "d")).strip("-")
    if year:
        parts.append(str(year))
    return "-".join(p for p in parts if p)


_PRESS_MONTHS = [
    (("hằng quý", "hàng quý", "mỗi quý", "định kỳ quý"), [3, 6, 9, 12]),
    (("hằng tháng", "hàng tháng", "mỗi tháng"), list(range(1, 13))),
    (("6 tháng", "sáu tháng"), [6, 12]),
]


def _press(items: list[dict], organiser: str | None, tasks: list[tuple[str, int, str | None]]) -> dict | None:
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


def _report(plan: Part, consolidator: Entry | None, province: str | None, cons_name: str | None) -> dict:
    bodies = plan.header.bodies
    parent = bodies[0].text if len(bodies) > 1 else (f"UBND TỈNH {province.upper()}" if province else None)
    return {
        "parent_body": S(parent, bodies[0].number if len(bodies) > 1 else None, "the plan's header or default")
        if parent
        else todo("the parent body for the report's header"),
        "issuing_body": S(cons_name.upper(), None, "the consolidator") if cons_name else todo("the report's issuer"),
        "symbol": S(f"BC-{consolidator.code}" if consolidator else "BC", None, "default: BC- and the consolidator"),
        "place": S(plan.header.place.text, plan.header.place.number)
        if plan.header.place
        else (S(province, None, "the province") if province else todo("the report's place")),
        "signer": {
            "authority": S(None),
            "title": S(consolidator.head_title.upper() if consolidator else "GIÁM ĐỐC", None, "default: the head"),
            "name": S(None),
        },
        "distribution": [S("- UBND tỉnh (b/c);", None, "default"), S("- Lưu: VT.")],
    }


def _contacts(entries: list[Entry], codes: dict[str, str], province: str | None, cons_name: str | None) -> dict:
    where = f" tỉnh {province}" if province else ""
    email = "TODO: địa chỉ thư điện tử"
    agencies = {}
    for e in entries:
        agencies[codes[e.code]] = S(
            {
                "focal_points": [{"name": S(f"Văn thư {e.short_name or e.name}"), "email": S(email)}],
                "head": {"name": S(f"{e.head_title} {e.name}"), "email": S(email)},
            },
            None,
            e.name,
        )
    return {
        "officer": {"name": S(f"Chuyên viên phụ trách, {cons_name or 'cơ quan tổng hợp'}"), "email": S(email)},
        "director": {"name": S(f"Giám đốc {cons_name}" if cons_name else "Thủ trưởng cơ quan tổng hợp"),
                     "email": S(email)},
        "chairman": {"name": S(f"Chủ tịch Ủy ban nhân dân{where}"), "email": S(email)},
        "steering_committee": {"name": S("Ban Chỉ đạo / cơ quan nhận báo cáo"), "email": S(email)},
        "agencies": agencies,
    }  # fmt: skip
