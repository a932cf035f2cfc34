"""The responsibility groups of a plan ('Tổ chức thực hiện'): agencies from each heading, one task per
bullet, collective phrases expanded once every named agency is known."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from drafting.gazetteer import Catalog, Entry, Mention
from drafting.regime import states_deadline
from drafting.structure import Node
from drafting.vntext import fold


@dataclass
class TaskDraft:
    """One task: its text and source line."""

    text: str
    line: int


@dataclass
class GroupDraft:
    """One responsibility group as read, before codes are settled."""

    label: str  # the item's own label in the document, e.g. '12' or 'b'
    title: str
    line: int
    mentions: list[Mention]
    tasks: list[TaskDraft] = field(default_factory=list)
    agencies: list[Entry] = field(default_factory=list)
    todos: list[str] = field(default_factory=list)  # TODO texts for agencies it cannot place or expand
    origin: dict[str, str] = field(default_factory=dict)  # agency name -> the words that brought it in


def _text_of(node: Node) -> str:
    """A bullet with what it contains (sub-bullets, paragraphs) as one text, one line each."""
    lines = [node.text]
    for c in node.children:
        label = "" if c.kind == "para" else ("- " if c.kind == "dash" else "+ " if c.kind == "plus" else f"{c.label}) ")
        lines.append(label + _text_of(c))
    return "\n".join(lines)


def _tasks(node: Node, inline: str) -> list[TaskDraft]:
    # A task written on the heading's line after the agency ('Sở Y tế chủ trì, …') stands alone: capitalised.
    tasks = [TaskDraft(inline[:1].upper() + inline[1:], node.line)] if inline else []
    bullets = [c for c in node.children if c.kind in ("dash", "plus", "letter", "subnumber")]
    if bullets:
        kind = bullets[0].kind  # the first bullet kind is the task level; deeper ones belong to their task
        for c in node.children:
            if c.kind == kind:
                tasks.append(TaskDraft(_text_of(c), c.line))
            elif tasks and c.kind != "para":
                tasks[-1].text += "\n" + _text_of(c)
            elif c.kind == "para" and not tasks:
                tasks.append(TaskDraft(c.text, c.line))
            elif c.kind == "para":
                tasks[-1].text += "\n" + c.text
    else:
        tasks += [TaskDraft(c.text, c.line) for c in node.paragraphs()]
    return tasks


def read_groups(section: Node, catalog: Catalog) -> tuple[list[GroupDraft], list[Node]]:
    """The groups of a responsibility section, and the items that are not groups (e.g. a reporting item)."""
    groups: list[GroupDraft] = []
    others: list[Node] = []
    for item in section.children:
        if item.kind == "para" and not _paragraph_group(item, catalog):
            others.append(item)
            continue
        # Sub-items that each name an agency ('1.1. Sở Nội vụ: …' under '1. Các sở, ban, ngành'), or
        # bullets that all open with an agency and a colon ('- Sở Y tế: …'), are the groups; their
        # parent heading only gathers them.
        sub = [c for c in item.children if c.kind in ("letter", "subnumber", "number")]
        dashes = [c for c in item.children if c.kind in ("dash", "plus")]
        if not sub and dashes and all(_agency_with_colon(c, catalog) for c in dashes):
            sub = dashes
        if sub and any(_names_agency(c, catalog) for c in sub):
            kept = [c for c in item.children if c in sub or c.kind == "para"]  # paragraphs: groups or regime
            inner, more = read_groups(Node(item.kind, item.label, item.text, item.line, kept), catalog)
            groups += inner
            others += more
            continue
        mentions, rest = catalog.mentions(item.text)
        if not [m for m in mentions if not m.vague]:
            others.append(item)
            continue
        title = item.text[: len(item.text) - len(rest)].rstrip(" :;,-") if rest else item.text.rstrip(" :")
        label = item.label if item.kind != "para" else "¶"
        # The section's closing paragraphs (the regime, what to do with difficulties) follow the last
        # group's text without a label of their own: they are not its tasks.
        closing = [c for c in item.children if c.kind == "para" and _is_closing(c)]
        body = Node(item.kind, item.label, item.text, item.line, [c for c in item.children if c not in closing])
        groups.append(GroupDraft(label, title, item.line, mentions, _tasks(body, rest)))
        others += closing
    return groups, others


_CLOSING_START = re.compile(
    fold(r"^(?:các (?:cơ quan|đơn vị|sở|địa phương)|thủ trưởng các|định kỳ|trong quá trình|đề nghị các|yêu cầu các)")
)


def _is_closing(node: Node) -> bool:
    """A paragraph that addresses every agency about reporting or difficulties, not one group's task."""
    f = fold(node.text)
    if not _CLOSING_START.match(f):
        return False
    return states_deadline(node.text) or fold("vướng mắc") in f or fold("khó khăn") in f


def _agency_with_colon(node: Node, catalog: Catalog) -> bool:
    head, colon, _ = node.text.partition(":")
    mentions, rest = catalog.mentions(head)
    return bool(colon) and not rest and any(not m.vague and not m.todo for m in mentions)


def _paragraph_group(node: Node, catalog: Catalog) -> bool:
    """An unlabelled paragraph that opens with an agency ('Sở Y tế chủ trì …', 'Giao Sở Tài chính …')
    is a group, unless it states a reporting regime ('Các sở, ngành báo cáo … trước ngày …')."""
    mentions, _ = catalog.mentions(node.text)
    if not any(not m.vague and not m.todo for m in mentions):
        return False
    return not states_deadline(node.text)


def _names_agency(node: Node, catalog: Catalog) -> bool:
    return any(not m.vague for m in catalog.mentions(node.text)[0])


def settle_agencies(groups: list[GroupDraft], catalog: Catalog) -> None:
    """Each group's agencies: named ones, then the collective phrases expanded (named agencies of the
    plan included), with a TODO for what cannot be placed or expanded."""
    named: list[Entry] = []
    for g in groups:
        for m in g.mentions:
            for e in m.entries:
                if e not in named:
                    named.append(e)
    for g in groups:
        for m in g.mentions:
            if m.todo:
                g.todos.append(f"TODO: {m.todo} «{m.text}»")
            elif m.groups:
                expanded, todos = catalog.expand(m.groups, named)
                for e in expanded:
                    g.origin.setdefault(e.name, m.text)
                g.agencies += [e for e in expanded if e not in g.agencies]
                g.todos += [f"TODO: {t} «{m.text}»" for t in todos]
            for e in m.entries:
                if e not in g.agencies:
                    g.agencies.append(e)


def is_reporting_item(node: Node) -> bool:
    """An item of the responsibility section that states the reporting regime."""
    return fold("báo cáo") in fold(node.text) and len(node.text.split()) <= 8
