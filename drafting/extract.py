"""From a parsed document to the plan file's values, each with its source line.

`draft` returns the plan and contacts trees that `writer.render` writes. What the document does not
say and the plan format needs is either a documented default (the comment says so) or a TODO; never
a guessed date or agency. The pieces: `identity` (number, date, issuer, Decision), `sections`
(section roles and their values), `responsibilities` (groups and tasks), `regime` and `rounds`
(reporting rounds), `defaults` (report layout, contacts skeleton).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from pydantic import ValidationError

from drafting.defaults import contacts_skeleton, report_layout
from drafting.gazetteer import Catalog, Entry, catalog_for, derive_code
from drafting.identity import decision_of, issuer_of, plan_number_and_date, province_of
from drafting.reading import Document, DocumentError
from drafting.regime import RoundSpec, budget_deadline, merge_rounds, read_regime
from drafting.responsibilities import GroupDraft, TaskDraft, read_groups, settle_agencies
from drafting.rounds import rounds_of
from drafting.sections import (
    clause_agency,
    content_items,
    press_briefings,
    purposes_of,
    regime_paragraphs,
    roles_of,
    steering_of,
    text_of,
)
from drafting.structure import Node, split_parts
from drafting.vntext import fold, is_upper, sentence_case, slug
from drafting.writer import S, is_todo, todo
from models.plan import AgencyKind, Funding, Group, Plan, Task


@dataclass
class Draft:
    """The plan and contacts trees, and notes for the person running the command."""

    plan: dict
    contacts: dict
    notes: list[str] = field(default_factory=list)


def draft(doc: Document, schema: type[Plan] = Plan) -> Draft:
    """The plan and contacts trees drafted from `doc`; raises `DocumentError` when it is not a plan."""
    parts = split_parts(doc.lines)
    plan_part = next((p for p in parts if p.kind == "plan"), None)
    if plan_part is None:
        raise DocumentError(f"{doc.path}: no 'KẾ HOẠCH' title: this does not read as a plan document")
    decision = next((p for p in parts if p.kind == "decision"), None)
    roles = roles_of(plan_part.body)
    if "responsibilities" not in roles:
        raise DocumentError(
            f"{doc.path}: no 'Tổ chức thực hiện' section (the one that assigns tasks to agencies): "
            "the draft needs it to know who does what"
        )
    notes: list[str] = []
    prov = province_of(parts)
    province = prov[0] if prov else None
    keep = [province] if province else []
    number, date = plan_number_and_date(plan_part, decision)
    plan_date = date.value if isinstance(date.value, dt.date) else None
    title_text = " ".join(line.text for line in plan_part.title)
    ym = re.search(r"năm\s+(\d{4})\b", title_text)
    year = int(ym[1]) if ym else (plan_date.year if plan_date else None)
    catalog = catalog_for(province, plan_date or (dt.date(year, 1, 1) if year else None))
    issuer, issuer_entry = issuer_of(plan_part, decision, catalog, province)

    resp = roles["responsibilities"]
    groups, others = read_groups(resp, catalog)
    if not groups:
        raise DocumentError(
            f"{doc.path}:{resp.line}: the section '{resp.text}' names no agency: no responsibility group to draft"
        )
    settle_agencies(groups, catalog)
    paragraphs = regime_paragraphs(roles, others)
    consolidator, cons_line = _consolidator(paragraphs, catalog, issuer_entry, issuer.line)

    entries: list[Entry] = []
    for e in [*([consolidator] if consolidator else []), *(e for g in groups for e in g.agencies)]:
        if e not in entries:
            entries.append(e)
    fund = roles.get("funding")
    funding, fund_agencies = _funding(fund, catalog, consolidator)
    if isinstance(funding, dict) and fund is not None and "section" in Funding.model_fields:
        funding["section"] = S(fund.label, fund.line, fund.text)
    entries += [e for e in fund_agencies if e not in entries]
    codes = _codes(entries)
    if isinstance(funding, dict):
        for key in ("appraiser", "copy_to"):
            if not is_todo(funding[key].value):
                funding[key].value = codes[funding[key].value]

    label = resp.label if _schema_accepts_section(resp.label) else "IV"
    if label != resp.label:
        notes.append(f"responsibilities are section {resp.label} of the document; the plan format keys them IV (#12)")
    group_list, task_list, press_tasks = _groups_and_tasks(groups, codes, label, resp.label)
    funding_task = None
    if fund is not None and re.search(fold("dự toán"), fold(text_of(fund))):
        funding_task = _funding_task(fund, [S(codes[e.name], None, e.name) for e in entries])
        task_list.insert(0, funding_task)

    specs: list[RoundSpec] = []
    for text, line in paragraphs:
        specs += read_regime(text, line, year, plan_date)
    specs, dropped = merge_rounds(specs, plan_date)
    notes += dropped
    budget = budget_deadline(text_of(fund), fund.line, year) if fund is not None else None
    if budget is not None:  # only when the funding section sets a date: no date, no budget round
        specs.insert(0, budget)
    budget_task = funding_task["key"].value if funding_task else None
    subject = re.sub(r"\s*năm\s+\d{4}\s*$", "", sentence_case(title_text, keep))
    rounds, ad_hoc = rounds_of(specs, subject[:1].lower() + subject[1:], year, plan_date, budget_task)
    steering = steering_of(paragraphs)
    reg_para = next(((t, ln) for t, ln in paragraphs if any(s.line == ln for s in specs)), None)
    diff_para = next(((t, ln) for t, ln in paragraphs if re.search(fold("vướng mắc|khó khăn"), fold(t))), None)

    purposes, requirements = purposes_of(roles.get("purposes"))
    first_title_line = plan_part.title[0].number if plan_part.title else None
    plan_info: dict = {
        "key": S(_plan_key(province, number, year), None, "derived from the province, number and year"),
        "number": number,
        "date": date,
        "year": S(year, first_title_line if ym else date.line, "the plan's title or date")
        if year
        else todo("the plan's year is not in its title or date"),
        "title": S(sentence_case(title_text, keep) if is_upper(title_text) else title_text, first_title_line)
        if title_text
        else todo("the plan's title"),
        "issuer": issuer,
        "province": S(province, prov[1]) if prov else todo("the province is not named in the document"),
        "legal_bases": [S(b.text, b.number) for b in plan_part.bases],
    }
    if plan_part.preamble:
        plan_info["preamble"] = S(plan_part.preamble[-1].text, plan_part.preamble[-1].number)
    plan_info["purposes"], plan_info["requirements"] = purposes, requirements

    tree: dict = {"plan": plan_info}
    if decision is not None:
        tree["decision"] = decision_of(decision)
    elif schema.model_fields["decision"].is_required():
        tree["decision"] = todo("the document has no approving Decision, which this plan format requires (issue #12)")
    cons_code = codes[consolidator.name] if consolidator else None
    tree["consolidator"] = (
        {
            "agency": S(cons_code, cons_line, consolidator.name),
            "name": S(consolidator.name, None, "gazetteer"),
            "short_name": S(consolidator.short_name or consolidator.name, None, "gazetteer"),
        }
        if consolidator
        else todo("no consolidating agency ('… (qua Sở …)', '… gửi Sở … tổng hợp') found")
    )
    tree["recipient"] = {
        "name": S(
            f"Chủ tịch Ủy ban nhân dân tỉnh {province}" if province else "Chủ tịch Ủy ban nhân dân tỉnh",
            None,
            "default: the consolidated report goes to the Chairman",
        ),
        "short_name": S("Chủ tịch UBND tỉnh", None, "default"),
    }
    no_target = "the regime does not say whom the agencies report to"
    tree["steering_committee"] = (
        {"name": S(steering[0], steering[2]), "short_name": S(steering[0], steering[2])}
        if steering
        else todo(no_target)
    )
    tree["content_items"] = content_items(roles.get("content"))
    if fund is None and not schema.model_fields["funding"].is_required():
        pass  # nothing to say, and the format does not ask
    else:
        tree["funding"] = funding
    tree["agencies"] = [
        {
            "code": S(codes[e.name], *_origin(e, groups, fund, issuer)),
            "name": S(e.name, None, "gazetteer"),
            "short_name": S(e.short_name or e.name, None, "gazetteer"),
            "kind": S("consolidator" if e is consolidator else _agency_kind(e, schema), None, "gazetteer"),
            "head_title": S(e.head_title, None, "gazetteer"),
        }
        for e in entries
    ]
    if "responsibilities_section" in schema.model_fields:  # the plan format after issue #12
        tree["responsibilities_section"] = S(resp.label, resp.line, resp.text)
    tree["groups"] = group_list
    tree["tasks"] = task_list
    tree["reporting"] = {
        "text": S(reg_para[0], reg_para[1]) if reg_para else todo("no reporting regime ('Chế độ báo cáo') found"),
        "to": S(steering[1], steering[2]) if steering else todo(no_target),
        "difficulties_text": S(diff_para[0], diff_para[1]) if diff_para else S("", None, "not in the document"),
    }
    tree["rounds"] = rounds
    tree["ad_hoc"] = ad_hoc
    press = press_briefings(tree["content_items"], cons_code, press_tasks)
    if press:
        tree["press_briefings"] = press
    tree["report"] = report_layout(plan_part, consolidator, province, cons_code)
    cons_name = consolidator.name if consolidator else None
    skeleton = contacts_skeleton(entries, codes, province, cons_name, steering[0] if steering else None)
    return Draft(tree, skeleton, notes)


def _consolidator(
    paragraphs: list[tuple[str, int]], catalog: Catalog, issuer: Entry | None, issuer_line: int | None
) -> tuple[Entry | None, int | None]:
    """The agency the reports go through ('(qua Sở …)', 'gửi về Sở … để tổng hợp'), else the issuer
    when it is an agency."""
    for text, line in paragraphs:
        m = re.search(r"\((?:qua|thông qua)\s+([^)]+)\)|(?:gửi|về)\s+(Sở [^.;()]+?)\s+(?:để\s+)?tổng hợp", text)
        if m:
            found = catalog.find_in(m[1] or m[2])
            if found:
                return found[0][0], line
    return issuer, issuer_line


def _funding(fund: Node | None, catalog: Catalog, consolidator: Entry | None) -> tuple[S | dict, list[Entry]]:
    """Section III's funding duty (agency fields hold agency names until the plan's codes are set),
    and the agencies it names."""
    if fund is None:
        return todo("the plan has no funding section ('Kinh phí')"), []
    text = text_of(fund)
    appraiser = clause_agency(text, catalog, ("thẩm định", "thẩm tra"))
    copy_to = clause_agency(text, catalog, ("theo dõi", "tổng hợp")) or consolidator
    funding = {
        "text": S(text, fund.line + 1 if fund.children else fund.line),
        "appraiser": S(appraiser.name, fund.line, appraiser.name)
        if appraiser
        else todo("no appraising agency ('… thẩm định') found", text[:120], fund.line),
        "copy_to": S(copy_to.name, fund.line, copy_to.name)
        if copy_to
        else todo("no agency that follows the estimates", text[:120], fund.line),
    }
    return funding, [e for e in (appraiser, copy_to) if e is not None]


def _funding_task(fund: Node, everyone: list[S]) -> dict:
    """The funding duty as a task of every agency: draft a detailed plan and a budget estimate."""
    label = fund.label
    try:  # the format before issue #12 wants task keys to start with letters: '3' is written 'III'
        Task(key=f"{label}.1", section=label, text="x", agencies=["X"])
    except ValidationError:
        label = _roman(int(label)) if label.isdigit() else label
    return {
        "key": S(f"{label}.1", fund.line),
        "section": S(label, fund.line, f"section {fund.label}"),
        "agencies": S(everyone, None, "every agency of the plan ('các đơn vị được giao nhiệm vụ')"),
        "text": S(text_of(fund), fund.line + 1 if fund.children else fund.line),
    }


def _groups_and_tasks(
    groups: list[GroupDraft], codes: dict[str, str], label: str, source_label: str
) -> tuple[list[dict], list[dict], list[tuple[str, int, str | None]]]:
    """Groups (each with an anchored agency list) and their tasks (one per bullet, sharing the list);
    also (text, line, first agency) of every task, for the press briefings."""
    group_list, task_list, press_tasks = [], [], []
    for n, g in enumerate(groups, 1):
        section = f"{label}.{n}"
        agencies = [S(codes[e.name], None, e.name) for e in g.agencies] + [S(t) for t in g.todos]
        vague = [m.text for m in g.mentions if m.vague]
        anchor = f"g{n}"
        group_list.append(
            {
                "section": S(section, g.line, f"item {g.label} of section {source_label}"),
                "title": S(g.title, g.line),
                "agencies": S(
                    agencies, g.line, ("not expanded: " + "; ".join(vague)) if vague else None, anchor=anchor
                ),
            }
        )
        tasks = g.tasks or [TaskDraft("TODO: no task found under this heading", g.line)]
        press_tasks += [(t.text, t.line, codes[g.agencies[0].name] if g.agencies else None) for t in tasks]
        for k, t in enumerate(tasks, 1):
            task_list.append(
                {
                    "key": S(f"{section}.{k}", t.line),
                    "section": S(section, g.line),
                    "agencies": S(None, None, f"the agencies of {section}", alias=anchor),
                    "text": S(t.text, t.line) if not is_todo(t.text) else todo(t.text[6:], g.title, g.line),
                }
            )
    return group_list, task_list, press_tasks


def _origin(e: Entry, groups: list[GroupDraft], fund: Node | None, issuer: S) -> tuple[int | None, str]:
    """Where the plan names agency `e` first: (line, how), for its comment."""
    for g in groups:
        for m in g.mentions:
            if e in m.entries:
                return g.line, f"named in item {g.label}: {m.text}"
        if e.name in g.origin:
            return g.line, f"expanded from «{g.origin[e.name]}» (gazetteer)"
    if fund is not None:
        return fund.line, "named in the funding section"
    return issuer.line, "the issuing body"


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + letters, n - value
    return out


def _codes(entries: list[Entry]) -> dict[str, str]:
    """Agency name -> its code in the plan: the gazetteer's, made unique within the plan."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for e in entries:
        code = e.code or derive_code(e.name)
        final, n = code, 2
        while final in used:
            final, n = f"{code}{n}", n + 1
        used.add(final)
        out[e.name] = final
    return out


def _plan_key(province: str | None, number: S, year: int | None) -> str:
    """'vinhlong-21-kh-stttt-2018': stable, from what the document says."""
    parts = [slug(province) if province else "plan"]
    if not is_todo(number.value):
        parts.append(re.sub(r"[^a-z0-9]+", "-", number.value.lower().replace("đ", "d")).strip("-"))
    if year:
        parts.append(str(year))
    return "-".join(p for p in parts if p)


def _agency_kind(e: Entry, schema: type[Plan]) -> str:
    """The entry's kind in the plan format: a commune's People's Committee is 'commune' where the format
    has that kind (after issue #12), else 'district', the format's only local kind."""
    if e.group == "commune" and "commune" in {k.value for k in AgencyKind}:
        return "commune"
    return e.kind


def _schema_accepts_section(label: str) -> bool:
    """Whether the plan format takes group sections labelled `label` (only 'IV' before issue #12)."""
    try:
        Group(section=f"{label}.1", title="x", agencies=["X"])
        return True
    except ValidationError:
        return False
