"""The seed document (Decision + Plan 21/KH-STTTT) drafts to the reference plan's groups, tasks,
content items, funding duty, rounds and agencies: from its text, from a .docx built from it (real
Word lists), and from a PDF LibreOffice makes of that .docx (text layer, wrapped lines)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import yaml

from drafting.extract import draft
from drafting.reading import read_document
from drafting.vntext import fold
from drafting.writer import render
from models.planfile import load_plan_file
from tests.drafting.docbuild import ROOT, SEED, build_docx, to_pdf

REFERENCE = load_plan_file(ROOT / "plans" / "vinhlong-2018" / "plan.yaml")


def _drafted(path):
    """The draft of `path` written as YAML and parsed back (what the officer gets)."""
    result = draft(read_document(path))
    return yaml.safe_load(render(result.plan, ["test"]))


@pytest.fixture(scope="module")
def from_text():
    return _drafted(SEED)


@pytest.fixture(scope="module")
def from_docx(tmp_path_factory):
    path = build_docx(SEED.read_text(encoding="utf-8"), tmp_path_factory.mktemp("docx") / "seed.docx")
    return _drafted(path)


@pytest.fixture(scope="module")
def from_pdf(tmp_path_factory):
    out = tmp_path_factory.mktemp("pdf")
    return _drafted(to_pdf(build_docx(SEED.read_text(encoding="utf-8"), out / "seed.docx"), out))


@pytest.fixture(params=["text", "docx", pytest.param("pdf", marks=pytest.mark.libreoffice)])
def drafted(request):
    return request.getfixturevalue(f"from_{request.param}")


def _names(plan: dict, codes) -> set[str]:
    by_code = {a["code"]: a["name"] for a in plan["agencies"]}
    return {fold(by_code[c]) for c in codes}


def test_same_twelve_groups_with_their_titles(drafted):
    assert [g["title"] for g in drafted["groups"]] == [g.title for g in REFERENCE.groups]


def test_same_24_bullets_as_tasks_in_order(drafted):
    ours = [t["text"] for t in drafted["tasks"] if t["section"].startswith("IV.")]
    ref = [t.text for t in REFERENCE.tasks if t.section.startswith("IV.")]
    assert len(ours) == 24
    assert ours == ref


def test_same_ten_content_items(drafted):
    assert [(c["number"], c["text"]) for c in drafted["content_items"]] == [
        (c.number, c.text) for c in REFERENCE.content_items
    ]


def test_funding_duty_appraiser_and_copy(drafted):
    by_code = {a["code"]: a["name"] for a in drafted["agencies"]}
    assert REFERENCE.funding is not None
    assert drafted["funding"]["text"] == REFERENCE.funding.text
    assert by_code[drafted["funding"]["appraiser"]] == "Sở Tài chính"
    assert by_code[drafted["funding"]["copy_to"]] == "Sở Thông tin và Truyền thông"
    duty = next(t for t in drafted["tasks"] if t["section"] == "III")
    assert duty["text"] == REFERENCE.funding.text
    assert set(duty["agencies"]) == {a["code"] for a in drafted["agencies"]}


def test_two_deadlines_and_the_ad_hoc_round(drafted):
    dues = {(r["kind"], r["due"]) for r in drafted["rounds"]}
    assert dues == {("six_month", dt.date(2018, 6, 15)), ("annual", dt.date(2018, 11, 15))}
    assert drafted["ad_hoc"]["enabled"] is True
    assert drafted["ad_hoc"]["text"] == REFERENCE.ad_hoc.text


def test_at_least_95_percent_of_the_reference_agencies(drafted):
    ours = {fold(a["name"]) for a in drafted["agencies"]}
    ref = [fold(a.name) for a in REFERENCE.agencies]
    found = [n for n in ref if n in ours]
    assert len(found) / len(ref) >= 0.95, sorted(set(ref) - ours)


def test_each_group_has_the_reference_agencies(drafted):
    for ours, ref in zip(drafted["groups"], REFERENCE.groups, strict=True):
        want = {fold(REFERENCE.agency(c).name) for c in ref.agencies}
        got = _names(drafted, ours["agencies"])
        assert len(want & got) / len(want) >= 0.95, (ref.section, sorted(want - got))


def test_plan_header_and_decision(drafted):
    p = drafted["plan"]
    assert (p["number"], p["date"], p["year"]) == ("21/KH-STTTT", dt.date(2018, 4, 13), 2018)
    assert p["issuer"] == "Sở Thông tin và Truyền thông" and p["province"] == "Vĩnh Long"
    assert p["title"] == REFERENCE.plan.title
    assert p["legal_bases"] == REFERENCE.plan.legal_bases
    assert p["purposes"] == REFERENCE.plan.purposes and p["requirements"] == REFERENCE.plan.requirements
    d = drafted["decision"]
    assert REFERENCE.decision is not None
    assert [a["text"] for a in d["articles"]] == [a.text for a in REFERENCE.decision.articles]
    assert d["signer"] == REFERENCE.decision.signer.model_dump()
    assert d["legal_bases"] == REFERENCE.decision.legal_bases
    assert d["considering"] == REFERENCE.decision.considering


def test_press_briefings_every_quarter(from_text):
    assert from_text["press_briefings"]["content_item"] == 5
    assert from_text["press_briefings"]["months"] == [3, 6, 9, 12]


def test_every_value_line_names_its_source_line():
    text = render(draft(read_document(SEED)).plan, ["test"])
    lines = SEED.read_text(encoding="utf-8").splitlines()
    checked = 0
    for out_line in text.splitlines():
        m = re.search(r"  # L(\d+)", out_line)
        if m and out_line.lstrip().startswith(("text:", '- "', "title:")):
            value = yaml.safe_load(out_line[: m.start()].split(": ", 1)[-1].lstrip().removeprefix("- ")) or ""
            n = int(m[1])
            if isinstance(value, str) and "\n" not in value and len(value) > 20:
                assert value[:20] in lines[n - 1] or fold(value[:20]) in fold(lines[n - 1]), (out_line, n)
                checked += 1
    assert checked > 40


def test_every_value_carries_a_comment():
    text = render(draft(read_document(SEED)).plan, ["test"])
    bare = [
        line
        for line in text.splitlines()
        if not line.lstrip().startswith("#")
        and "  # " not in line
        and not re.fullmatch(r"\s*(- )?[a-z_]+:( &\w+)?", line)  # a key that opens a mapping or list
        and not re.fullmatch(r"\s*- \d+", line)  # a month of the press briefings, commented on its key
    ]
    assert bare == []


def test_report_header_as_the_reference_plan_has_it(from_text):
    r = from_text["report"]
    assert (r["parent_body"], r["issuing_body"], r["symbol"]) == (
        REFERENCE.report.parent_body,
        REFERENCE.report.issuing_body,
        REFERENCE.report.symbol,
    )
